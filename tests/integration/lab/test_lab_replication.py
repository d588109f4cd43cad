"""rds_read_replica follows rds_source; the heartbeat event writes; binlog retention purges."""
import secrets
import time

import pymysql
import pytest

from polling import wait_until


def test_read_replica_receives_rows(lab):
    src = lab.connect("rds_source")
    rep = lab.connect("rds_read_replica")
    root = lab.connect("rds_read_replica", root=True)
    token = secrets.token_hex(8)
    try:
        status = lab.query(root, "SHOW SLAVE STATUS")[0]
        assert (status["Slave_IO_Running"], status["Slave_SQL_Running"]) == ("Yes", "Yes"), status
        assert status["Master_Port"] == lab.instances["rds_source"]["port"]
        assert lab.query(root, "SELECT @@global.read_only AS r")[0]["r"] == 1
        lab.query(src, "CREATE DATABASE IF NOT EXISTS labtest_rr")
        lab.query(src, "CREATE TABLE IF NOT EXISTS labtest_rr.t (token VARCHAR(32) PRIMARY KEY)")
        lab.query(src, "INSERT INTO labtest_rr.t VALUES (%s)", (token,))

        def arrived():
            try:
                return lab.query(rep, "SELECT token FROM labtest_rr.t WHERE token = %s", (token,))
            except pymysql.err.ProgrammingError:
                return None
        assert wait_until(arrived) == [{"token": token}]
        # the master user sees its status through the procedure only
        assert lab.query(rep, "CALL mysql.rds_replica_status()")[0]["Slave_SQL_Running"] == "Yes"
    finally:
        lab.query(src, "DROP DATABASE IF EXISTS labtest_rr")
        for c in (src, rep, root):
            c.close()


@pytest.mark.parametrize("name", ["rds_source", "rds_target"])
def test_heartbeat_advances(lab, name):
    conn = lab.connect(name)
    try:
        def beat():
            rows = lab.query(conn, "SELECT value FROM mysql.rds_heartbeat2 WHERE id = 1")
            return rows[0]["value"] if rows else None
        first = wait_until(beat, timeout=10)
        assert first
        assert wait_until(lambda: (beat() or 0) > first, timeout=10)
    finally:
        conn.close()


def test_heartbeat_reaches_read_replica_but_is_not_written_there(lab):
    rep = lab.connect("rds_read_replica")
    try:
        rows = lab.query(rep, "SELECT value FROM mysql.rds_heartbeat2 WHERE id = 1")
        assert rows, "heartbeat not replicated"
        first = rows[0]["value"]
        assert wait_until(lambda: lab.query(rep, "SELECT value FROM mysql.rds_heartbeat2")[0]["value"] > first,
                          timeout=10)
        # it advances by replication: the replica's own binlog gets no heartbeat of its own
        root = lab.connect("rds_read_replica", root=True)
        try:
            gtids = lab.query(root, "SELECT @@global.gtid_binlog_pos AS p")[0]["p"]
            own_id = "-%d-" % lab.instances["rds_read_replica"]["server_id"]
            assert own_id not in gtids
        finally:
            root.close()
    finally:
        rep.close()


class Retention:
    """Drives binlog retention on rds_source and restores RDS's default afterwards."""

    def __init__(self, lab):
        self.lab = lab
        self.admin = lab.connect("rds_source")
        self.root = lab.connect("rds_source", root=True)

    def null_window(self, seconds):
        self.lab.query(self.root, "SET SESSION sql_log_bin = 0")
        self.lab.query(self.root, "UPDATE mysql.rds_lab_settings SET value = %s "
                                  "WHERE name = 'null retention seconds'", (str(seconds),))

    def hours(self, value):
        self.lab.query(self.admin, "CALL mysql.rds_set_configuration('binlog retention hours', %s)",
                       (value,))

    def rotate(self):
        """FLUSH BINARY LOGS; returns the name of the file just closed."""
        before = self.lab.query(self.root, "SHOW MASTER STATUS")[0]["File"]
        self.lab.query(self.root, "FLUSH BINARY LOGS")
        return before

    def logs(self):
        return {r["Log_name"] for r in self.lab.query(self.admin, "SHOW BINARY LOGS")}

    def close(self):
        self.hours(None)
        self.null_window(300)
        self.admin.close()
        self.root.close()


@pytest.fixture
def retention(lab):
    r = Retention(lab)
    yield r
    r.close()


def test_null_retention_purges_and_replica_gets_1236(lab, retention):
    retention.hours(None)
    old = retention.rotate()
    assert old in retention.logs()
    time.sleep(2.5)
    retention.null_window(2)
    assert wait_until(lambda: old not in retention.logs(), timeout=20), retention.logs()

    # a replica asking for the purged file gets the real error. onprem_source never replicates
    # from rds_source (onprem_replica may, after other tests: MariaDB refuses a second connection
    # to the same source), so the named connection cannot conflict with what other tests left.
    rep = lab.connect("onprem_source", root=True)
    conn = "labtest_retention"
    src = lab.instances["rds_source"]
    try:
        lab.query(rep, "CHANGE MASTER %s TO MASTER_HOST=%s, MASTER_PORT=%s, MASTER_USER=%s, "
                       "MASTER_PASSWORD=%s, MASTER_LOG_FILE=%s, MASTER_LOG_POS=4, MASTER_USE_GTID=no"
                  % ("'%s'" % conn, "%s", "%s", "%s", "%s", "%s"),
                  (src["host"], src["port"], src["admin_user"], src["admin_password"], old))
        lab.query(rep, "START SLAVE '%s'" % conn)

        def io_error():
            st = lab.query(rep, "SHOW SLAVE '%s' STATUS" % conn)[0]
            return st if st["Last_IO_Errno"] else None
        st = wait_until(io_error, timeout=20)
        assert st and st["Last_IO_Errno"] == 1236, st
        assert "Could not find first log file name in binary log index file" in st["Last_IO_Error"]
    finally:
        lab.query(rep, "STOP SLAVE '%s'" % conn)
        lab.query(rep, "RESET SLAVE '%s' ALL" % conn)
        rep.close()


def test_retention_hours_keep_binlogs(lab, retention):
    retention.hours(24)
    retention.null_window(2)
    old = retention.rotate()
    time.sleep(8)  # more than the purge event's period (5 s) and the NULL window
    assert old in retention.logs()
