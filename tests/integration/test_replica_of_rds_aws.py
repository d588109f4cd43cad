"""replica_of_rds (direction 1) as amazon.aws users and AWX run it (issue 14): the AWS options only in
the play's module_defaults (group/aws) with the role's aws variables empty, on the host or on the
controller (replica_of_rds_aws_delegate_to: localhost), and list variables given as a string on the
command line (as an AWX survey sends them: extra vars, which no set_fact overrides)."""
import json
import os
import re
import subprocess

import boto3
import pytest

from playbook_runner import REPO, Run, ansible_playbook, assert_no_secret, collections_path, slave_status, strip_do_filter

SOURCE, REPLICA = "rds_source", "onprem_replica"
AWS_VARIABLES = ("region", "profile", "endpoint_url", "access_key", "secret_key", "session_token")


@pytest.fixture(scope="module")
def collections(tmp_path_factory):
    return collections_path(tmp_path_factory.mktemp("collections"))


def play(lab, collections, tmp_path, defaults, *args, **role_vars):
    """The role in a play with `defaults` as its module_defaults, the role's AWS variables empty
    (plus `role_vars`), and no AWS_* variable in the environment."""
    playbook = tmp_path / "play.json"
    playbook.write_text(json.dumps([{
        "name": "Direction 1, AWS access from the play", "hosts": "rds_to_onprem", "gather_facts": False,
        "module_defaults": defaults, "roles": [{"role": "mysql_rds.replication.replica_of_rds"}]}]))
    extra = dict(("replica_of_rds_aws_%s" % name, "") for name in AWS_VARIABLES)
    extra.update(role_vars)
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith("AWS_"))
    env.update(ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="0",
               AWS_CONFIG_FILE=str(tmp_path / "no-aws-config"), AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"))
    proc = subprocess.run([ansible_playbook(), "-i", str(lab.inventory_path), str(playbook), "-e", json.dumps(extra),
                           "-v", *args], cwd=str(REPO), env=env, capture_output=True, text=True, timeout=900,
                          check=False)
    return Run(proc)


def group_aws(lab):
    aws = lab.aws
    return {"group/aws": {"region": aws["region"], "endpoint_url": aws["endpoint_url"],
                          "access_key": aws["access_key"], "secret_key": aws["secret_key"]}}


def ec2(lab):
    return boto3.client("ec2", endpoint_url=lab.aws["endpoint_url"], region_name=lab.aws["region"],
                        aws_access_key_id=lab.aws["access_key"], aws_secret_access_key=lab.aws["secret_key"])


def replica_rule(lab, revoke=False):
    """Whether the lab's security group lets the replica (127.0.0.1/32) in on the source's port."""
    client, port = ec2(lab), lab.instances[SOURCE]["port"]
    group = lab.aws["security_group_id"]
    perms = client.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]["IpPermissions"]
    found = any(p.get("IpProtocol") == "tcp" and p.get("FromPort") == port and p.get("ToPort") == port
                and any(r["CidrIp"] == "127.0.0.1/32" for r in p.get("IpRanges", [])) for p in perms)
    if revoke and found:
        client.revoke_security_group_ingress(GroupId=group, IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": "127.0.0.1/32"}]}])
    return found


def task_output(run, name):
    assert name in run.output, run
    return run.output.split(name, 1)[1].split("\nTASK [", 1)[0]


@pytest.mark.parametrize("delegate_to", ["", "localhost"])
def test_preflight_with_aws_options_from_group_aws(lab, collections, tmp_path, delegate_to):
    lab.labctl("reset", REPLICA)
    run = play(lab, collections, tmp_path, group_aws(lab), "--tags", "preflight",
               replica_of_rds_aws_delegate_to=delegate_to)
    assert run.rc == 0, run
    read = task_output(run, "Read the RDS instance, its binlog_format, security groups and read replica")
    assert ("-> localhost" in read.split("\n", 2)[1]) == (delegate_to == "localhost"), read
    assert '"identifier": "%s"' % lab.instances[SOURCE]["aws_instance_id"] in read, read
    assert "binlog_format is ROW in " in run.output, run
    root = lab.connect(REPLICA, root=True)
    try:
        assert lab.query(root, "SHOW SLAVE STATUS") == []  # a preflight changes nothing
    finally:
        root.close()
    assert_no_secret(lab, run)


def test_without_aws_options_the_preflight_names_the_region(lab, collections, tmp_path):
    # The counter-proof of the test above: the same play without module_defaults gets no region.
    run = play(lab, collections, tmp_path, {}, "--tags", "preflight")
    assert run.rc != 0, run
    assert re.search(r"region", task_output(run, "Read the RDS instance, its binlog_format"), re.I), run


@pytest.fixture(scope="module")
def survey_run(lab, collections, tmp_path_factory):
    """A whole run from the controller's AWS access (group/aws, delegate_to localhost), the security
    group rule missing, and replica_of_rds_databases as a comma-separated extra var."""
    lab.labctl("load", "stop", SOURCE, check=False)
    strip_do_filter(lab)
    lab.labctl("reset", REPLICA)
    src = lab.connect(SOURCE)
    try:
        for schema in ("d1_survey_a", "d1_survey_b", "d1_survey_c"):
            lab.query(src, "DROP DATABASE IF EXISTS %s" % schema)
            lab.query(src, "CREATE DATABASE %s" % schema)
            lab.query(src, "CREATE TABLE %s.t (id INT PRIMARY KEY)" % schema)
            lab.query(src, "INSERT INTO %s.t VALUES (1), (2)" % schema)
    finally:
        src.close()
    replica_rule(lab, revoke=True)
    tmp_path = tmp_path_factory.mktemp("survey")
    # Key=value extra vars are strings. Only these schemas are copied, so only they are proved and
    # replicated (replicate_wild_do_table).
    run = play(lab, collections, tmp_path, group_aws(lab), "-e", "replica_of_rds_databases=d1_survey_a,d1_survey_b",
               "-e", "replica_of_rds_proof_databases=d1_survey_a,d1_survey_b",
               replica_of_rds_aws_delegate_to="localhost")
    root = lab.connect(REPLICA, root=True)
    try:
        schemas = [r["name"] for r in lab.query(
            root, "SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'd1_survey%'"
                  " ORDER BY 1")]
        do_filter = slave_status(lab, root).get("Replicate_Wild_Do_Table")
    finally:
        root.close()
    yield run, schemas, replica_rule(lab), do_filter
    strip_do_filter(lab)
    lab.labctl("reset", REPLICA)  # no replica that holds two schemas for the next test


def test_a_run_from_the_controller_adds_the_rule_through_group_aws(lab, survey_run):
    run, _schemas, rule, _do_filter = survey_run
    assert run.rc == 0, run
    assert rule, "the security group rule for the replica was not added"
    # The task is there twice: before the checks (only for an unreachable RDS) and in the setup phase.
    added = run.output.split("Allow the replica in on the DB port")[-1].split("\nTASK [", 1)[0]
    assert "changed: [lab_onprem_replica -> localhost]" in added, added
    assert_no_secret(lab, run)


def test_a_list_given_as_a_comma_separated_extra_var_copies_those_schemas(survey_run):
    run, schemas, _rule, do_filter = survey_run
    assert run.rc == 0, run
    assert schemas == ["d1_survey_a", "d1_survey_b"], schemas
    assert do_filter == "d1\\_survey\\_a.%,d1\\_survey\\_b.%", do_filter
    assert "Copied d1_survey_a, d1_survey_b" in run.output, run
    assert re.search(r"Checksums at \S+: 2 tables, .*; 2 tables equal", run.output), run


def test_list_tags_shows_every_phase(collections):
    # --list-tags reads a block's main task list only (not `always:`): the report is there too.
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections)
    proc = subprocess.run([ansible_playbook(), "--list-tags", str(REPO / "playbooks" / "rds_to_onprem.yml")],
                          cwd=str(REPO), env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    listed = re.search(r"TASK TAGS: \[(.*)\]", proc.stdout).group(1).split(", ")
    missing = {"preflight", "config", "copy", "replicate", "proof", "report"} - set(listed)
    assert not missing, proc.stdout
