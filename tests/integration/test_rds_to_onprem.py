"""playbooks/rds_to_onprem.yml on the lab: onprem_replica becomes a TLS replica of the emulated RDS
instance rds_source while the load generator writes to the source, and proves it with checksums."""
import json
import re
import time
from pathlib import Path

import pytest

from playbook_runner import collections_path, lab_secrets
from playbook_runner import run_playbook as run_named_playbook

SOURCE, REPLICA = "rds_source", "onprem_replica"


@pytest.fixture(scope="module")
def collections(tmp_path_factory):
    return collections_path(tmp_path_factory.mktemp("collections"))


def run_playbook(lab, collections, *args):
    return run_named_playbook(lab, collections, "rds_to_onprem.yml", *args)


def slave_status(lab, conn):
    rows = lab.query(conn, "SHOW SLAVE STATUS")
    return rows[0] if rows else {}


def wait_caught_up(lab, timeout=180):
    """Wait until the replica has executed everything the source has written (load stopped)."""
    src, dst = lab.connect(SOURCE, root=True), lab.connect(REPLICA)
    try:
        deadline = time.time() + timeout
        while True:
            master = lab.query(src, "SHOW MASTER STATUS")[0]
            row = slave_status(lab, dst)
            if (row.get("Relay_Master_Log_File") == master["File"]
                    and int(row.get("Exec_Master_Log_Pos") or 0) >= int(master["Position"])):
                return row
            if time.time() > deadline:
                pytest.fail("replica not caught up: source at %s, replica %s" % (master, row))
            time.sleep(1)
    finally:
        src.close()
        dst.close()


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
    lab.labctl("load", "start", SOURCE)
    try:
        time.sleep(2)
        run = run_playbook(lab, collections, "-v")
    finally:
        stopped = lab.labctl("load", "stop", SOURCE)
    return run, json.loads(stopped.stdout)


def test_first_run_succeeds_and_proves_the_copy(first_run):
    run, _load = first_run
    assert run.rc == 0, run
    assert run.changed and run.changed > 0, run
    assert "with consistent_snapshot (mariadb-dump)" in run.output, run
    assert re.search(r"seconds_behind_source=\d+", run.output), run
    assert "WARNING: objects copied from RDS run as admin@%" in run.output, run
    match = re.search(r"(\d+) tables equal, (\d+) different", run.output)
    assert match and int(match.group(1)) >= 3 and match.group(2) == "0", run


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
    _run, load = first_run
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


def test_second_run_changes_nothing(lab, collections, first_run):
    again = run_playbook(lab, collections)
    assert again.rc == 0, again
    assert again.changed == 0, again
    assert "no copy" in again.output, again


def test_check_mode_changes_nothing(lab, collections, first_run):
    check = run_playbook(lab, collections, "--check", "--diff")
    assert check.rc == 0, check
    assert check.changed == 0, check


def test_no_secret_in_the_output(lab, first_run):
    run, _load = first_run
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
    assert run.rc != 0, run
    assert "Refusing to copy into" in run.output, run
    assert "is not replicating from" in run.output, run
    assert "d1_app (2 tables, 1 view)" in run.output, run
    assert "replica_of_rds_overwrite=true" in run.output and "do not copy into it" in run.output, run


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
