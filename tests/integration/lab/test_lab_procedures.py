"""The mysql.rds_* procedures: RDS's parameters, Message rows and errors, and real replication."""
import secrets
import threading
import time

import pymysql
import pytest

from polling import wait_until

NOT_CONFIGURED = ("You can't start replication because the replica isn't configured. "
                  "First call mysql.rds_set_external_master.")
RETENTION_BOUNDS = "For binlog retention hours the value must be between 1 and 168 inclusive or be NULL"


def _error(lab, conn, sql, args=None):
    with pytest.raises(pymysql.err.MySQLError) as err:
        lab.query(conn, sql, args)
    return err.value.args


@pytest.fixture
def target(lab):
    """Admin connection to rds_target; replication there is reset afterwards."""
    conn = lab.connect("rds_target")
    assert lab.query(conn, "CALL mysql.rds_replica_status()") == [], "rds_target already replicating"
    yield conn
    lab.query(conn, "CALL mysql.rds_reset_external_master()")
    conn.close()


@pytest.fixture
def source_user(lab):
    """A replication user on onprem_source (REQUIRE SSL, as the reference advises)."""
    conn = lab.connect("onprem_source")
    user, password = "labtest_repl", secrets.token_urlsafe(12)
    lab.query(conn, "DROP USER IF EXISTS %s@'%%'" % conn.escape(user))
    lab.query(conn, "CREATE USER %s@'%%' IDENTIFIED BY %s REQUIRE SSL"
              % (conn.escape(user), conn.escape(password)))
    lab.query(conn, "GRANT REPLICATION SLAVE ON *.* TO %s@'%%'" % conn.escape(user))
    yield conn, user, password
    lab.query(conn, "DROP USER IF EXISTS %s@'%%'" % conn.escape(user))
    lab.query(conn, "DROP DATABASE IF EXISTS labtest_dir2")
    conn.close()


def test_procedures_owned_by_rdsadmin_definer(lab):
    conn = lab.connect("rds_source", root=True)
    try:
        rows = lab.query(conn, "SELECT ROUTINE_NAME, DEFINER, SECURITY_TYPE FROM "
                               "information_schema.ROUTINES WHERE ROUTINE_SCHEMA='mysql' "
                               "AND ROUTINE_NAME LIKE 'rds\\_%'")
        names = {r["ROUTINE_NAME"] for r in rows}
        for proc in ("rds_set_external_master", "rds_set_external_master_gtid", "rds_start_replication",
                     "rds_stop_replication", "rds_reset_external_master", "rds_skip_repl_error",
                     "rds_next_master_log", "rds_set_configuration", "rds_show_configuration",
                     "rds_replica_status", "rds_kill", "rds_kill_query"):
            assert proc in names
        assert {(r["DEFINER"], r["SECURITY_TYPE"]) for r in rows} == {("rdsadmin@localhost", "DEFINER")}
        locked = lab.query(conn, "SHOW CREATE USER 'rdsadmin'@'localhost'")
        assert "ACCOUNT LOCK" in list(locked[0].values())[0]
    finally:
        conn.close()


def test_parameters_in_rds_order(lab):
    conn = lab.connect("rds_source", root=True)
    try:
        rows = lab.query(conn, "SELECT SPECIFIC_NAME, PARAMETER_NAME FROM information_schema.PARAMETERS "
                               "WHERE SPECIFIC_SCHEMA='mysql' AND SPECIFIC_NAME IN "
                               "('rds_set_external_master','rds_set_external_master_gtid',"
                               "'rds_set_configuration','rds_next_master_log') "
                               "ORDER BY SPECIFIC_NAME, ORDINAL_POSITION")
    finally:
        conn.close()
    params = {}
    for r in rows:
        params.setdefault(r["SPECIFIC_NAME"], []).append(r["PARAMETER_NAME"])
    assert params["rds_set_external_master"] == [
        "host_name", "host_port", "replication_user_name", "replication_user_password",
        "mysql_binary_log_file_name", "mysql_binary_log_file_location", "ssl_encryption"]
    assert params["rds_set_external_master_gtid"] == [
        "host_name", "host_port", "replication_user_name", "replication_user_password", "gtid",
        "ssl_encryption"]
    assert params["rds_set_configuration"] == ["name", "value"]
    assert params["rds_next_master_log"] == ["curr_master_log"]


def test_start_when_not_configured(lab, target):
    assert _error(lab, target, "CALL mysql.rds_start_replication()") == (1644, NOT_CONFIGURED)


def test_next_master_log_when_not_configured(lab, target):
    code, msg = _error(lab, target, "CALL mysql.rds_next_master_log(1)")
    assert code == 1644 and "First call mysql.rds_set_external_master" in msg


def test_autocommit_0_refused(lab):
    conn = lab.connect("rds_target", autocommit=False)
    try:
        for call in ("CALL mysql.rds_stop_replication()", "CALL mysql.rds_start_replication()",
                     "CALL mysql.rds_set_configuration('binlog retention hours', 24)",
                     "CALL mysql.rds_set_external_master('127.0.0.1', 1, 'u', 'p', 'f.000001', 4, 1)"):
            code, msg = _error(lab, conn, call)
            assert code == 1644 and "autocommit=1" in msg, call
        conn.rollback()
        assert lab.query(conn, "CALL mysql.rds_show_configuration()")[0]["value"] is None
    finally:
        conn.close()


def test_set_configuration_bounds(lab):
    conn = lab.connect("rds_target")
    try:
        for bad in (0, 169, -1):
            assert _error(lab, conn, "CALL mysql.rds_set_configuration('binlog retention hours', %s)",
                          (bad,)) == (1644, RETENTION_BOUNDS)
        assert _error(lab, conn, "CALL mysql.rds_set_configuration('no such thing', 1)") == (
            1644, "Cannot set unknown configuration parameter")
        for good in (1, 168, 24):
            lab.query(conn, "CALL mysql.rds_set_configuration('binlog retention hours', %s)", (good,))
            rows = lab.query(conn, "CALL mysql.rds_show_configuration()")
            assert {r["name"]: r["value"] for r in rows}["binlog retention hours"] == str(good)
        lab.query(conn, "CALL mysql.rds_set_configuration('binlog retention hours', NULL)")
        rows = lab.query(conn, "CALL mysql.rds_show_configuration()")
        assert [list(r) for r in rows][0] == ["name", "value", "description"]
        assert {r["name"]: r["value"] for r in rows}["binlog retention hours"] is None
    finally:
        lab.query(conn, "CALL mysql.rds_set_configuration('binlog retention hours', NULL)")
        conn.close()


def test_replication_from_onprem_source_into_rds_target(lab, target, source_user):
    src, user, password = source_user
    lab.labctl("load", "stop", "onprem_source", check=False)  # writes of another test would break the SQL thread
    lab.query(src, "DROP DATABASE IF EXISTS labtest_dir2")
    pos = lab.query(src, "SHOW MASTER STATUS")[0]
    port = lab.instances["onprem_source"]["port"]
    args = ("127.0.0.1", port, user, password, pos["File"], pos["Position"], 1)
    assert lab.query(target, "CALL mysql.rds_set_external_master(%s,%s,%s,%s,%s,%s,%s)", args) == []
    status = lab.query(target, "CALL mysql.rds_replica_status()")[0]
    assert status["Master_Host"] == "127.0.0.1" and status["Master_Port"] == port
    assert status["Master_SSL_Allowed"] == "Yes"
    assert status["Master_SSL_Verify_Server_Cert"] == "No"  # RDS encrypts, never verifies
    assert status["Using_Gtid"] == "No"

    assert lab.query(target, "CALL mysql.rds_start_replication()") == [
        {"Message": "Replication started. Slave is now running normally."}]
    # Both threads still up (a second start must be refused): if one died, say why.
    status = lab.query(target, "CALL mysql.rds_replica_status()")[0]
    assert "No" not in (status["Slave_IO_Running"], status["Slave_SQL_Running"]), status
    code, msg = _error(lab, target, "CALL mysql.rds_start_replication()")
    assert code == 1644 and "First call mysql.rds_stop_replication" in msg
    code, msg = _error(lab, target, "CALL mysql.rds_set_external_master(%s,%s,%s,%s,%s,%s,%s)", args)
    assert code == 1644 and msg.endswith("First call mysql.rds_stop_replication.")
    code, msg = _error(lab, target, "CALL mysql.rds_set_external_master_gtid(%s,%s,%s,%s,%s,%s)",
                       ("127.0.0.1", port, user, password, "0-1-1", 1))
    assert code == 1644 and msg.endswith("First call mysql.rds_stop_replication.")

    token = secrets.token_hex(8)
    lab.query(src, "CREATE DATABASE labtest_dir2")
    lab.query(src, "CREATE TABLE labtest_dir2.t (id INT PRIMARY KEY, token VARCHAR(32))")
    lab.query(src, "INSERT INTO labtest_dir2.t VALUES (1, %s)", (token,))

    def arrived():
        try:
            return lab.query(target, "SELECT token FROM labtest_dir2.t WHERE id = 1")
        except pymysql.err.ProgrammingError:
            return None
    assert wait_until(arrived) == [{"token": token}]
    status = lab.query(target, "CALL mysql.rds_replica_status()")[0]
    assert (status["Slave_IO_Running"], status["Slave_SQL_Running"]) == ("Yes", "Yes"), status

    history = lab.query(target, "SELECT action, master_host, master_port FROM mysql.rds_history "
                                "ORDER BY action_timestamp DESC LIMIT 2")
    assert [h["action"] for h in history] == ["start slave", "set master"]
    assert lab.query(target, "CALL mysql.rds_stop_replication()") == [
        {"Message": "Slave is now down or disabled"}]
    assert lab.query(target, "CALL mysql.rds_reset_external_master()") == [
        {"Message": "Slave has been reset"}]
    assert lab.query(target, "CALL mysql.rds_replica_status()") == []
    lab.query(target, "DROP DATABASE labtest_dir2")


def test_set_external_master_gtid(lab, target, source_user):
    src, user, password = source_user
    root = lab.connect("rds_target", root=True)
    saved = lab.query(root, "SELECT @@global.gtid_slave_pos AS p")[0]["p"]
    try:
        gtid = lab.query(src, "SELECT @@global.gtid_binlog_pos AS p")[0]["p"]
        port = lab.instances["onprem_source"]["port"]
        lab.query(target, "CALL mysql.rds_set_external_master_gtid(%s,%s,%s,%s,%s,%s)",
                  ("127.0.0.1", port, user, password, gtid, 1))
        status = lab.query(target, "CALL mysql.rds_replica_status()")[0]
        assert status["Using_Gtid"] == "Slave_Pos"
        assert status["Master_SSL_Allowed"] == "Yes" and status["Master_SSL_Verify_Server_Cert"] == "No"
        assert lab.query(root, "SELECT @@global.gtid_slave_pos AS p")[0]["p"] == gtid
        lab.query(target, "CALL mysql.rds_start_replication()")
        status = wait_until(lambda: [s for s in lab.query(target, "CALL mysql.rds_replica_status()")
                                     if s["Slave_IO_Running"] == "Yes"])
        assert status, lab.query(target, "CALL mysql.rds_replica_status()")
        lab.query(target, "CALL mysql.rds_stop_replication()")
    finally:
        lab.query(target, "CALL mysql.rds_reset_external_master()")
        lab.query(root, "SET GLOBAL gtid_slave_pos = %s", (saved,))
        root.close()


def test_ssl_encryption_0_means_no_tls(lab, target):
    lab.query(target, "CALL mysql.rds_set_external_master(%s,%s,%s,%s,%s,%s,%s)",
              ("127.0.0.1", 1, "nobody", "x", "mysql-bin.000001", 4, 0))
    status = lab.query(target, "CALL mysql.rds_replica_status()")[0]
    assert status["Master_SSL_Allowed"] == "No"


def test_password_not_left_in_session(lab, target):
    lab.query(target, "CALL mysql.rds_set_external_master(%s,%s,%s,%s,%s,%s,%s)",
              ("127.0.0.1", 1, "nobody", "s3cr3t-value", "mysql-bin.000001", 4, 1))
    rows = lab.query(target, "SELECT * FROM mysql.rds_history WHERE master_user='nobody'")
    assert rows and "s3cr3t-value" not in repr(rows)
    assert lab.query(target, "SELECT VARIABLE_VALUE FROM information_schema.USER_VARIABLES "
                             "WHERE VARIABLE_VALUE LIKE '%%s3cr3t%%'") == []


def test_rds_kill_and_kill_query(lab):
    killer = lab.connect("rds_target")
    victim = lab.connect("rds_target")
    sleeper = lab.connect("rds_target")
    try:
        vid = victim.thread_id()
        lab.query(killer, "CALL mysql.rds_kill(%s)", (vid,))
        with pytest.raises(pymysql.err.OperationalError):
            lab.query(victim, "SELECT 1")

        result = {}

        def sleep():
            t0 = time.time()
            try:
                result["rows"] = lab.query(sleeper, "SELECT SLEEP(20) AS s")
            except pymysql.err.MySQLError as exc:
                result["error"] = exc.args
            result["seconds"] = time.time() - t0
        th = threading.Thread(target=sleep)
        th.start()
        time.sleep(0.5)
        lab.query(killer, "CALL mysql.rds_kill_query(%s)", (sleeper.thread_id(),))
        th.join(15)
        assert result.get("seconds", 99) < 10, result
        assert lab.query(sleeper, "SELECT 1 AS one") == [{"one": 1}]  # only the query died

        system = lab.query(killer, "SELECT ID FROM information_schema.PROCESSLIST "
                                   "WHERE USER IN ('event_scheduler', 'system user') LIMIT 1")
        if system:
            code, msg = _error(lab, killer, "CALL mysql.rds_kill(%s)", (system[0]["ID"],))
            assert code == 1644
    finally:
        for c in (killer, sleeper):
            c.close()


def test_skip_repl_error_when_not_configured(lab, target):
    code, msg = _error(lab, target, "CALL mysql.rds_skip_repl_error()")
    assert code == 1644 and "First call mysql.rds_set_external_master" in msg
