"""The generated data: sysbench oltp tables on each source (same seed, same rows) and the
application schema the cutover's writer uses."""
import json
import subprocess
import time

from benchlib.lab import query, scalar

DB = "sbtest"
APP_DB = "benchapp"
APP_USER = "bench_app"
LOAD_DB = "loadgen"  # `labctl load` writes loadgen.writes
BYTES_PER_ROW = 250  # InnoDB size of one sysbench row with its secondary index (measured)


def table_size(size_mb, tables):
    return max(1000, int(size_mb * 1024 * 1024 / (tables * BYTES_PER_ROW)))


def prepare(lab, name, size_mb, tables, threads):
    info = lab.info(name)
    conn = lab.connect(name)
    try:
        query(conn, "DROP DATABASE IF EXISTS `%s`" % DB)
        query(conn, "CREATE DATABASE `%s`" % DB)
    finally:
        conn.close()
    cmd = ["sysbench", "oltp_read_write", "--mysql-host=%s" % info["host"],
           "--mysql-port=%d" % info["port"], "--mysql-user=%s" % info["admin_user"],
           "--mysql-password=%s" % info["admin_password"], "--mysql-db=%s" % DB,
           "--tables=%d" % tables, "--table-size=%d" % table_size(size_mb, tables),
           "--threads=%d" % min(threads, tables), "--rand-seed=1", "prepare"]
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise RuntimeError("sysbench prepare on %s failed:\n%s" % (name, res.stderr[-2000:]))
    return data_mb(lab, name, DB)


def data_mb(lab, name, database):
    conn = lab.connect(name, root=True)
    try:
        value = scalar(conn, "SELECT SUM(data_length + index_length) FROM information_schema.tables"
                             " WHERE table_schema = %s", (database,))
        return round(float(value or 0) / 1024 / 1024, 1)
    finally:
        conn.close()


def prepare_app(lab, name, password):
    """benchapp.writes and an application account without SUPER/READ_ONLY ADMIN (read_only
    applies to it, as to a real application's)."""
    conn = lab.connect(name)
    try:
        query(conn, "CREATE DATABASE IF NOT EXISTS `%s`" % APP_DB)
        query(conn, "CREATE TABLE IF NOT EXISTS `%s`.writes (id BIGINT NOT NULL AUTO_INCREMENT "
                    "PRIMARY KEY, payload VARCHAR(64) NOT NULL, created_at TIMESTAMP(6) NOT NULL "
                    "DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB" % APP_DB)
        query(conn, "CREATE USER IF NOT EXISTS %s@'%%' IDENTIFIED BY %s"
              % (conn.escape(APP_USER), conn.escape(password)))
        query(conn, "ALTER USER %s@'%%' IDENTIFIED BY %s" % (conn.escape(APP_USER), conn.escape(password)))
        query(conn, "GRANT SELECT, INSERT ON `%s`.* TO %s@'%%'" % (APP_DB, conn.escape(APP_USER)))
    finally:
        conn.close()


def start_load(lab, name, rate):
    """The lab's load generator on a source while seeding, so that the replicas have to catch up."""
    lab.labctl("load", "stop", name, check=False)
    lab.labctl("load", "start", name, "--rate", str(rate), "--max-seconds", "7200")
    deadline = time.time() + 30
    while time.time() < deadline:
        if (load_report(lab, name).get("committed") or 0) > 0:
            return
        time.sleep(0.3)
    raise RuntimeError("the load generator on %s committed nothing in 30s" % name)


def load_report(lab, name):
    return json.loads(lab.labctl("load", "report", name).stdout)


def stop_load(lab, name):
    res = lab.labctl("load", "stop", name, check=False)
    try:
        stats = json.loads(res.stdout)
    except ValueError:
        return {"error": res.stderr[-500:]}
    return {k: stats.get(k) for k in ("committed", "failed", "max_gap_seconds", "last_error")}
