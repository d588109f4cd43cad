"""The accounts step of direction 1 (replica_of_rds_copy_accounts) on the lab: an application account
created on the emulated RDS source before the copy is not in the copy (no mysql schema) and not
replicated (it precedes the start position); the step copies it to the self-managed replica, where it
logs in and reads (the replica is read_only: a write is refused for read_only, not for a missing
grant). A re-run changes nothing, check mode shows the plan with the hash masked and creates
nothing, and the replica's own GTID state gets no transaction from the step."""
import json
import secrets

import pymysql
import pytest

from playbook_runner import assert_no_secret, collections_path
from playbook_runner import run_playbook as run_named_playbook

SOURCE, REPLICA = "rds_source", "onprem_replica"
USER, DB = "d1app", "d1acc"
ACCOUNTS = json.dumps({"replica_of_rds_copy_accounts": True, "replica_of_rds_accounts": ["%s@%%" % USER],
                       "replica_of_rds_proof": False})


@pytest.fixture(scope="module")
def collections(tmp_path_factory):
    return collections_path(tmp_path_factory.mktemp("collections"))


def run_playbook(lab, collections, *args):
    return run_named_playbook(lab, collections, "rds_to_onprem.yml", "-e", ACCOUNTS, *args)


def replica_account(lab):
    root = lab.connect(REPLICA, root=True)
    try:
        return lab.query(root, "SELECT User FROM mysql.user WHERE User = %s", (USER,))
    finally:
        root.close()


def own_gtids(lab):
    """The replica's binlog GTID state entries of its own server id (domain-server-seq, one per domain)."""
    root = lab.connect(REPLICA, root=True)
    try:
        row = lab.query(root, "SELECT @@GLOBAL.gtid_binlog_state AS pos, @@GLOBAL.server_id AS id")[0]
    finally:
        root.close()
    return sorted(g for g in row["pos"].split(",") if g and g.split("-")[1] == str(row["id"]))


@pytest.fixture(scope="module")
def setup(lab, collections):
    """A fresh replica, and on RDS a database and an application account that predate the copy."""
    lab.labctl("load", "stop", SOURCE, check=False)
    lab.labctl("reset", REPLICA)
    password = secrets.token_urlsafe(16)
    src = lab.connect(SOURCE)
    try:
        lab.query(src, "DROP USER IF EXISTS %s@'%%'" % USER)
        lab.query(src, "DROP DATABASE IF EXISTS %s" % DB)
        lab.query(src, "CREATE DATABASE %s" % DB)
        lab.query(src, "CREATE TABLE %s.notes (id INT PRIMARY KEY, body VARCHAR(20))" % DB)
        lab.query(src, "INSERT INTO %s.notes VALUES (1, 'one'), (2, 'two')" % DB)
        lab.query(src, "CREATE USER d1app@'%%' IDENTIFIED BY %s", (password,))  # % doubled: parameters
        lab.query(src, "GRANT SELECT, INSERT ON %s.* TO %s@'%%'" % (DB, USER))
    finally:
        src.close()
    root = lab.connect(SOURCE, root=True)
    try:
        hashed = lab.query(root, "SELECT authentication_string AS h FROM mysql.user WHERE User = %s",
                           (USER,))[0]["h"]
    finally:
        root.close()
    return dict(password=password, hash=hashed)


@pytest.fixture(scope="module")
def first_run(lab, collections, setup):
    assert replica_account(lab) == []
    return run_playbook(lab, collections)


def test_account_is_copied_logs_in_and_reads(lab, setup, first_run):
    assert first_run.rc == 0, first_run.output[-12000:]
    assert "Copy the application accounts from RDS to the replica" in first_run.output, first_run
    assert_no_secret(lab, first_run)
    assert setup["hash"] not in first_run.output
    info = lab.instances[REPLICA]
    conn = pymysql.connect(host=info["host"], port=info["port"], user=USER, password=setup["password"],
                           autocommit=True, connect_timeout=5)
    try:
        rows = lab.query(conn, "SELECT id, body FROM %s.notes ORDER BY id" % DB)
        assert rows == [{"id": 1, "body": "one"}, {"id": 2, "body": "two"}]
        # The INSERT grant came along: the replica refuses the write for read_only (1290), not for a
        # missing privilege (1142).
        with pytest.raises(pymysql.err.OperationalError) as refused:
            lab.query(conn, "INSERT INTO %s.notes VALUES (3, 'three')" % DB)
        assert refused.value.args[0] == 1290, refused.value.args
    finally:
        conn.close()


def test_rerun_changes_nothing(lab, collections, first_run):
    assert first_run.rc == 0, first_run
    again = run_playbook(lab, collections)
    assert again.rc == 0, again
    assert again.changed == 0, again


def test_check_mode_masks_the_hash_and_creates_nothing(lab, collections, setup, first_run):
    assert first_run.rc == 0, first_run
    root = lab.connect(REPLICA, root=True)
    try:
        lab.query(root, "SET SESSION sql_log_bin = 0")
        lab.query(root, "DROP USER %s@'%%'" % USER)
    finally:
        root.close()
    check = run_playbook(lab, collections, "--check", "--diff", "-v", "--tags", "accounts")
    assert check.rc == 0, check
    assert '"password_hash": "********"' in check.output, check  # the diff
    assert "CREATE USER `%s`@`%%` IDENTIFIED VIA mysql_native_password USING '********'" % USER in check.output, check
    assert "INSERT, SELECT ON `%s`.*" % DB in check.output, check
    assert setup["hash"] not in check.output, check
    assert_no_secret(lab, check)
    assert replica_account(lab) == []

    # The real step brings it back without a transaction of the replica's own server id.
    before = own_gtids(lab)
    run = run_playbook(lab, collections, "--tags", "accounts")
    assert run.rc == 0, run
    assert run.changed == 1, run
    assert replica_account(lab) == [{"User": USER}]
    assert own_gtids(lab) == before
