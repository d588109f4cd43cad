"""Sample application data for the demo: sysbench's oltp tables in schema `sbtest`, written as
the instance's admin user (the RDS master user on emulated RDS), so they replicate like any write."""
import subprocess

from rdslab import config, db, secrets

SCHEMA = "sbtest"


def create(name, tables=4, rows=10000):
    inst = config.get(name)
    conn = db.admin(inst)
    try:
        db.execute(conn, "CREATE DATABASE IF NOT EXISTS %s" % SCHEMA)
        present = db.scalar(conn, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = %s",
                            (SCHEMA,))
    finally:
        conn.close()
    if present:
        return "%s: %s already holds %d table(s); left as it is" % (name, SCHEMA, present)
    res = subprocess.run(
        ["sysbench", "oltp_read_write", "--db-driver=mysql", "--mysql-host=%s" % config.HOST,
         "--mysql-port=%d" % config.port(inst), "--mysql-user=%s" % secrets.admin_user(inst),
         "--mysql-password=%s" % secrets.admin_password(inst), "--mysql-db=%s" % SCHEMA,
         "--tables=%d" % tables, "--table-size=%d" % rows, "prepare"],
        capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise SystemExit("sysbench prepare on %s failed:\n%s" % (name, res.stderr or res.stdout))
    return "%s: %s has %d table(s) of %d rows" % (name, SCHEMA, tables, rows)
