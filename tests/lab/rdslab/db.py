"""PyMySQL connections to lab instances: root by unix socket, or the admin user over TCP."""
import pymysql

from rdslab import config, secrets


def root(inst, database=None, **kw):
    """root@localhost over the instance's unix socket (unix_socket authentication)."""
    return pymysql.connect(unix_socket=str(config.Paths(inst).socket), user="root",
                           database=database, autocommit=True, connect_timeout=5, **kw)


def admin(inst, database=None, **kw):
    """The instance's admin user (RDS master user `admin`, self-managed `dba`) over TCP."""
    return pymysql.connect(host=config.HOST, port=config.port(inst), user=secrets.admin_user(inst),
                           password=secrets.admin_password(inst), database=database,
                           autocommit=True, connect_timeout=5, **kw)


def execute(conn, *statements):
    with conn.cursor() as cur:
        for sql in statements:
            cur.execute(sql)


def query(conn, sql, args=None, dict_rows=False):
    with conn.cursor(pymysql.cursors.DictCursor if dict_rows else pymysql.cursors.Cursor) as cur:
        cur.execute(sql, args)
        return cur.fetchall()


def scalar(conn, sql, args=None):
    rows = query(conn, sql, args)
    return rows[0][0] if rows else None
