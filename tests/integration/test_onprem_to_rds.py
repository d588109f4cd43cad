"""playbooks/onprem_to_rds.yml on the lab: RDS (rds_target) becomes a replica of onprem_source
while the load generator writes to the source."""
import json
import os
import re
import subprocess
import time
from pathlib import Path

import pymysql
import pytest

from playbook_runner import REPO, ansible_playbook, assert_no_secret, reset_direction2, run_playbook, status_row


@pytest.fixture(scope="module")
def collections(tmp_path_factory):
    from playbook_runner import collections_path
    return collections_path(tmp_path_factory.mktemp("collections"))


@pytest.fixture(scope="module")
def fresh(lab):
    reset_direction2(lab)
    yield
    reset_direction2(lab)  # stops the load too; RDS no longer replicates from the source


def _source(lab):
    return lab.connect("onprem_source")


def test_preflight_names_the_fix_for_triggers(lab, collections, fresh):
    conn = _source(lab)
    try:
        lab.query(conn, "CREATE DATABASE IF NOT EXISTS d2_app")
        lab.query(conn, "CREATE TABLE IF NOT EXISTS d2_app.items (id INT PRIMARY KEY, name VARCHAR(20))")
        lab.query(conn, "CREATE TRIGGER d2_app.items_upper BEFORE INSERT ON d2_app.items "
                        "FOR EACH ROW SET NEW.name = UPPER(NEW.name)")
        run = run_playbook(lab, collections, "onprem_to_rds.yml")
    finally:
        lab.query(conn, "DROP TRIGGER IF EXISTS d2_app.items_upper")
        conn.close()
    assert run.rc != 0, run
    assert "log_bin_trust_function_creators=1" in run.output, run
    assert "lab-mariadb10-11" in run.output, run  # the instance's parameter group, from the AWS API
    assert_no_secret(lab, run)


def test_check_mode_on_a_fresh_rds_changes_nothing_there(lab, collections, fresh):
    # RDS does not replicate yet: check mode reads both sides, starts nothing and copies nothing.
    check = run_playbook(lab, collections, "onprem_to_rds.yml", "--check", "--diff")
    assert check.rc == 0, check
    assert "Check mode: would copy" in check.output, check
    rds = lab.connect("rds_target")
    try:
        assert status_row(lab, rds) == {}
        assert not lab.query(rds, "SHOW DATABASES LIKE 'd2_app'")
    finally:
        rds.close()
    assert_no_secret(lab, check)


def custom_stats(run):
    """The set_stats data of a run (ANSIBLE_SHOW_CUSTOM_STATS), per host."""
    found = re.search(r"^CUSTOM STATS:[^\n]*\n\s*\S+: (.*)$", run.output, re.M)
    assert found, run
    return json.loads(found.group(1))


def app_password(lab):
    return json.loads((Path(lab.facts["lab_dir"]) / "secrets.json").read_text())["app_password"]


def drop_app_account_on_rds(lab):
    """The lab creates the application account `app`@`%` on every instance: without it on RDS, only
    the role's accounts phase (rds_replica_of_source_accounts in the lab inventory) can bring it."""
    root = lab.connect("rds_target", root=True)
    try:
        lab.query(root, "SET SESSION sql_log_bin = 0")
        lab.query(root, "DROP USER IF EXISTS 'app'@'%'")
    finally:
        root.close()


@pytest.fixture(scope="module")
def replicated(lab, collections, fresh):
    conn = _source(lab)
    try:
        # Data the dump must carry: a view and a routine with a foreign DEFINER, rows with NULLs.
        lab.query(conn, "INSERT INTO d2_app.items VALUES (1, 'one'), (2, NULL), (3, 'DEFINER=`x`@`y`')")
        lab.query(conn, "CREATE OR REPLACE DEFINER=`dba`@`%` VIEW d2_app.named AS "
                        "SELECT id, name FROM d2_app.items WHERE name IS NOT NULL")
    finally:
        conn.close()
    drop_app_account_on_rds(lab)
    lab.labctl("load", "start", "onprem_source")
    time.sleep(2)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ANSIBLE_SHOW_CUSTOM_STATS", "1")
        first = run_playbook(lab, collections, "onprem_to_rds.yml")
    return first


def test_first_run_replicates_with_ssl(lab, replicated):
    assert replicated.rc == 0, replicated
    assert replicated.changed and replicated.changed > 0, replicated
    rds = lab.connect("rds_target")
    try:
        row = status_row(lab, rds)
        assert row.get("Slave_IO_Running") == "Yes" and row.get("Slave_SQL_Running") == "Yes", row
        assert row.get("Master_SSL_Allowed") == "Yes", row
        assert int(row.get("Master_Port")) == lab.instances["onprem_source"]["port"], row
        rows = lab.query(rds, "SELECT id, name FROM d2_app.items ORDER BY id")
        assert [(r["id"], r["name"]) for r in rows] == [(1, "one"), (2, None), (3, "DEFINER=`x`@`y`")]
        assert len(lab.query(rds, "SELECT * FROM d2_app.named")) == 2
    finally:
        rds.close()


def test_application_account_logs_in_to_rds(lab, replicated):
    # copied by the accounts phase with its password hash: the application's own password works on RDS
    info = lab.instances["rds_target"]
    conn = pymysql.connect(host=info["host"], port=info["port"], user="app", password=app_password(lab),
                           connect_timeout=5, autocommit=True)
    try:
        grants = " ".join(next(iter(r.values())) for r in lab.query(conn, "SHOW GRANTS"))
    finally:
        conn.close()
    assert "`loadgen`.*" in grants, grants
    stats = custom_stats(replicated)["rds_replica_of_source"]["accounts"]
    assert stats["created"] == ["app@%"] and stats["refused"] == [], stats
    assert "Accounts on RDS: created app@%" in replicated.output, replicated


def test_lag_is_printed_at_every_poll(replicated):
    # one progress line per read of the replica's status, the last one caught up
    lines = re.findall(r"\d+s: io=\S+ sql=\S+ lag=(\S+)", replicated.output)
    assert lines, replicated
    assert lines[-1] in ("0s", "1s", "2s", "3s", "4s", "5s"), replicated


def test_stats_record_the_coordinates_and_the_proof(replicated):
    stats = custom_stats(replicated)["rds_replica_of_source"]
    assert stats["copied"] is True, stats
    assert re.match(r"^\S+\.\d+$", stats["coordinates"]["file"]) and stats["coordinates"]["position"] > 0, stats
    assert "d2_app.items" in stats["proof"]["proven"] and stats["proof"]["drift"] == [], stats
    assert stats["caught_up"] is True and 0 <= stats["lag"] <= 5, stats  # the lag at the end of the wait


def test_report_file_has_what_set_stats_has(lab, replicated):
    # rds_replica_of_source_report_path (the lab sets it): the same report as JSON, 0600
    path = Path(lab.facts["lab_dir"]) / "onprem_to_rds_report.json"
    report = json.loads(path.read_text())
    assert path.stat().st_mode & 0o777 == 0o600
    assert report["copied"] is True and "d2_app.items" in report["proof"]["proven"], report
    assert report["rds_endpoint"] == {"host": lab.instances["rds_target"]["host"], "instance_id": "lab-rds-target",
                                      "port": lab.instances["rds_target"]["port"], "source": "variables"}, report
    assert report["source"]["restart_changes"] == [] and report["source"]["binlog_basename"].endswith("mysql-bin")


def test_phase_tags_are_listed(lab, collections):
    run = run_playbook(lab, collections, "onprem_to_rds.yml", "--list-tags")
    assert run.rc == 0, run
    tags = re.search(r"TASK TAGS: \[(.*)\]", run.output).group(1).split(", ")
    assert {"preflight", "config", "copy", "replicate", "accounts", "proof", "report"} <= set(tags), run


AWS_VARIABLES = ("region", "profile", "endpoint_url", "access_key", "secret_key")


@pytest.mark.parametrize("delegate_to", ["", "localhost"])
def test_aws_access_from_the_plays_module_defaults(lab, collections, tmp_path, delegate_to):
    """Issue 14: AWS options only in the play's module_defaults (group/aws), the role's aws_* variables
    empty: the role passes none of them, so the play's reach rds_aws_info, on the host or on the
    controller (rds_replica_of_source_aws_delegate_to: localhost, as AWX runs it)."""
    aws = lab.aws
    playbook = tmp_path / "aws_defaults.yml"
    playbook.write_text(json.dumps([{
        "name": "Direction 2 with AWS access from the play's module_defaults",
        "hosts": "onprem_to_rds", "gather_facts": False,
        "module_defaults": {"group/aws": {"region": aws["region"], "endpoint_url": aws["endpoint_url"],
                                          "access_key": aws["access_key"], "secret_key": aws["secret_key"]}},
        "roles": [{"role": "mysql_rds.replication.rds_replica_of_source"}]}]))
    empty = dict(("rds_replica_of_source_aws_%s" % name, "") for name in AWS_VARIABLES)
    empty["rds_replica_of_source_aws_delegate_to"] = delegate_to
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="0")
    for name in list(env):
        if name.startswith("AWS_"):
            del env[name]
    proc = subprocess.run([ansible_playbook(), "-i", str(lab.inventory_path), str(playbook), "--tags", "preflight",
                           "-e", json.dumps(empty), "-v"], cwd=str(REPO), env=env, capture_output=True, text=True,
                          timeout=600, check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-6000:]
    task = output.split("Read the RDS instance, its parameter values and its endpoint", 1)[1][:3000]
    assert ("-> localhost" in task.split("\n", 2)[1]) == (delegate_to == "localhost"), task
    assert '"identifier": "lab-rds-target"' in task, task


def test_source_is_prepared(lab, replicated):
    info = lab.instances["onprem_source"]
    dropin = Path(info["conf_dir"]) / "90-mysql-rds-replication.cnf"
    assert dropin.is_file()
    text = dropin.read_text()
    assert "binlog_format = ROW" in text and "server_id = %s" % info["server_id"] in text
    # the running binlog base name, so that a restart keeps the binlogs RDS reads
    assert re.search(r"^log_bin = /\S+/mysql-bin$", text, re.M), text
    assert "A restart of the source changes nothing replication relies on" in replicated.output
    root = lab.connect("onprem_source", root=True)
    try:
        grants = " ".join(next(iter(r.values())) for r in lab.query(root, "SHOW GRANTS FOR 'rds_repl'@'%'"))
    finally:
        root.close()
    assert "REPLICATION SLAVE" in grants and "REQUIRE SSL" in grants, grants
    assert "ALL PRIVILEGES" not in grants and "SUPER" not in grants, grants


def test_checksum_summary_is_honest(replicated):
    assert "Equal on both sides" in replicated.output
    assert "d2_app.items" in replicated.output


def test_second_run_changes_nothing(lab, collections, replicated):
    second = run_playbook(lab, collections, "onprem_to_rds.yml")
    assert second.rc == 0, second
    assert second.changed == 0, second
    assert_no_secret(lab, second)


def test_check_mode_changes_nothing(lab, collections, replicated):
    check = run_playbook(lab, collections, "onprem_to_rds.yml", "--check", "--diff")
    assert check.rc == 0, check
    assert check.changed == 0, check
    assert_no_secret(lab, check)


def test_proof_tag_proves_a_running_replica_again(lab, collections, replicated):
    # --tags proof: the reads (preflight, `always`), the proof and the report; nothing configured or copied
    run = run_playbook(lab, collections, "onprem_to_rds.yml", "--tags", "proof")
    assert run.rc == 0 and run.changed == 0, run
    assert "Equal on both sides" in run.output, run
    assert "Write the replication drop-in" not in run.output and "Copy a consistent snapshot" not in run.output, run
    assert_no_secret(lab, run)


def test_deprecated_variable_names_still_work(lab, collections, replicated):
    # the 0.2 names: a deprecation line each, and they take effect (no proof without checksums)
    run = run_playbook(lab, collections, "onprem_to_rds.yml", "-e", "rds_replica_of_source_verify_checksums=false",
                       "-e", "rds_replica_of_source_lag_poll_delay=1", "-e", "rds_replica_of_source_lag_polls=30")
    assert run.rc == 0, run
    assert run.changed == 0, run
    for old, new in (("verify_checksums", "proof"), ("lag_poll_delay", "poll_interval"),
                     ("lag_polls", "wait_timeout")):
        assert "[DEPRECATION WARNING]: rds_replica_of_source_%s is deprecated: use rds_replica_of_source_%s" % (
            old, new) in run.output, run
    assert "Equal on both sides" not in run.output, run
    assert_no_secret(lab, run)


def test_rows_changed_on_rds_fail_the_proof(lab, collections, replicated):
    # a row only RDS has, in a table the source does not write: every round differs, the role fails
    rds = lab.connect("rds_target")
    try:
        lab.query(rds, "INSERT INTO d2_app.items VALUES (99, 'only on RDS')")
        run = run_playbook(lab, collections, "onprem_to_rds.yml")
    finally:
        lab.query(rds, "DELETE FROM d2_app.items WHERE id = 99")
        rds.close()
    assert run.rc != 0, run
    assert "differ between the source and RDS while the source did not change them" in run.output, run
    assert "d2_app.items" in run.output and "round 3" in run.output, run
    assert_no_secret(lab, run)


def test_no_secret_in_first_run(lab, replicated):
    assert_no_secret(lab, replicated)
