"""playbooks/rds_to_onprem.yml on the lab: onprem_replica becomes a TLS replica of the emulated RDS
instance rds_source while the load generator writes to the source, and proves it with checksums.
Also: check mode on a fresh replica, the old variable names (deprecated, still working), the overwrite
guard, and the read_replica strategy (rds_read_replica paused, copied, resumed) under load."""
import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from playbook_runner import REPO, ansible_playbook, assert_no_secret, collections_path, lab_secrets
from playbook_runner import run_playbook as run_named_playbook
from playbook_runner import slave_status, wait_caught_up as shared_wait_caught_up

SOURCE, REPLICA, READ_REPLICA = "rds_source", "onprem_replica", "rds_read_replica"


def report_path(lab):
    """Where the first run writes its JSON report."""
    return Path(lab.facts["lab_dir"]) / "rds_to_onprem-report.json"


@pytest.fixture(scope="module")
def collections(tmp_path_factory):
    return collections_path(tmp_path_factory.mktemp("collections"))


def run_playbook(lab, collections, *args):
    return run_named_playbook(lab, collections, "rds_to_onprem.yml", *args)


def wait_caught_up(lab, timeout=180, replica=REPLICA):
    """Wait until the replica has executed everything the source has written (load stopped)."""
    return shared_wait_caught_up(lab, SOURCE, replica, timeout=timeout, root_replica=replica != REPLICA)


@pytest.fixture(scope="module")
def first_run(lab, collections):
    lab.labctl("load", "stop", SOURCE, check=False)
    lab.labctl("reset", REPLICA)
    src = lab.connect(SOURCE)
    try:
        # Rows the checksum must tell apart: NULL vs '', duplicates in a table without a key.
        lab.query(src, "DROP DATABASE IF EXISTS d1_app")
        lab.query(src, "CREATE DATABASE d1_app")
        lab.query(src, "CREATE TABLE d1_app.items (id INT PRIMARY KEY, name VARCHAR(20), "
                       "price DECIMAL(10,2), data BLOB)")
        lab.query(src, "INSERT INTO d1_app.items VALUES (1, 'one', 1.50, 0x00ff), (2, NULL, NULL, NULL), "
                       "(3, '', 0, '')")
        lab.query(src, "CREATE TABLE d1_app.nokey (a INT, b VARCHAR(5))")
        lab.query(src, "INSERT INTO d1_app.nokey VALUES (1, 'x'), (1, 'x'), (NULL, NULL)")
        lab.query(src, "CREATE VIEW d1_app.named AS SELECT id, name FROM d1_app.items WHERE name IS NOT NULL")
    finally:
        src.close()
    # Check mode on a replica never set up, with the CA bundle in place (plan and guard run, read
    # only) and without it (the steps that connect to RDS are skipped): neither changes anything.
    fresh_checks = [run_playbook(lab, collections, "--check", "--diff")]
    bundle = Path(lab.inventory["all"]["children"]["rds_to_onprem"]["hosts"]["lab_onprem_replica"]
                  ["replica_of_rds_ca_bundle_path"])
    bundle.unlink(missing_ok=True)
    fresh_checks.append(run_playbook(lab, collections, "--check", "--diff"))
    fresh_checks[1].bundle_after = bundle.exists()
    root = lab.connect(REPLICA, root=True)
    try:
        fresh_checks[0].status_after = slave_status(lab, root)
        fresh_checks[0].schemas_after = [r["name"] for r in lab.query(
            root, "SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'd1_app'")]
    finally:
        root.close()
    lab.labctl("load", "start", SOURCE)
    os.environ["ANSIBLE_SHOW_CUSTOM_STATS"] = "1"
    try:
        time.sleep(2)
        run = run_playbook(lab, collections, "-v", "-e", "replica_of_rds_report_path=%s" % report_path(lab))
    finally:
        del os.environ["ANSIBLE_SHOW_CUSTOM_STATS"]
        stopped = lab.labctl("load", "stop", SOURCE)
    return run, json.loads(stopped.stdout), fresh_checks


def test_fresh_check_mode_changes_nothing(lab, first_run):
    with_ca, without_ca = first_run[2]
    for check in (with_ca, without_ca):
        assert check.rc == 0, check
        assert "copying the data with consistent_snapshot (skipped in check mode)" in check.output, check
        assert_no_secret(lab, check)
    # Without the bundle in place the candidate is fetched and checked against RDS, nothing installed.
    assert not without_ca.bundle_after, without_ca
    assert not with_ca.status_after, with_ca.status_after  # no replication configured
    assert with_ca.schemas_after == [], with_ca.schemas_after  # nothing copied


def test_first_run_succeeds_and_proves_the_copy(first_run):
    run, _load, _check = first_run
    assert run.rc == 0, run
    assert run.changed and run.changed > 0, run
    assert "with consistent_snapshot (" in run.output, run
    assert re.search(r"replication starts at \S+:\d+ \(GTID \d+-\d+-\d+\)", run.output), run
    assert re.search(r"\d+s: io=Yes sql=Yes lag=\d+s executed=", run.output), run  # the wait's progress
    assert "WARNING: objects copied from RDS run as admin@%" in run.output, run
    match = re.search(r"(\d+) tables equal, (\d+) different", run.output)
    assert match and int(match.group(1)) >= 3 and match.group(2) == "0", run


def test_first_run_reports_its_outcome(lab, first_run):
    """set_stats (shown with ANSIBLE_SHOW_CUSTOM_STATS) and the JSON report of replica_of_rds_report_path."""
    run, _load, _check = first_run
    report = json.loads(report_path(lab).read_text())
    assert report["copied"] is True and report["strategy"] == "consistent_snapshot", report
    assert report["start"]["file"] and report["start"]["position"] > 0, report
    assert report["caught_up"] is True and report["lag"] is not None, report
    assert report["proof"]["tables"] >= 3 and report["proof"]["different"] == [], report
    assert report["proof"]["equal"] == report["proof"]["tables"], report
    assert "CUSTOM STATS" in run.output and '"replica_of_rds": {' in run.output, run
    assert '"copied": true' in run.output, run


def test_phases_are_tags(collections):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections)
    proc = subprocess.run([ansible_playbook(), "--list-tags", str(REPO / "playbooks" / "rds_to_onprem.yml")],
                          cwd=str(REPO), env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    for tag in ("preflight", "config", "copy", "replicate", "proof", "report", "accounts"):
        assert tag in proc.stdout, proc.stdout


def test_replica_replicates_over_verified_tls(lab, first_run):
    row = wait_caught_up(lab)
    assert row["Slave_IO_Running"] == "Yes" and row["Slave_SQL_Running"] == "Yes", row
    assert int(row["Master_Port"]) == lab.instances[SOURCE]["port"], row
    assert row["Master_SSL_Allowed"] == "Yes", row
    assert row["Master_SSL_Verify_Server_Cert"] == "Yes", row
    assert row["Replicate_Wild_Ignore_Table"] == "mysql.rds\\_%", row
    src = lab.connect(SOURCE, root=True)
    try:
        user = lab.query(src, "SELECT ssl_type FROM mysql.user WHERE user = %s", (row["Master_User"],))
        assert [u["ssl_type"] for u in user] == ["ANY"], user  # REQUIRE SSL: no plain-text fallback
    finally:
        src.close()


def test_every_committed_write_is_on_the_replica(lab, first_run):
    _run, load, _check = first_run
    wait_caught_up(lab)
    committed = {int(line) for line in Path(load["ids_file"]).read_text().split()}
    assert committed, load
    dst = lab.connect(REPLICA)
    try:
        on_replica = {r["id"] for r in lab.query(dst, "SELECT id FROM loadgen.writes")}
    finally:
        dst.close()
    missing = sorted(committed - on_replica)
    assert not missing, "%d committed ids missing on the replica, first %s" % (len(missing), missing[:10])


def test_tables_are_identical_once_caught_up(lab, first_run):
    wait_caught_up(lab)
    src, dst = lab.connect(SOURCE, root=True), lab.connect(REPLICA)
    try:
        for table in ("d1_app.items", "d1_app.nokey", "loadgen.writes"):
            ours = lab.query(src, "CHECKSUM TABLE %s EXTENDED" % table)[0]["Checksum"]
            theirs = lab.query(dst, "CHECKSUM TABLE %s EXTENDED" % table)[0]["Checksum"]
            assert ours == theirs and ours is not None, table
        views = lab.query(dst, "SELECT DEFINER FROM information_schema.VIEWS WHERE TABLE_SCHEMA = 'd1_app'")
        assert [v["DEFINER"] for v in views] == ["admin@%"], views
    finally:
        src.close()
        dst.close()


def task_outcome(run, name):
    """The first result line ('ok', 'changed', 'skipping', ...) of the task called ``name``."""
    match = re.search(r"TASK \[[^\]]*: %s\] \**\n(\w+):" % re.escape(name), run.output)
    assert match, "task %r not in the output" % name
    return match.group(1)


def test_second_run_changes_nothing(lab, collections, first_run, tmp_path):
    report = tmp_path / "rerun-report.json"
    again = run_playbook(lab, collections, "-e", "replica_of_rds_report_path=%s" % report)
    assert again.rc == 0, again
    assert again.changed == 0, again
    # the installed bundle has the bytes of the one to copy: checked in place, no candidate copy
    assert task_outcome(first_run[0], "Copy the candidate CA bundle") == "ok", first_run[0]
    assert task_outcome(again, "Copy the candidate CA bundle") == "skipping", again
    assert task_outcome(again, "Check the candidate CA bundle with openssl (CA certificates, not expired)") == "ok"
    assert task_outcome(again, "Set binlog retention hours on RDS") == "skipping", again
    assert "no copy" in again.output, again
    # the proof of the first run still holds: no table is read again, and the report says which proof
    assert "No table read: the proof of" in again.output, again
    proof = json.loads(report.read_text())["proof"]
    assert proof["reused"] is True and proof["tables"] > 0 and proof["position"]["file"], proof


def test_check_mode_changes_nothing(lab, collections, first_run):
    check = run_playbook(lab, collections, "--check", "--diff")
    assert check.rc == 0, check
    assert check.changed == 0, check


def test_old_variable_names_still_work(lab, collections, first_run):
    """A name of 0.1 still works for one release (mapped to its new name) and prints a deprecation line."""
    run = run_playbook(lab, collections, "-e", json.dumps({"replica_of_rds_checksum_databases": ["d1_app"],
                                                           "replica_of_rds_catchup_poll_seconds": 1}))
    assert run.rc == 0, run
    assert run.changed == 0, run
    assert ("[DEPRECATION WARNING]: replica_of_rds_checksum_databases is deprecated: use "
            "replica_of_rds_proof_databases.") in run.output, run
    assert "replica_of_rds_catchup_poll_seconds is deprecated" in run.output, run
    assert "Proof: 2 of 2 tables equal, none different." in run.output, run  # only d1_app's tables


def test_no_secret_in_the_output(lab, first_run):
    run, _load, _check = first_run
    leaked = [secret[:3] + "..." for secret in lab_secrets(lab) if secret in run.output]
    assert not leaked, leaked


def _aws(lab, service):
    import boto3
    return boto3.client(service, endpoint_url=lab.aws["endpoint_url"], region_name=lab.aws["region"],
                        aws_access_key_id=lab.aws["access_key"], aws_secret_access_key=lab.aws["secret_key"])


def test_security_group_lets_the_replica_in(lab, first_run):
    ec2 = _aws(lab, "ec2")
    rds = _aws(lab, "rds")
    instance = rds.describe_db_instances(
        DBInstanceIdentifier=lab.instances[SOURCE]["aws_instance_id"])["DBInstances"][0]
    group_ids = [g["VpcSecurityGroupId"] for g in instance["VpcSecurityGroups"]]
    assert group_ids, instance
    port = lab.instances[SOURCE]["port"]
    rules = [(p["FromPort"], p["ToPort"], r["CidrIp"])
             for group in ec2.describe_security_groups(GroupIds=group_ids)["SecurityGroups"]
             for p in group["IpPermissions"] if p.get("IpProtocol") == "tcp" for r in p["IpRanges"]]
    assert (port, port, "127.0.0.1/32") in rules, rules


def test_preflight_names_the_fix_for_binlog_format(lab, collections, first_run):
    rds = _aws(lab, "rds")
    instance = rds.describe_db_instances(
        DBInstanceIdentifier=lab.instances[SOURCE]["aws_instance_id"])["DBInstances"][0]
    group = instance["DBParameterGroups"][0]["DBParameterGroupName"]

    def set_format(value):
        rds.modify_db_parameter_group(DBParameterGroupName=group, Parameters=[
            {"ParameterName": "binlog_format", "ParameterValue": value, "ApplyMethod": "immediate"}])

    set_format("MIXED")
    try:
        run = run_playbook(lab, collections)
    finally:
        set_format("ROW")
    assert run.rc != 0, run
    assert "binlog_format is not ROW in parameter group %s" % group in run.output, run
    assert "modify-db-parameter-group" in run.output, run


@pytest.fixture(scope="module")
def reset_by_hand(lab, collections, first_run):
    """The replica of first_run after RESET SLAVE ALL, with a row of its own: runs with and without overwrite."""
    root = lab.connect(REPLICA, root=True)
    try:
        lab.query(root, "STOP SLAVE")
        lab.query(root, "RESET SLAVE ALL")
        lab.query(root, "INSERT INTO d1_app.items VALUES (99, 'own row', NULL, NULL)")
        check = run_playbook(lab, collections, "--check")
        refused = run_playbook(lab, collections)
        kept = [r["id"] for r in lab.query(root, "SELECT id FROM d1_app.items WHERE id = 99")]
        status_refused = slave_status(lab, root)
        reloaded = run_playbook(lab, collections, "-e", "replica_of_rds_overwrite=true")
        gone = [r["id"] for r in lab.query(root, "SELECT id FROM d1_app.items WHERE id = 99")]
        status_reloaded = slave_status(lab, root)
    finally:
        root.close()
    return dict(check=check, refused=refused, kept=kept, status_refused=status_refused, reloaded=reloaded,
                gone=gone, status_reloaded=status_reloaded)


def _assert_refusal(run):
    """The refusal of rds_load_dump's guard (the role runs it in check mode before any change)."""
    assert run.rc != 0, run
    assert "refusing to load into" in run.output, run
    assert "it does not replicate from any source" in run.output, run
    assert "d1_app (2 tables, 1 view)" in run.output, run
    assert "replica_of_rds_overwrite" in run.output and "do not load it again" in run.output, run


def test_reset_replica_refuses_the_reload(reset_by_hand):
    _assert_refusal(reset_by_hand["refused"])
    assert reset_by_hand["refused"].changed == 0, reset_by_hand["refused"]
    assert reset_by_hand["kept"] == [99]  # its own row survived
    assert not reset_by_hand["status_refused"], reset_by_hand["status_refused"]  # left as found


def test_reset_replica_check_mode_reports_the_refusal(reset_by_hand):
    _assert_refusal(reset_by_hand["check"])
    assert reset_by_hand["check"].changed == 0, reset_by_hand["check"]


def test_reset_replica_reloads_with_overwrite(lab, reset_by_hand):
    run = reset_by_hand["reloaded"]
    assert run.rc == 0, run
    assert "replica_of_rds_overwrite=true: the copy drops and reloads" in run.output, run
    assert reset_by_hand["gone"] == []  # replaced by the source's rows
    row = reset_by_hand["status_reloaded"]
    assert row.get("Slave_IO_Running") == "Yes" and row.get("Slave_SQL_Running") == "Yes", row
    assert int(row["Master_Port"]) == lab.instances[SOURCE]["port"], row
    leaked = [secret[:3] + "..." for secret in lab_secrets(lab)
              if any(secret in reset_by_hand[key].output for key in ("check", "refused", "reloaded"))]
    assert not leaked, leaked


@pytest.fixture(scope="module")
def read_replica_run(lab, collections, reset_by_hand):
    """A reload with the read_replica strategy while the load generator writes to the source."""
    lab.labctl("load", "start", SOURCE)
    try:
        time.sleep(2)
        run = run_playbook(lab, collections, "-v", "-e", "replica_of_rds_snapshot_strategy=read_replica",
                           "-e", "replica_of_rds_force_reload=true")
    finally:
        stopped = lab.labctl("load", "stop", SOURCE)
    return run, json.loads(stopped.stdout)


def test_read_replica_strategy_copies_the_paused_read_replica(lab, read_replica_run):
    run, _load = read_replica_run
    assert run.rc == 0, run
    assert "with read_replica (" in run.output, run
    assert re.search(r"replication starts at \S+:\d+ \(GTID \d+-\d+-\d+\)", run.output), run
    match = re.search(r"(\d+) tables equal, (\d+) different", run.output)
    assert match and int(match.group(1)) >= 3 and match.group(2) == "0", run
    assert_no_secret(lab, run)


def test_read_replica_is_resumed(lab, read_replica_run):
    row = wait_caught_up(lab, replica=READ_REPLICA)
    assert row["Slave_IO_Running"] == "Yes" and row["Slave_SQL_Running"] == "Yes", row


def test_read_replica_copy_lost_no_committed_write(lab, read_replica_run):
    _run, load = read_replica_run
    wait_caught_up(lab)
    committed = {int(line) for line in Path(load["ids_file"]).read_text().split()}
    assert committed, load
    dst = lab.connect(REPLICA)
    try:
        on_replica = {r["id"] for r in lab.query(dst, "SELECT id FROM loadgen.writes")}
    finally:
        dst.close()
    missing = sorted(committed - on_replica)
    assert not missing, "%d committed ids missing on the replica, first %s" % (len(missing), missing[:10])
