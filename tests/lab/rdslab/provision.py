"""Accounts and the RDS emulation of each instance; the RDS read replica's replication."""
import re
import subprocess
import time
from pathlib import Path

from rdslab import config, db, secrets

SQL_DIR = Path(__file__).resolve().parent / "sql"

# The master user's privileges on RDS for MariaDB 10.11 (no SUPER, RELOAD, SLAVE MONITOR,
# REPLICATION SLAVE ADMIN, BINLOG ADMIN, READ_ONLY ADMIN, CONNECTION ADMIN).
RDS_MASTER_PRIVILEGES = (
    "SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, PROCESS, REFERENCES, INDEX, ALTER, "
    "SHOW DATABASES, CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, REPLICATION SLAVE, "
    "BINLOG MONITOR, CREATE VIEW, SHOW VIEW, CREATE ROUTINE, ALTER ROUTINE, CREATE USER, EVENT, "
    "TRIGGER, DELETE HISTORY")

RDS_PROCEDURES = (
    "rds_set_external_master", "rds_set_external_master_gtid", "rds_start_replication",
    "rds_stop_replication", "rds_reset_external_master", "rds_skip_repl_error",
    "rds_next_master_log", "rds_set_configuration", "rds_show_configuration",
    "rds_replica_status", "rds_kill", "rds_kill_query")

READ_REPLICA_USER = "rdsrepladmin"

# what the application account (the load generator's) may do: its own schema, nothing global
APP_SCHEMA = "loadgen"
APP_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, INDEX, ALTER"


def _quote(conn, value):
    return conn.escape(value)


def _drop_anonymous(conn):
    for user, host in db.query(conn, "SELECT User, Host FROM mysql.user WHERE User = ''"):
        db.execute(conn, "DROP USER %s@%s" % (_quote(conn, user), _quote(conn, host)))


def _ensure_user(conn, user, host, password):
    u = "%s@%s" % (_quote(conn, user), _quote(conn, host))
    db.execute(conn, "CREATE USER IF NOT EXISTS %s" % u,
               "ALTER USER %s IDENTIFIED BY %s" % (u, _quote(conn, password)))
    return u


def _install_sql(inst):
    """Run the emulation script with the mariadb client (it handles DELIMITER)."""
    script = (SQL_DIR / "rds_emulation.sql").read_text()
    res = subprocess.run(["mariadb", "--defaults-file=%s" % config.Paths(inst).cnf, "--user=root"],
                         input=script, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise SystemExit("%s: installing rds_emulation.sql failed:\n%s" % (inst.name, res.stderr))


def provision(inst):
    conn = db.root(inst)
    try:
        db.execute(conn, "SET SESSION sql_log_bin = 0")
        _drop_anonymous(conn)
        password = secrets.admin_password(inst)
        if inst.is_rds:
            db.execute(conn, "CREATE USER IF NOT EXISTS 'rdsadmin'@'localhost' ACCOUNT LOCK",
                       "GRANT ALL PRIVILEGES ON *.* TO 'rdsadmin'@'localhost' WITH GRANT OPTION")
            u = _ensure_user(conn, "admin", "%", password)
            # start from nothing so that a privilege added by hand never survives `up`
            db.execute(conn, "REVOKE ALL PRIVILEGES, GRANT OPTION FROM %s" % u,
                       "GRANT %s ON *.* TO %s WITH GRANT OPTION" % (RDS_MASTER_PRIVILEGES, u))
            _install_sql(inst)
            for proc in RDS_PROCEDURES:
                db.execute(conn, "GRANT EXECUTE ON PROCEDURE mysql.%s TO %s" % (proc, u))
        else:
            u = _ensure_user(conn, "dba", "%", password)
            db.execute(conn, "GRANT ALL PRIVILEGES ON *.* TO %s WITH GRANT OPTION" % u)
        app = _ensure_user(conn, secrets.APP_USER, "%", secrets.app_password())
        db.execute(conn, "REVOKE ALL PRIVILEGES, GRANT OPTION FROM %s" % app,
                   "GRANT %s ON `%s`.* TO %s" % (APP_PRIVILEGES, APP_SCHEMA, app))
    finally:
        conn.close()


# mysql.* tables a snapshot of the source carries to the read replica (data RDS writes there)
SNAPSHOT_MYSQL_TABLES = ("rds_heartbeat2", "rds_history", "rds_replication_status")


def _snapshot(source, replica, sconn):
    """Copy the source's data to the replica as a snapshot would; returns the snapshot's GTID."""
    keep = ["mysql.%s" % t for t in SNAPSHOT_MYSQL_TABLES]
    ignored = ["--ignore-table=mysql.%s" % t for (t,) in db.query(sconn, "SHOW TABLES FROM mysql")
               if "mysql.%s" % t not in keep]
    dump = subprocess.run(
        ["mariadb-dump", "--defaults-file=%s" % config.Paths(source).cnf, "--user=root",
         "--single-transaction", "--master-data=2", "--gtid", "--all-databases",
         "--skip-add-locks", *ignored], capture_output=True, check=False)  # bytes: rows may be binary
    if dump.returncode != 0:
        raise SystemExit("snapshot of %s failed:\n%s" % (source.name, dump.stderr.decode("utf-8", "replace")))
    gtid = re.search(rb"gtid_slave_pos\s*=\s*'([^']*)'", dump.stdout)
    load = subprocess.run(
        ["mariadb", "--defaults-file=%s" % config.Paths(replica).cnf, "--user=root",
         "--init-command=SET SESSION sql_log_bin=0"], input=dump.stdout, capture_output=True, check=False)
    if load.returncode != 0:
        raise SystemExit("loading the snapshot into %s failed:\n%s"
                         % (replica.name, load.stderr.decode("utf-8", "replace")))
    return gtid.group(1).decode("ascii") if gtid else ""


def _slave_status(conn):
    rows = db.query(conn, "SHOW SLAVE STATUS", dict_rows=True)
    return rows[0] if rows else None


def ensure_read_replica(force=False, start=True):
    """Make rds_read_replica replicate from rds_source (GTID), as RDS sets up a read replica.

    Configures it from a snapshot of the source when it is not configured yet or when `force`,
    then (with `start`) starts stopped threads. `resume_read_replica` checks that it replicates;
    one that cannot is rebuilt from scratch (cli: `_reset`), which ends here again."""
    replica, source = (config.get(n) for n in config.READ_REPLICA)
    password = secrets.load()["replication_password"]
    sconn = db.root(source)
    rconn = db.root(replica)
    try:
        db.execute(sconn, "SET SESSION sql_log_bin = 0")
        u = _ensure_user(sconn, READ_REPLICA_USER, config.HOST, password)
        db.execute(sconn, "GRANT REPLICATION SLAVE ON *.* TO %s" % u)
        status = _slave_status(rconn)
        if status is None or force:
            db.execute(rconn, "STOP SLAVE", "RESET SLAVE ALL", "SET GLOBAL read_only = ON")
            gtid = _snapshot(source, replica, sconn)
            db.execute(rconn,
                       "SET GLOBAL gtid_slave_pos = %s" % _quote(rconn, gtid),
                       "CHANGE MASTER TO MASTER_HOST=%s, MASTER_PORT=%d, MASTER_USER=%s, "
                       "MASTER_PASSWORD=%s, MASTER_SSL=1, MASTER_USE_GTID=slave_pos"
                       % (_quote(rconn, config.HOST), config.port(source),
                          _quote(rconn, READ_REPLICA_USER), _quote(rconn, password)))
        db.execute(rconn, "SET GLOBAL read_only = ON")
        status = _slave_status(rconn)
        if start and (status["Slave_IO_Running"] == "No" or status["Slave_SQL_Running"] == "No"):
            db.execute(rconn, "START SLAVE")
    finally:
        sconn.close()
        rconn.close()


def _gtids(pos):
    """'0-13301-5,1-7-9' -> {0: 5, 1: 9} (domain -> seq_no)."""
    out = {}
    for gtid in (pos or "").replace(" ", "").split(","):
        if gtid:
            domain, _server, seq = gtid.split("-")
            out[int(domain)] = int(seq)
    return out


def _purged(sconn, rconn, status):
    """Why the source no longer has what the replica will ask for when it (re)connects, or None.

    With GTID (the lab's setting) it asks from its gtid_slave_pos (its relay logs are discarded
    on connecting), which must not be older than the start of the source's oldest binlog
    (BINLOG_GTID_POS(oldest, 4)) in any domain; with file/position, Master_Log_File must exist."""
    logs = [row[0] for row in db.query(sconn, "SHOW BINARY LOGS")]
    if not logs:
        return "the source has no binlogs"
    if status["Using_Gtid"] in ("Slave_Pos", "Current_Pos"):
        var = "gtid_slave_pos" if status["Using_Gtid"] == "Slave_Pos" else "gtid_current_pos"
        pos = db.scalar(rconn, "SELECT @@global.%s" % var)
        oldest = db.scalar(sconn, "SELECT BINLOG_GTID_POS(%s, 4)", (logs[0],)) or ""
        have = _gtids(pos)
        if any(have.get(domain, -1) < seq for domain, seq in _gtids(oldest).items()):
            return ("its %s %r is older than the source's oldest binlog %s (which starts after %s): "
                    "the source purged what it needs" % (var, pos, logs[0], oldest))
    elif status["Master_Log_File"] not in logs:
        return "the source purged %s, which it reads next (oldest now %s)" % (status["Master_Log_File"], logs[0])
    return None


def _thread_error(status):
    """A replication error that waiting will not cure: 1236 (binlog purged) or any SQL error."""
    if int(status["Last_IO_Errno"] or 0) == 1236:
        return "IO thread error 1236: %s" % status["Last_IO_Error"]
    if int(status["Last_SQL_Errno"] or 0):
        return "SQL thread error %s: %s" % (status["Last_SQL_Errno"], status["Last_SQL_Error"])
    return None


def resume_read_replica(timeout=30.0):
    """Let rds_read_replica go on replicating from rds_source; None when it does, else why not.

    Quick when it does (threads running, caught up with the source in a moment). Threads that do
    not run (stopped, or waiting out MASTER_CONNECT_RETRY because the source was down when the
    replica started) are restarted, unless the source purged the binlogs the replica would ask
    for. Then it must catch up with the source's current GTID position within `timeout` seconds
    without error 1236 or an SQL error."""
    replica, source = (config.get(n) for n in config.READ_REPLICA)
    sconn = db.root(source)
    rconn = db.root(replica)
    try:
        status = _slave_status(rconn)
        if status is None:
            return "not configured as a replica"
        if (status["Master_Host"], int(status["Master_Port"])) != (config.HOST, config.port(source)):
            return "replicates from %s:%s, not from %s" % (status["Master_Host"], status["Master_Port"], source.name)
        problem = _thread_error(status)
        if problem:
            return problem
        if (status["Slave_IO_Running"], status["Slave_SQL_Running"]) != ("Yes", "Yes"):
            problem = _purged(sconn, rconn, status)
            if problem:
                return problem
            # reconnect now rather than after the connect retry
            db.execute(rconn, "STOP SLAVE", "START SLAVE")
        target = db.scalar(sconn, "SELECT @@global.gtid_binlog_pos")
        deadline = time.time() + timeout
        while True:
            if db.scalar(rconn, "SELECT MASTER_GTID_WAIT(%s, 0.2)", (target,)) == 0:
                return None
            status = _slave_status(rconn)
            problem = _thread_error(status)
            if problem:
                return problem
            if time.time() >= deadline:
                return ("not caught up with %s (%s) after %ss: IO thread %s (%s %s), SQL thread %s, at %s"
                        % (source.name, target, timeout, status["Slave_IO_Running"], status["Last_IO_Errno"],
                           status["Last_IO_Error"], status["Slave_SQL_Running"], status["Gtid_Slave_Pos"]))
    finally:
        sconn.close()
        rconn.close()
