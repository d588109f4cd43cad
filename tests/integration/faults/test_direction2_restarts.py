"""Direction 2 (playbooks/onprem_to_rds.yml) and restarts: the role keeps what only takes effect
at a restart (the binlog base name), so restarting either server afterwards leaves RDS replicating
by itself with equal tables; a source RDS cannot replicate from fails before any change unless
the role may restart it, and after its own restart the role checks the server runs the drop-in.

Each test starts from fresh onprem_source/rds_target and leaves them fresh (no test drop-in left)."""
import re
import socket
import time
from pathlib import Path

import pytest

from playbook_runner import assert_no_secret, reset_direction2, run_playbook, status_row
from polling import wait_until

DROPIN = "90-mysql-rds-replication.cnf"   # the role's default rds_replica_of_source_config_file
TEST_CNF = "50-test-direction2.cnf"       # a setting of "the site's own configuration"


@pytest.fixture(scope="module")
def collections(tmp_path_factory):
    from playbook_runner import collections_path
    return collections_path(tmp_path_factory.mktemp("collections"))


def _conf_d(lab):
    return Path(lab.instances["onprem_source"]["conf_dir"])


def _clean_conf_d(lab):
    for path in _conf_d(lab).glob("*.cnf"):
        if path.name == DROPIN or path.name.endswith(TEST_CNF[2:]):
            path.unlink()


@pytest.fixture(scope="module")
def pair(lab):
    """Fresh onprem_source and rds_target for the module, and again after it."""
    _clean_conf_d(lab)
    reset_direction2(lab)
    yield
    _clean_conf_d(lab)
    reset_direction2(lab)


@pytest.fixture
def fresh(lab, pair):
    """prepare(test_cnf): the source as the lab makes it (plus TEST_CNF), without the role's
    drop-in, replication account or test schema, and an RDS that replicates from nowhere; quicker
    than a reset (a restart of the source, a reset of RDS only when a test left it replicating)."""
    def prepare(test_cnf=None):
        lab.labctl("load", "stop", "onprem_source", check=False)
        _clean_conf_d(lab)
        if test_cnf:
            (_conf_d(lab) / TEST_CNF).write_text("[mysqld]\n" + test_cnf)
        rds = lab.connect("rds_target")
        try:
            used = status_row(lab, rds) or lab.query(rds, "SHOW DATABASES LIKE 'd2r'")
        finally:
            rds.close()
        if used:
            lab.labctl("reset", "rds_target")
        _rows(lab, "onprem_source", "DROP USER IF EXISTS 'rds_repl'@'%'")
        _rows(lab, "onprem_source", "DROP DATABASE IF EXISTS d2r")
        lab.labctl("restart", "onprem_source")
    yield prepare
    lab.labctl("load", "stop", "onprem_source", check=False)
    _clean_conf_d(lab)


def _rows(lab, name, sql, root=True):
    conn = lab.connect(name, root=root)
    try:
        return lab.query(conn, sql)
    finally:
        conn.close()


def _value(lab, name, sql):
    return next(iter(_rows(lab, name, sql)[0].values()))


def _seed(lab, rows=50):
    conn = lab.connect("onprem_source")
    try:
        lab.query(conn, "CREATE DATABASE IF NOT EXISTS d2r")
        lab.query(conn, "CREATE TABLE IF NOT EXISTS d2r.t (id INT PRIMARY KEY, v VARCHAR(40))")
        for i in range(rows):
            lab.query(conn, "REPLACE INTO d2r.t VALUES (%s, %s)", (i, "row %d" % i))
    finally:
        conn.close()


def _write(lab, first, count=5):
    conn = lab.connect("onprem_source")
    try:
        for i in range(first, first + count):
            lab.query(conn, "INSERT INTO d2r.t VALUES (%s, %s)", (i, "after restart %d" % i))
    finally:
        conn.close()


def _caught_up(lab):
    """RDS applied everything the source logged (MariaDB GTID positions) and both threads run."""
    source = _value(lab, "onprem_source", "SELECT @@global.gtid_binlog_pos")
    applied = _value(lab, "rds_target", "SELECT @@global.gtid_slave_pos")
    rds = lab.connect("rds_target")
    try:
        row = status_row(lab, rds)
    finally:
        rds.close()
    running = row.get("Slave_IO_Running") == "Yes" and row.get("Slave_SQL_Running") == "Yes"
    return running and source == applied and row


def _checksums(lab, name):
    rows = _rows(lab, name, "CHECKSUM TABLE d2r.t, loadgen.writes EXTENDED")
    return {r["Table"]: r["Checksum"] for r in rows}


def _assert_resumes_and_equal(lab, first):
    # RDS's IO thread reconnects after its connect retry (60 s, as on RDS) when the source went away
    _write(lab, first)
    row = wait_until(lambda: _caught_up(lab), timeout=120, step=1)
    assert row, "RDS did not resume: %s" % status_row(lab, lab.connect("rds_target"))
    assert row.get("Last_IO_Errno") in (0, "0", None) and row.get("Last_SQL_Errno") in (0, "0", None), row
    assert _checksums(lab, "onprem_source") == _checksums(lab, "rds_target")


def _repl_user_exists(lab):
    return bool(_rows(lab, "onprem_source", "SELECT 1 FROM mysql.user WHERE user = 'rds_repl'"))


def _nothing_changed(lab):
    assert not (_conf_d(lab) / DROPIN).exists()
    assert not _repl_user_exists(lab)
    rds = lab.connect("rds_target")
    try:
        assert status_row(lab, rds) == {}
        assert not lab.query(rds, "SHOW DATABASES LIKE 'd2r'")
    finally:
        rds.close()


def test_statement_binlog_fails_before_any_change_unless_restart_allowed(lab, collections, fresh):
    fresh()
    _seed(lab, rows=5)
    _rows(lab, "onprem_source", "SET GLOBAL binlog_format = 'STATEMENT'")
    refused = run_playbook(lab, collections, "onprem_to_rds.yml")
    assert refused.rc != 0, refused
    assert "binlog_format is STATEMENT: RDS needs ROW" in refused.output, refused
    assert "rds_replica_of_source_allow_restart=true" in refused.output, refused
    _nothing_changed(lab)

    # allowed: the source phases only (the copy is the restarts test's): drop-in, restart, checked
    allowed = run_playbook(lab, collections, "onprem_to_rds.yml", "--tags", "preflight,config",
                           "-e", "rds_replica_of_source_allow_restart=true")
    assert allowed.rc == 0, allowed
    assert "A restart of the source would change: binlog_format STATEMENT -> ROW" in allowed.output, allowed
    assert re.search(r"TASK \[[^]]*Restart the source with the restart command\] \*+\nchanged", allowed.output), allowed
    assert re.search(r"TASK \[[^]]*Check that the restarted source runs what the drop-in says\] \*+\nok", allowed.output), allowed
    assert _value(lab, "onprem_source", "SELECT @@global.binlog_format") == "ROW"
    assert_no_secret(lab, allowed)


def test_binlog_off_fails_before_the_copy_and_a_restart_is_verified(lab, collections, fresh):
    fresh("skip-log-bin\n")
    assert _value(lab, "onprem_source", "SELECT @@global.log_bin") == 0
    _seed(lab, rows=5)
    refused = run_playbook(lab, collections, "onprem_to_rds.yml")
    assert refused.rc != 0, refused
    assert "Binary logging is off" in refused.output and "1381" in refused.output, refused
    _nothing_changed(lab)

    # Allowed to restart, the role writes log_bin into its drop-in, but the site's file read later
    # (99-...) turns it off again: the role sees it after its restart and stops before the copy.
    (_conf_d(lab) / TEST_CNF).unlink()
    (_conf_d(lab) / ("99-" + TEST_CNF[3:])).write_text("[mysqld]\nskip-log-bin\n")
    try:
        lab.labctl("restart", "onprem_source")
        restarted = run_playbook(lab, collections, "onprem_to_rds.yml", "-e", "rds_replica_of_source_allow_restart=true")
    finally:
        (_conf_d(lab) / ("99-" + TEST_CNF[3:])).unlink(missing_ok=True)
    assert restarted.rc != 0, restarted
    assert "restarted but does not run what" in restarted.output and "binary logging off" in restarted.output, restarted
    rds = lab.connect("rds_target")
    try:
        assert not lab.query(rds, "SHOW DATABASES LIKE 'd2r'")
    finally:
        rds.close()


def _closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_replication_address_rds_cannot_log_in_to_fails_before_the_copy(lab, collections, fresh):
    # RDS would connect to a port where nothing listens: before, the copy ran and RDS stayed
    # "Connecting"; now the login as the replication user, the way RDS logs in, fails first.
    fresh()
    _seed(lab, rows=5)
    started = time.time()
    run = run_playbook(lab, collections, "onprem_to_rds.yml",
                       "-e", "rds_replica_of_source_replication_port=%d" % _closed_port())
    assert run.rc != 0, run
    assert "cannot log in to" in run.output and "rds_replica_of_source_replication_host/port" in run.output, run
    rds = lab.connect("rds_target")
    try:
        assert status_row(lab, rds) == {} and not lab.query(rds, "SHOW DATABASES LIKE 'd2r'")
    finally:
        rds.close()
    assert time.time() - started < 120
    assert_no_secret(lab, run)


def test_restarts_after_direction2_keep_replication_running(lab, collections, fresh):
    # The site runs its binlogs under another base name than the role's old default (mysql-bin).
    fresh("log_bin = d2-site-bin\n")
    assert _value(lab, "onprem_source", "SELECT @@global.log_bin_basename").endswith("/d2-site-bin")
    _seed(lab)
    lab.labctl("load", "start", "onprem_source", "--rate", "20", "--max-seconds", "120")
    try:
        run = run_playbook(lab, collections, "onprem_to_rds.yml")
    finally:
        lab.labctl("load", "stop", "onprem_source", check=False)
    assert run.rc == 0, run
    assert "A restart of the source changes nothing replication relies on" in run.output, run
    assert_no_secret(lab, run)
    text = (_conf_d(lab) / DROPIN).read_text()
    assert re.search(r"^log_bin = /\S+/d2-site-bin$", text, re.M), text  # the running name, kept

    lab.labctl("restart", "onprem_source")
    assert _value(lab, "onprem_source", "SELECT @@global.log_bin_basename").endswith("/d2-site-bin")
    _assert_resumes_and_equal(lab, 1000)

    lab.labctl("restart", "rds_target")
    _assert_resumes_and_equal(lab, 2000)
