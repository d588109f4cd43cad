"""Hand-run replication steps: the replication account, CHANGE MASTER (self-managed) or the
mysql.rds_* procedures (RDS), the wait for catch-up and the checksum comparison."""
import time

from benchlib.lab import query, scalar

REPL_USER = "bench_repl"


def ensure_repl_user(lab, source, password):
    conn = lab.connect(source)
    try:
        u = "%s@'%%'" % conn.escape(REPL_USER)
        query(conn, "CREATE USER IF NOT EXISTS %s IDENTIFIED BY %s" % (u, conn.escape(password)))
        query(conn, "ALTER USER %s IDENTIFIED BY %s" % (u, conn.escape(password)))
        query(conn, "GRANT REPLICATION SLAVE ON *.* TO %s" % u)
    finally:
        conn.close()


def start_replica(lab, source, target, gtid, password):
    """Point `target` at `source` from `gtid` the way a DBA does by hand on that kind of server."""
    conn = lab.connect(target)
    try:
        if lab.info(target)["kind"] == "rds":
            query(conn, "CALL mysql.rds_set_external_master_gtid(%s, %s, %s, %s, %s, 1)",
                  ("127.0.0.1", lab.port(source), REPL_USER, password, gtid))
            query(conn, "CALL mysql.rds_start_replication")
            return
        query(conn, "STOP SLAVE")
        query(conn, "SET GLOBAL replicate_wild_ignore_table = 'mysql.rds\\\\_%'")
        query(conn, "SET GLOBAL gtid_slave_pos = %s", (gtid,))
        query(conn, "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=%d, MASTER_USER=%s, "
                    "MASTER_PASSWORD=%s, MASTER_SSL=1, MASTER_SSL_CA=%s, MASTER_USE_GTID=slave_pos"
              % (lab.port(source), conn.escape(REPL_USER), conn.escape(password), conn.escape(lab.ca)))
        query(conn, "START SLAVE")
    finally:
        conn.close()


def source_pos(lab, source):
    conn = lab.connect(source, root=True)
    try:
        return scalar(conn, "SELECT @@gtid_binlog_pos")
    finally:
        conn.close()


def wait_caught_up(lab, source, target, timeout=3600):
    """Wait until the target applied everything the source had logged when the wait began."""
    pos = source_pos(lab, source)
    conn = lab.connect(target, root=True, read_timeout=timeout + 30)
    try:
        result = scalar(conn, "SELECT MASTER_GTID_WAIT(%s, %s)", (pos, timeout))
    finally:
        conn.close()
    if result != 0:
        raise RuntimeError("%s did not reach %s of %s within %ss: %s"
                           % (target, pos, source, timeout, slave_error(lab, target)))
    return pos


def slave_error(lab, target):
    conn = lab.connect(target, root=True)
    try:
        rows = query(conn, "SHOW SLAVE STATUS", dict_rows=True)
    finally:
        conn.close()
    if not rows:
        return "replication not configured"
    r = rows[0]
    return "io=%s sql=%s io_error=%r sql_error=%r" % (r["Slave_IO_Running"], r["Slave_SQL_Running"],
                                                      r["Last_IO_Error"], r["Last_SQL_Error"])


def checksums(lab, name, databases):
    conn = lab.connect(name, root=True)
    try:
        tables = query(conn, "SELECT CONCAT('`', table_schema, '`.`', table_name, '`') FROM "
                             "information_schema.tables WHERE table_type = 'BASE TABLE' AND "
                             "table_schema IN (%s) ORDER BY 1" % ", ".join(["%s"] * len(databases)),
                       tuple(databases))
        if not tables:
            return {}
        rows = query(conn, "CHECKSUM TABLE %s" % ", ".join(t for (t,) in tables))
        return dict(rows)
    finally:
        conn.close()


def checksum_equal(lab, source, target, databases):
    a, b = checksums(lab, source, databases), checksums(lab, target, databases)
    diff = sorted(t for t in set(a) | set(b) if a.get(t) != b.get(t))
    return not diff and bool(a), diff


def wait_and_prove(lab, source, target, databases, timeout=3600):
    """Catch up, then checksums equal (retried a few times while the replica applies the tail)."""
    for _attempt in range(10):
        wait_caught_up(lab, source, target, timeout)
        equal, diff = checksum_equal(lab, source, target, databases)
        if equal:
            return
        time.sleep(0.5)
    raise RuntimeError("checksums differ between %s and %s: %s" % (source, target, diff[:5]))
