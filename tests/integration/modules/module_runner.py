"""Helpers (imported by the tests as `module_runner`) for running this collection's modules for real against the lab.

`run_module(name, args, check=False, diff=False, verbose=False)` runs
`ansible localhost -m mysql_rds.replication.<name>` with the JSON stdout callback and returns
a ModuleRun: `.result` (the module's result dict), `.output` (everything ansible printed,
stdout and stderr, for secret checks), `.rc`.
"""
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pymysql
import pymysql.cursors

REPO = Path(__file__).resolve().parents[3]
ANSIBLE = Path(sys.executable).parent / 'ansible'


def collection_root():
    """A directory where ansible_collections/mysql_rds/replication is this checkout (outside the repo)."""
    parts = REPO.parts
    if parts[-3:] == ('ansible_collections', 'mysql_rds', 'replication'):
        return Path(*parts[:-3])
    tag = hashlib.sha1(str(REPO).encode('utf-8')).hexdigest()[:12]
    root = Path(tempfile.gettempdir()) / ('mysql_rds_replication-%s' % tag)
    link = root / 'ansible_collections' / 'mysql_rds' / 'replication'
    if not link.is_symlink():
        link.parent.mkdir(parents=True, exist_ok=True)
        try:
            link.symlink_to(REPO)
        except FileExistsError:
            pass  # made meanwhile by a test process running beside this one
    return root


class ModuleRun(object):
    def __init__(self, result, output, rc):
        self.result = result
        self.output = output
        self.rc = rc

    @property
    def changed(self):
        return self.result.get('changed')

    @property
    def failed(self):
        return bool(self.result.get('failed'))

    def __repr__(self):
        return 'ModuleRun(rc=%s, result=%s)' % (self.rc, json.dumps(self.result, indent=1, default=str)[:3000])


def run_module(name, args, check=False, diff=False, verbose=False):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collection_root()), ANSIBLE_STDOUT_CALLBACK='json',
               ANSIBLE_LOAD_CALLBACK_PLUGINS='1', ANSIBLE_LOCALHOST_WARNING='0',
               ANSIBLE_INVENTORY_UNPARSED_WARNING='0', ANSIBLE_NOCOLOR='1', ANSIBLE_FORCE_COLOR='0')
    cmd = [str(ANSIBLE), 'localhost', '-m', 'mysql_rds.replication.' + name, '-a', json.dumps(args)]
    if check:
        cmd.append('--check')
    if diff:
        cmd.append('--diff')
    if verbose:
        cmd.append('-vvv')
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900, check=False)
    output = proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    start = lines.index('{') if '{' in lines else None
    if start is None:
        raise AssertionError('no JSON from ansible (rc=%s):\n%s' % (proc.returncode, output))
    data = json.loads('\n'.join(lines[start:]))
    result = data['plays'][0]['tasks'][0]['hosts']['localhost']
    return ModuleRun(result, output, proc.returncode)


def sql(conn, statement, args=None):
    """Run one statement; rows as dicts; every result set drained."""
    with conn.cursor(pymysql.cursors.DictCursor) as cur:
        cur.execute(statement, args)
        rows = list(cur.fetchall()) if cur.description else []
        while cur.nextset():
            pass
        return rows


def purge_binlogs_before_current(conn, timeout=30):
    """FLUSH, then PURGE up to the new binlog; return the purged file name.

    MariaDB keeps a binlog while a dump thread reads it or crash recovery still needs it
    (binlog checkpoint), so PURGE is retried until the old file is really gone.
    """
    old_file = sql(conn, 'SHOW MASTER STATUS')[0]['File']
    sql(conn, 'FLUSH BINARY LOGS')
    new_file = sql(conn, 'SHOW MASTER STATUS')[0]['File']
    deadline = time.time() + timeout
    while True:
        sql(conn, 'PURGE BINARY LOGS TO %s', [new_file])
        if old_file not in [row['Log_name'] for row in sql(conn, 'SHOW BINARY LOGS')]:
            return old_file
        if time.time() > deadline:
            raise AssertionError('could not purge %s on the source' % old_file)
        time.sleep(0.5)


def login(lab, name):
    """The connection options of the modules for a lab instance's admin account."""
    info = lab.instances[name]
    return dict(login_host=info['host'], login_port=info['port'], login_user=info['admin_user'],
                login_password=info['admin_password'], ca_cert=str(lab.tls_dir / 'ca.pem'))


def assert_no_secret(run, *values):
    for value in values:
        assert value and value not in run.output, 'a secret leaked into the output'
        assert value not in json.dumps(run.result), 'a secret leaked into the result'


def slave_status(conn):
    """The first row of SHOW SLAVE STATUS, or None when no source is configured."""
    rows = sql(conn, 'SHOW SLAVE STATUS')
    return rows[0] if rows else None


def row_count(conn, db):
    """Rows of db.t, -1 while the table is not there yet."""
    try:
        return sql(conn, 'SELECT COUNT(*) AS n FROM %s.t' % db)[0]['n']
    except pymysql.err.MySQLError:
        return -1


def prepare_source(conn, user, password, db):
    """A replication account (REQUIRE SSL) and no `db`, both unlogged; then, binlogged after the
    returned SHOW MASTER STATUS row, `db`.t with 3 rows a replica started there must receive."""
    sql(conn, 'SET SESSION sql_log_bin = 0')
    sql(conn, "CREATE USER IF NOT EXISTS %s@'127.0.0.1' IDENTIFIED BY %%s REQUIRE SSL" % user, [password])
    sql(conn, "ALTER USER %s@'127.0.0.1' IDENTIFIED BY %%s REQUIRE SSL" % user, [password])
    sql(conn, "GRANT REPLICATION SLAVE ON *.* TO %s@'127.0.0.1'" % user)
    sql(conn, 'DROP DATABASE IF EXISTS %s' % db)
    sql(conn, 'SET SESSION sql_log_bin = 1')
    master = sql(conn, 'SHOW MASTER STATUS')[0]
    sql(conn, 'CREATE DATABASE %s' % db)
    sql(conn, 'CREATE TABLE %s.t (id INT PRIMARY KEY, v VARCHAR(20))' % db)
    sql(conn, "INSERT INTO %s.t VALUES (1, 'a'), (2, 'b'), (3, 'c')" % db)
    return master


SLOW_LOADER = '''#!/bin/sh
# the real client, fed one line every %(delay)s s
"%(python)s" -c 'import sys, time
for line in sys.stdin.buffer:
    sys.stdout.buffer.write(line); sys.stdout.buffer.flush(); time.sleep(%(delay)s)' | exec mariadb "$@"
'''


def slow_loader(path, delay):
    """An executable at ``path`` that runs the real client, fed one line every ``delay`` seconds (so that a
    copy lasts long enough to be watched or interrupted)."""
    path.write_text(SLOW_LOADER % dict(python=sys.executable, delay=delay))
    path.chmod(0o700)
    return str(path)


def admin_account(conn, user, password):
    """``user``@127.0.0.1 with every privilege, made without a binlog entry (over ``conn``, as root)."""
    sql(conn, 'SET SESSION sql_log_bin = 0')
    sql(conn, "CREATE OR REPLACE USER %s@'127.0.0.1' IDENTIFIED BY %%s" % user, [password])
    sql(conn, "GRANT ALL PRIVILEGES ON *.* TO %s@'127.0.0.1'" % user)
