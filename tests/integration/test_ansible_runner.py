"""ansible-runner with a private data dir as AWX lays it out (issue 14): env/extravars (the secrets, as
a survey's answers), env/passwords (prompt answers), env/envvars (the AWS credential as AWX's AWS
credential type injects it, the collections path of the execution environment), inventory/ (the
lab's, without a secret) and project/ (a playbook per job template). The three runs, direction 1,
direction 2 and the cutover, each leave their results in `artifact_data` (the set_stats of the
run, what AWX keeps as the job's artifacts), and no artifact file holds a secret."""
import copy
import os
import re
import secrets
import sys
from pathlib import Path

import pytest
import yaml

from consumer_project import install_consumer
from playbook_runner import fresh_for_three_playbooks, lab_secrets, reset_direction2

SECRET_NAME = re.compile(r"password|secret_key|access_key|session_token")
PLAYBOOKS = {
    "direction1": ("rds_to_onprem", "mysql_rds.replication.replica_of_rds"),
    "direction2": ("onprem_to_rds", "mysql_rds.replication.rds_replica_of_source"),
    "cutover": ("onprem_to_rds", "mysql_rds.replication.cutover_to_rds"),
}


def split_secrets(inventory):
    """(inventory without secrets, extravars holding them). Host variables are templates over
    lab_instances here and there, so lab_instances goes to the extra vars as a whole."""
    inventory = copy.deepcopy(inventory)
    extravars = {"lab_instances": inventory["all"]["vars"].pop("lab_instances"),
                 "lab_replication_password": inventory["all"]["vars"].pop("lab_replication_password")}
    inventory["all"]["vars"].pop("lab_aws")
    for group in inventory["all"]["children"].values():
        for hostvars in group.get("hosts", {}).values():
            for name in [n for n in hostvars if SECRET_NAME.search(n)]:
                value = hostvars.pop(name)
                if "_aws_" not in name:
                    extravars[name] = value
    return inventory, extravars


def aws_from_the_environment(extravars, inventory):
    """As AWX's AWS credential: AWS_* variables on the controller. The roles' AWS variables empty and
    their AWS calls on the controller (delegate_to localhost)."""
    for group in inventory["all"]["children"].values():
        for hostvars in group.get("hosts", {}).values():
            for name in [n for n in hostvars if re.search(r"_aws_(region|endpoint_url)$", n)]:
                hostvars.pop(name)
    for role in ("replica_of_rds", "rds_replica_of_source", "cutover_to_rds"):
        extravars["%s_aws_delegate_to" % role] = "localhost"


@pytest.fixture(scope="module")
def data_dir(lab, tmp_path_factory):
    root = tmp_path_factory.mktemp("awx")
    consumer = root / "ee"  # what the execution environment has installed
    installed = install_consumer(consumer)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    private = root / "private"
    for sub in ("env", "inventory", "project"):
        (private / sub).mkdir(parents=True)
    inventory, extravars = split_secrets(lab.inventory)
    aws_from_the_environment(extravars, inventory)
    (private / "inventory" / "hosts.yml").write_text(yaml.safe_dump(inventory))
    (private / "env" / "extravars").write_text(yaml.safe_dump(extravars))
    vault_answer = secrets.token_urlsafe(18)
    (private / "env" / "passwords").write_text(yaml.safe_dump({r"^Vault password:\s*?$": vault_answer}))
    (private / "env" / "envvars").write_text(yaml.safe_dump({
        "AWS_ACCESS_KEY_ID": lab.aws["access_key"], "AWS_SECRET_ACCESS_KEY": lab.aws["secret_key"],
        "AWS_REGION": lab.aws["region"], "AWS_ENDPOINT_URL": lab.aws["endpoint_url"],
        "ANSIBLE_COLLECTIONS_PATH": str(consumer / "collections"), "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "False",
        "ANSIBLE_HOME": str(root / "ansible-home"),
    }))
    (private / "env" / "settings").write_text(yaml.safe_dump({"job_timeout": 1200}))
    for name, (hosts, role) in PLAYBOOKS.items():
        (private / "project" / ("%s.yml" % name)).write_text(yaml.safe_dump([{
            "name": "Job template %s" % name, "hosts": hosts, "gather_facts": False, "roles": [{"role": role}]}],
            sort_keys=False))
    return {"private": private, "secrets": lab_secrets(lab) + [vault_answer]}


def artifact_data(result):
    stats = [e for e in result.events if e.get("event") == "playbook_on_stats"]
    assert stats, "no playbook_on_stats event"
    return stats[-1]["event_data"].get("artifact_data", {})


@pytest.fixture(scope="module")
def runs(lab, data_dir):
    import ansible_runner
    fresh_for_three_playbooks(lab, "runner_d1")
    path = os.environ.get("PATH", "")
    os.environ["PATH"] = "%s:%s" % (Path(sys.executable).parent, path)  # ansible-playbook of this venv
    done = {}
    try:
        for ident in PLAYBOOKS:
            result = ansible_runner.run(private_data_dir=str(data_dir["private"]), playbook="%s.yml" % ident,
                                        ident=ident, quiet=True)
            done[ident] = {"status": result.status, "rc": result.rc, "data": artifact_data(result),
                           "stdout": result.stdout.read()}
            if result.rc != 0:
                break
    finally:
        os.environ["PATH"] = path
        reset_direction2(lab)  # the cutover promoted rds_target
    return done


def _ok(runs, ident):
    assert ident in runs, "an earlier run failed: %s" % {k: (v["rc"], v["stdout"][-3000:]) for k, v in runs.items()}
    run = runs[ident]
    assert run["status"] == "successful" and run["rc"] == 0, run["stdout"][-6000:]
    return run["data"]


def published(data, role):
    # ansible-runner's artifact_data (AWX's job artifacts) holds the set_stats made without per_host only.
    assert role in data, ("artifact_data has no %s (keys: %s): its set_stats must not be per_host, e.g. data: "
                          "{%s: {<inventory_hostname>: <report>}}" % (role, sorted(data), role))
    return data[role]


def test_direction1_results_in_artifact_data(runs):
    data = _ok(runs, "direction1")
    result = published(data, "replica_of_rds")["lab_onprem_replica"]
    assert result["copied"] is True and result["databases"], result
    assert result["start"]["file"] and result["start"]["position"], result
    assert result["proof"]["different"] == [] and result["proof"]["tables"] > 0, result
    assert result["lag"] is not None, result


def test_direction2_results_in_artifact_data(runs):
    data = _ok(runs, "direction2")
    result = published(data, "rds_replica_of_source")
    result = result.get("lab_onprem_source", result)
    assert result["copied"] is True and result["coordinates"]["file"], result
    assert result["lag"] is not None, result


def test_cutover_timeline_in_artifact_data(runs):
    data = _ok(runs, "cutover")
    result = published(data, "cutover_to_rds")
    result = result.get("lab_onprem_source", result)
    assert result["result"] == "promoted", result
    assert result["timeline"] and result["final_position"]["file"], result


def test_no_secret_in_any_artifact_file(runs, data_dir):
    assert runs, "nothing ran"
    artifacts = data_dir["private"] / "artifacts"
    files = [p for p in artifacts.rglob("*") if p.is_file()]
    assert len(files) > 10, files  # job events, stdout, rc, status, command per run
    leaked = []
    for path in files:
        text = path.read_text(errors="replace")
        leaked += ["%s: %s..." % (path.relative_to(artifacts), s[:3]) for s in data_dir["secrets"] if s in text]
    assert not leaked, leaked
