"""The emulated RDS master user is as limited as on RDS for MariaDB 10.11."""
import pymysql
import pytest

RDS = ["rds_source", "rds_target"]

# What RDS for MariaDB 10.11 grants its master user, and nothing else.
EXPECTED = {
    "SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "PROCESS", "REFERENCES", "INDEX",
    "ALTER", "SHOW DATABASES", "CREATE TEMPORARY TABLES", "LOCK TABLES", "EXECUTE",
    "REPLICATION SLAVE", "BINLOG MONITOR", "CREATE VIEW", "SHOW VIEW", "CREATE ROUTINE",
    "ALTER ROUTINE", "CREATE USER", "EVENT", "TRIGGER", "DELETE HISTORY"}
FORBIDDEN = {"SUPER", "RELOAD", "SLAVE MONITOR", "REPLICATION SLAVE ADMIN", "BINLOG ADMIN",
             "READ_ONLY ADMIN", "CONNECTION ADMIN", "ALL PRIVILEGES", "FILE", "SHUTDOWN",
             "REPLICATION MASTER ADMIN", "BINLOG REPLAY", "FEDERATED ADMIN"}

# Each must fail for the master user; values are chosen so that a success would change nothing.
REFUSED = [
    "CHANGE MASTER TO MASTER_CONNECT_RETRY=60",
    "START SLAVE",
    "STOP SLAVE",
    "RESET SLAVE",
    "FLUSH TABLES WITH READ LOCK",
    "SET GLOBAL read_only = @@global.read_only",
    "SHOW SLAVE STATUS",
    "SHOW ALL SLAVES STATUS",
    "SET SESSION sql_log_bin = 1",
    "SET GLOBAL binlog_format = 'ROW'",
    "SET GLOBAL gtid_slave_pos = @@global.gtid_slave_pos",
    "PURGE BINARY LOGS BEFORE '2000-01-01 00:00:00'",
    "FLUSH BINARY LOGS",
]


def _global_privileges(lab, name):
    conn = lab.connect(name)
    try:
        rows = lab.query(conn, "SHOW GRANTS")
    finally:
        conn.close()
    line = [list(r.values())[0] for r in rows if " ON *.* " in list(r.values())[0]][0]
    privs = line.split("GRANT ", 1)[1].split(" ON *.* ", 1)[0]
    return {p.strip() for p in privs.split(",")}, line


@pytest.mark.parametrize("name", RDS)
def test_master_user_has_exactly_rds_grants(lab, name):
    privs, line = _global_privileges(lab, name)
    assert privs == EXPECTED, line
    assert not privs & FORBIDDEN
    assert line.endswith("WITH GRANT OPTION")


@pytest.mark.parametrize("statement", REFUSED)
def test_master_user_is_refused(lab, statement):
    conn = lab.connect("rds_target")
    try:
        with pytest.raises(pymysql.err.OperationalError) as err:
            lab.query(conn, statement)
        assert err.value.args[0] in (1227, 1045), err.value.args  # 1227: access denied; need X
    finally:
        conn.close()


def test_create_function_without_trust_fails_with_1419(lab):
    root = lab.connect("rds_target", root=True)
    conn = lab.connect("rds_target")
    try:
        assert lab.query(root, "SELECT @@global.log_bin_trust_function_creators AS v")[0]["v"] == 0
        lab.query(conn, "CREATE DATABASE IF NOT EXISTS labtest_fn")
        with pytest.raises(pymysql.err.OperationalError) as err:
            lab.query(conn, "CREATE FUNCTION labtest_fn.f() RETURNS INT DETERMINISTIC RETURN 1")
        assert err.value.args[0] == 1419
    finally:
        lab.query(conn, "DROP DATABASE IF EXISTS labtest_fn")
        conn.close()
        root.close()


def test_master_user_cannot_write_on_read_replica(lab):
    conn = lab.connect("rds_read_replica")
    try:
        with pytest.raises(pymysql.err.OperationalError) as err:
            lab.query(conn, "CREATE DATABASE labtest_on_read_replica")
        assert err.value.args[0] == 1290  # --read-only
    finally:
        conn.close()


def test_root_only_by_socket(lab):
    info = lab.instances["rds_source"]
    with pytest.raises(pymysql.err.OperationalError) as err:
        pymysql.connect(host=info["host"], port=info["port"], user="root", password="",
                        connect_timeout=5)
    assert err.value.args[0] in (1045, 1698)  # 1698: unix_socket refused the login


def test_no_anonymous_users(lab):
    for name in lab.instances:
        conn = lab.connect(name, root=True)
        try:
            assert lab.query(conn, "SELECT User, Host FROM mysql.user WHERE User = ''") == []
        finally:
            conn.close()
