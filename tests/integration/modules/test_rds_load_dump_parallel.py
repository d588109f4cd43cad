"""rds_load_dump with parallel > 1 against the lab, real servers only.

onprem_source holds a fresh schema `pcopy` (tables of different sizes, one with an AFTER INSERT
trigger into a log table, a view, a procedure). A writer thread commits small transactions to
every table while the module copies it into rds_target (emulated RDS, master user without SUPER)
with 3 streams; rds_target then replicates from the returned coordinates and must end up
identical to the source. A start position taken later must not (proof that the check can fail).
onprem_replica (self-managed) gets a copy with target_load_settings and target_skip_binlog.

Tests run in file order and share the source schema; the module fixture cleans up afterwards.
"""
import json
import random
import re
import threading
import time

import pymysql
import pytest

from module_runner import assert_no_secret, login, run_module, slave_status, sql

SOURCE, TARGET, REPLICA = 'onprem_source', 'rds_target', 'onprem_replica'
DB = 'pcopy'
REPL_USER = 'pc_repl'
# name, rows, pad width: different sizes, so that the streams get different shares
PLAIN_TABLES = (('t_big', 8000, 120), ('t_mid', 4000, 80), ('t_wide', 2500, 400), ('t_small', 1500, 40))
TRIGGER_ROWS = 3000
WRITTEN_TABLES = [name for name, _rows, _pad in PLAIN_TABLES] + ['orders']
ALL_TABLES = sorted(WRITTEN_TABLES + ['orders_log'])
RUNS = []  # every module run of this file, for the secret check at the end


# ---------------------------------------------------------------------------------------- helpers
def create_source_schema(conn):
    """pcopy on the source, created as its admin (dba@%) so that objects carry a foreign DEFINER."""
    sql(conn, 'DROP DATABASE IF EXISTS %s' % DB)
    sql(conn, 'CREATE DATABASE %s' % DB)
    sql(conn, 'USE %s' % DB)  # seq_1_to_N (sequence engine) needs a current schema
    for name, rows, pad in PLAIN_TABLES:
        sql(conn, 'CREATE TABLE %s.%s (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, k INT NOT NULL, '
                  'v VARCHAR(64) NOT NULL, pad VARCHAR(500) NOT NULL, KEY (k)) ENGINE=InnoDB' % (DB, name))
        sql(conn, "INSERT INTO %s.%s (k, v, pad) SELECT seq MOD 997, MD5(seq), REPEAT(CHAR(65 + seq MOD 26), %d) "
                  "FROM seq_1_to_%d" % (DB, name, pad, rows))
    sql(conn, 'CREATE TABLE %s.orders (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, customer INT NOT NULL, '
              'amount DECIMAL(10,2) NOT NULL, note VARCHAR(64)) ENGINE=InnoDB' % DB)
    sql(conn, 'CREATE TABLE %s.orders_log (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, order_id INT NOT NULL, '
              'amount DECIMAL(10,2) NOT NULL, KEY (order_id)) ENGINE=InnoDB' % DB)
    sql(conn, 'CREATE TRIGGER %s.orders_ai AFTER INSERT ON %s.orders FOR EACH ROW '
              'INSERT INTO %s.orders_log (order_id, amount) VALUES (NEW.id, NEW.amount)' % (DB, DB, DB))
    sql(conn, 'INSERT INTO %s.orders (customer, amount, note) SELECT seq MOD 211, (seq * 37) MOD 1000 + 0.5, '
              'MD5(seq) FROM seq_1_to_%d' % (DB, TRIGGER_ROWS))
    sql(conn, 'CREATE VIEW %s.big_orders AS SELECT id, customer, amount FROM %s.orders WHERE amount >= 500'
        % (DB, DB))
    sql(conn, 'CREATE PROCEDURE %s.order_count(OUT n INT) SELECT COUNT(*) INTO n FROM %s.orders' % (DB, DB))
    sql(conn, 'ANALYZE TABLE %s' % ', '.join('%s.%s' % (DB, name) for name in ALL_TABLES))


def checksums(conn):
    """{table: (rows, checksum)} of every pcopy table (None for a table that is missing)."""
    result = {}
    for row in sql(conn, 'CHECKSUM TABLE %s' % ', '.join('%s.%s' % (DB, name) for name in ALL_TABLES)):
        name = row['Table'].split('.', 1)[1]
        rows = None
        if row['Checksum'] is not None:
            rows = sql(conn, 'SELECT COUNT(*) AS n FROM %s.%s' % (DB, name))[0]['n']
        result[name] = (rows, row['Checksum'])
    return result


def gtid_seq(position, server_id):
    """Sequence number of ``server_id``'s domain-0 GTID in a MariaDB GTID position (0 if absent)."""
    found = re.search(r'(?:^|,)\s*0-%d-(\d+)' % server_id, position or '')
    return int(found.group(1)) if found else 0


def master_position(conn):
    row = sql(conn, 'SHOW MASTER STATUS')[0]
    return row['File'], int(row['Position'])


def stop_replication(root):
    sql(root, 'STOP SLAVE')
    sql(root, 'RESET SLAVE ALL')


def start_replication(lab, password, log_file, log_pos):
    """As the RDS master user, through the mysql.rds_* procedures (as rds_external_master does)."""
    info = lab.instances[SOURCE]
    admin = lab.connect(TARGET)
    try:
        sql(admin, 'CALL mysql.rds_set_external_master(%s, %s, %s, %s, %s, %s, 1)',
            [info['host'], info['port'], REPL_USER, password, log_file, int(log_pos)])
        sql(admin, 'CALL mysql.rds_start_replication()')
    finally:
        admin.close()


def wait_applied(source, target, timeout=60, stop_on_error=False):
    """Wait until the target executed the source's binlog up to its current end. Returns (done, status):
    done is False on timeout, or at once when the applier stopped on an error."""
    want = master_position(source)
    deadline = time.time() + timeout
    while True:
        row = slave_status(target)
        if row and (row['Last_SQL_Errno'] or row['Slave_SQL_Running'] == 'No'):
            return False, row
        if row and (row['Relay_Master_Log_File'], int(row['Exec_Master_Log_Pos'])) >= want:
            return True, row
        if time.time() > deadline:
            return False, row
        time.sleep(0.2)


def assert_replicated_equal(source_root, target):
    """rds_target applies the source's binlog to its end and then holds the same rows in every table;
    returns the source's checksums."""
    done, status = wait_applied(source_root, target, timeout=90)
    assert done, 'rds_target did not apply the source binlog: %s' % status_text(status)
    source_sums, target_sums = checksums(source_root), checksums(target)
    different = dict((name, (source_sums[name], target_sums[name])) for name in ALL_TABLES
                     if source_sums[name] != target_sums[name])
    assert not different, 'tables differ (source, rds_target): %s' % different
    return source_sums


def status_text(row):
    keys = ('Slave_IO_Running', 'Slave_SQL_Running', 'Last_IO_Error', 'Last_SQL_Error', 'Relay_Master_Log_File',
            'Exec_Master_Log_Pos', 'Master_Log_File', 'Read_Master_Log_Pos')
    return json.dumps(dict((key, (row or {}).get(key)) for key in keys), default=str)


def object_names(conn):
    triggers = sql(conn, 'SELECT TRIGGER_NAME AS n, DEFINER AS d FROM information_schema.TRIGGERS '
                         'WHERE TRIGGER_SCHEMA = %s', [DB])
    views = sql(conn, 'SELECT TABLE_NAME AS n, DEFINER AS d FROM information_schema.VIEWS WHERE TABLE_SCHEMA = %s',
                [DB])
    routines = sql(conn, 'SELECT ROUTINE_NAME AS n, DEFINER AS d FROM information_schema.ROUTINES '
                         'WHERE ROUTINE_SCHEMA = %s', [DB])
    return dict(triggers={r['n']: r['d'] for r in triggers}, views={r['n']: r['d'] for r in views},
                routines={r['n']: r['d'] for r in routines})


class Writer(threading.Thread):
    """Small transactions (inserts, updates and deletes of random rows, 1-3 tables each) on the
    source as its admin, as fast as the server takes them (paced at most `rate` per second)."""

    def __init__(self, lab, rate=800, seed=7):
        super(Writer, self).__init__(name='pcopy-writer', daemon=True)
        self.lab = lab
        self.rate = rate
        self.random = random.Random(seed)
        self.stopping = threading.Event()
        self.committed = 0
        self.failed = 0
        self.last_error = None
        self.max_id = {}

    def _connect(self):
        conn = self.lab.connect(SOURCE, autocommit=False, read_timeout=60, write_timeout=60)
        with conn.cursor() as cur:
            for name in WRITTEN_TABLES:
                cur.execute('SELECT COALESCE(MAX(id), 0) FROM %s.%s' % (DB, name))
                self.max_id[name] = max(self.max_id.get(name, 0), cur.fetchone()[0])
        conn.commit()
        return conn

    def _operation(self, cur):
        rnd = self.random
        name = rnd.choice(WRITTEN_TABLES)
        row_id = rnd.randint(1, max(1, self.max_id[name]))
        kind = rnd.random()
        if kind < 0.5:
            if name == 'orders':
                cur.execute('INSERT INTO pcopy.orders (customer, amount, note) VALUES (%s, %s, %s)',
                            [rnd.randint(1, 300), '%d.%02d' % (rnd.randint(1, 999), rnd.randint(0, 99)),
                             'w%d' % rnd.randint(0, 10 ** 9)])
            else:
                cur.execute('INSERT INTO pcopy.%s (k, v, pad) VALUES (%%s, %%s, %%s)' % name,
                            [rnd.randint(0, 996), 'w%d' % rnd.randint(0, 10 ** 9), 'p' * rnd.randint(1, 60)])
            self.max_id[name] = max(self.max_id[name], cur.lastrowid)
        elif kind < 0.85:
            if name == 'orders':
                cur.execute('UPDATE pcopy.orders SET amount = amount + 1, note = %s WHERE id = %s',
                            ['u%d' % rnd.randint(0, 10 ** 9), row_id])
            else:
                cur.execute('UPDATE pcopy.%s SET k = k + 1, v = %%s WHERE id = %%s' % name,
                            ['u%d' % rnd.randint(0, 10 ** 9), row_id])
        else:
            cur.execute('DELETE FROM pcopy.%s WHERE id = %%s' % name, [row_id])

    def run(self):
        conn = None
        while not self.stopping.is_set():
            began = time.time()
            try:
                if conn is None:
                    conn = self._connect()
                with conn.cursor() as cur:
                    for _index in range(self.random.randint(1, 3)):
                        self._operation(cur)
                conn.commit()
                self.committed += 1
            except pymysql.err.MySQLError as exc:  # e.g. an MDL deadlock with LOCK TABLES: retry
                self.failed += 1
                self.last_error = repr(exc)
                try:
                    conn.rollback()
                except Exception:  # pylint: disable=broad-except
                    conn = None
                time.sleep(0.01)
            spare = 1.0 / self.rate - (time.time() - began)
            if spare > 0:
                time.sleep(spare)
        if conn is not None:
            conn.close()

    def wait_for(self, count, timeout=20):
        deadline = time.time() + timeout
        while self.committed < count and time.time() < deadline and self.is_alive():
            time.sleep(0.05)
        assert self.committed >= count, 'the writer committed only %d (%s)' % (self.committed, self.last_error)

    def finish(self):
        self.stopping.set()
        self.join(30)
        assert not self.is_alive(), 'the writer did not stop'


# ---------------------------------------------------------------------------------------- fixtures
@pytest.fixture(scope='module')
def env(lab, repl_password):
    lab.labctl('load', 'stop', SOURCE, check=False)  # nothing but this file's writer on the source
    source = lab.connect(SOURCE)          # dba@%: the objects get DEFINER=`dba`@`%`
    source_root = lab.connect(SOURCE, root=True)
    sql(source_root, 'SET SESSION sql_log_bin = 0')
    sql(source_root, "CREATE USER IF NOT EXISTS %s@'127.0.0.1' IDENTIFIED BY %%s REQUIRE SSL" % REPL_USER,
        [repl_password])
    sql(source_root, "ALTER USER %s@'127.0.0.1' IDENTIFIED BY %%s REQUIRE SSL" % REPL_USER, [repl_password])
    sql(source_root, "GRANT REPLICATION SLAVE ON *.* TO %s@'127.0.0.1'" % REPL_USER)
    sql(source_root, 'SET SESSION sql_log_bin = 1')
    create_source_schema(source)
    info = lab.instances[SOURCE]
    source_args = dict(source_login=dict(login_host=info['host'], login_port=info['port'], login_user=info['admin_user'],
                                         login_password=info['admin_password'], ca_cert=str(lab.tls_dir / 'ca.pem')),
                       databases=[DB])
    secrets = [info['admin_password'], lab.instances[TARGET]['admin_password'],
               lab.instances[REPLICA]['admin_password'], repl_password]
    yield dict(lab=lab, source=source, source_root=source_root, source_args=source_args, password=repl_password,
               secrets=secrets, server_id=int(info['server_id']))
    for name in (TARGET, REPLICA):
        root = lab.connect(name, root=True)
        try:
            if name == TARGET:
                stop_replication(root)
            sql(root, 'SET SESSION sql_log_bin = 0')
            sql(root, 'DROP DATABASE IF EXISTS %s' % DB)
            if name == TARGET:
                sql(root, 'SET GLOBAL log_bin_trust_function_creators = 0')
        finally:
            root.close()
    sql(source_root, 'SET SESSION sql_log_bin = 0')
    sql(source_root, 'DROP DATABASE IF EXISTS %s' % DB)
    sql(source_root, "DROP USER IF EXISTS %s@'127.0.0.1'" % REPL_USER)
    source.close()
    source_root.close()


@pytest.fixture(scope='module')
def target(lab, env):
    """A fresh rds_target (labctl reset) whose parameter group allows the master user to create
    triggers and routines (log_bin_trust_function_creators=1, what the role's preflight asks for)."""
    proc = lab.labctl('reset', TARGET, check=False)
    if proc.returncode != 0:
        pytest.fail('labctl reset %s failed: %s%s' % (TARGET, proc.stdout, proc.stderr))
    root = lab.connect(TARGET, root=True)
    sql(root, 'SET GLOBAL log_bin_trust_function_creators = 1')
    yield root
    root.close()


def load(args, **kw):
    run = run_module('rds_load_dump', args, **kw)
    RUNS.append(run)
    return run


# ---------------------------------------------------------------------------------------- tests
def test_parallel_copy_is_consistent_under_writes(env, target, lab):
    source_root = env['source_root']
    writer = Writer(lab)
    writer.start()
    try:
        writer.wait_for(50)
        args = dict(login(lab, TARGET), parallel=3, **env['source_args'])
        committed_before = writer.committed
        started = time.time()
        run = load(args)
        elapsed = time.time() - started
        committed_during = writer.committed - committed_before
        source_gtid_after = sql(source_root, 'SELECT @@GLOBAL.gtid_binlog_pos AS p')[0]['p']
        assert not run.failed, run
        assert run.changed is True
        assert run.result['streams'] == 3, run
        assert 0 < run.result['lock_seconds'] < 5, run
        coords = run.result['coordinates']
        assert sorted(coords) == ['file', 'gtid', 'position'], run
        assert coords['file'] and coords['position'] and coords['gtid'], run
        assert run.result['databases'] == [DB]
        assert run.result['definers_changed'] >= 3, run  # trigger, view, procedure: DEFINER stripped
        # the GTID returned belongs to the same binlog position
        at_pos = sql(source_root, 'SELECT BINLOG_GTID_POS(%s, %s) AS g', [coords['file'], coords['position']])[0]['g']
        assert sorted(at_pos.split(',')) == sorted(coords['gtid'].split(',')), (at_pos, coords)

        # replicate from the returned position while the writer goes on
        start_replication(lab, env['password'], coords['file'], coords['position'])
        time.sleep(3)
    finally:
        writer.finish()
    # the writer kept committing while the module ran, also after the snapshot it returned
    after_snapshot = gtid_seq(source_gtid_after, env['server_id']) - gtid_seq(coords['gtid'], env['server_id'])
    assert committed_during >= 100, 'only %d commits in %.1fs of module run' % (committed_during, elapsed)
    assert after_snapshot >= 50, 'only %d transactions after the snapshot (%s -> %s)' % (
        after_snapshot, coords['gtid'], source_gtid_after)

    source_sums = assert_replicated_equal(source_root, target)
    assert all(rows for rows, _sum in source_sums.values()), source_sums

    # triggers after the rows: the log table was not fed twice; the objects are there
    objects = object_names(target)
    assert list(objects['triggers']) == ['orders_ai'], objects
    assert list(objects['views']) == ['big_orders'], objects
    assert list(objects['routines']) == ['order_count'], objects
    log_rows = 'SELECT COUNT(*) AS n FROM %s.orders_log' % DB
    assert sql(target, log_rows)[0]['n'] == sql(source_root, log_rows)[0]['n']
    sql(target, 'CALL %s.order_count(@n)' % DB)
    assert sql(target, 'SELECT @n AS n')[0]['n'] == sql(source_root, 'SELECT COUNT(*) AS n FROM %s.orders' % DB)[0]['n']
    # the secondary keys the schema step left out were added after the rows: the same tables as the source's
    assert table_definitions(target) == table_definitions(source_root)
    added = [query for query in run.result['queries'] if query.startswith('ALTER TABLE')]
    assert len(added) == len(PLAIN_TABLES) + 1, run.result['queries']  # every KEY (k), orders_log's KEY (order_id)
    assert_no_secret(run, *env['secrets'])


def table_definitions(conn):
    """{table: SHOW CREATE TABLE without its AUTO_INCREMENT counter} of every pcopy table."""
    return dict((name, re.sub(r' AUTO_INCREMENT=\d+', '', sql(conn, 'SHOW CREATE TABLE %s.%s' % (DB, name))[0]['Create Table']))
                for name in ALL_TABLES)


def test_a_dominant_table_is_copied_in_key_ranges(env, target, lab):
    """With more streams than the tables can balance, the big ones (t_big first; integer primary
    keys) are copied by several streams, one per key range, under writes: one snapshot, nothing lost."""
    source_root = env['source_root']
    stop_replication(target)
    writer = Writer(lab, seed=5)
    writer.start()
    try:
        writer.wait_for(50)
        run = load(dict(login(lab, TARGET), parallel=8, overwrite=True, drop_databases=True, **env['source_args']))
        assert not run.failed, run
        ranged = [cmd[-1] for cmd in run.result['dump_commands'] if any(arg.startswith('--where=') for arg in cmd)]
        assert 't_big' in ranged and max(ranged.count(name) for name in ranged) >= 2, run.result['dump_commands']
        assert run.result['streams'] <= 8, run
        coords = run.result['coordinates']
        start_replication(lab, env['password'], coords['file'], coords['position'])
        time.sleep(2)
    finally:
        writer.finish()
    assert_replicated_equal(source_root, target)
    assert_no_secret(run, *env['secrets'])


def test_a_later_start_position_is_caught(env, target, lab):
    """Same check as above, but replication starts after writes the copy does not hold: it must fail.
    Also: overwrite + drop_databases reload an occupied schema and drop what the source lacks."""
    source_root = env['source_root']
    stop_replication(target)
    sql(target, 'SET SESSION sql_log_bin = 0')
    sql(target, 'CREATE DATABASE IF NOT EXISTS %s' % DB)
    sql(target, 'CREATE TABLE IF NOT EXISTS %s.stray (id INT PRIMARY KEY)' % DB)
    sql(target, 'SET SESSION sql_log_bin = 1')
    args = dict(login(lab, TARGET), parallel=3, overwrite=True, drop_databases=True, **env['source_args'])
    run = load(args)
    assert not run.failed, run
    assert run.result['streams'] == 3, run
    assert any('overwrite=true' in warning for warning in run.result.get('warnings', [])), run
    tables = sql(target, 'SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s', [DB])
    assert 'stray' not in [row['n'] for row in tables], tables
    coords = run.result['coordinates']
    assert checksums(source_root) == checksums(target)  # nothing written since: the copy is exact

    writer = Writer(lab, seed=11)
    writer.start()
    try:
        writer.wait_for(150)
        late = master_position(source_root)
        assert late > (coords['file'], int(coords['position']))
        start_replication(lab, env['password'], *late)
        time.sleep(1)
    finally:
        writer.finish()
    wait_applied(source_root, target, timeout=30)  # caught up, or stopped on a missing row
    source_sums, target_sums = checksums(source_root), checksums(target)
    different = [name for name in ALL_TABLES if source_sums[name] != target_sums[name]]
    assert different, 'a start position after the snapshot went unnoticed'
    stop_replication(target)
    assert_no_secret(run, *env['secrets'])


def test_load_settings_are_restored_and_binlog_skipped(env, lab):
    proc = lab.labctl('reset', REPLICA, check=False)
    if proc.returncode != 0:
        pytest.fail('labctl reset %s failed: %s%s' % (REPLICA, proc.stdout, proc.stderr))
    root = lab.connect(REPLICA, root=True)
    try:
        settings = 'SELECT @@GLOBAL.innodb_flush_log_at_trx_commit AS flush, @@GLOBAL.innodb_log_file_size AS size'
        before = sql(root, settings)[0]
        assert str(before['flush']) != '2', before
        binlog_before = (master_position(root), sql(root, 'SELECT @@GLOBAL.gtid_binlog_pos AS p')[0]['p'])
        args = dict(login(lab, REPLICA), parallel=2, definer='keep', target_skip_binlog=True,
                    target_load_settings=dict(innodb_flush_log_at_trx_commit=2,
                                              innodb_log_file_size=int(before['size']) * 2,
                                              no_such_variable_xyz=1),
                    **env['source_args'])
        run = load(args, verbose=True)
        assert not run.failed, run
        assert run.result['streams'] == 2, run
        changes = [(item['name'], str(item['old']), str(item['new'])) for item in run.result['load_settings']]
        assert changes == [('innodb_flush_log_at_trx_commit', str(before['flush']), '2'),
                           ('innodb_log_file_size', str(before['size']), str(int(before['size']) * 2))], run
        assert any('no_such_variable_xyz' in warning for warning in run.result.get('warnings', [])), run
        assert sql(root, settings)[0] == before
        binlog_after = (master_position(root), sql(root, 'SELECT @@GLOBAL.gtid_binlog_pos AS p')[0]['p'])
        assert binlog_after == binlog_before, 'the load was written to the target binlog'
        # the copy itself is complete (no writes on the source now) and kept its definers
        assert checksums(env['source_root']) == checksums(root)
        objects = object_names(root)
        definers = set(objects['triggers'].values()) | set(objects['views'].values()) | set(objects['routines'].values())
        assert definers == {'dba@%'}, objects
        assert run.result['definers_changed'] == 0
        assert_no_secret(run, *env['secrets'])
    finally:
        root.close()


def test_skip_binlog_on_rds_is_refused_before_anything_changes(env, lab, target):
    """The RDS master user may not SET sql_log_bin: target_skip_binlog fails from its grants, in the
    preflight, before the target changes (overwrite=true would drop and recreate its tables)."""
    root = lab.connect(TARGET, root=True)
    marker = '%s.skip_binlog_marker' % DB  # a copy that went on would drop it (overwrite, drop_databases)
    try:
        sql(root, 'SET SESSION sql_log_bin = 0')
        sql(root, 'CREATE DATABASE IF NOT EXISTS %s' % DB)
        sql(root, 'CREATE TABLE IF NOT EXISTS %s (id INT PRIMARY KEY)' % marker)
        # (its binlog moves on by itself: the emulated RDS writes heartbeats)
        state = ('SELECT COUNT(*) AS tables, MIN(CREATE_TIME) AS first, MAX(CREATE_TIME) AS last'
                 ' FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s')
        before = sql(root, state, [DB])
        run = load(dict(login(lab, TARGET), parallel=2, target_skip_binlog=True, overwrite=True, drop_databases=True,
                        **env['source_args']), verbose=True)
        assert run.failed and not run.result.get('changed'), run
        assert 'target_skip_binlog' in run.result['msg'] and 'Nothing was changed' in run.result['msg'], run
        assert 'BINLOG ADMIN' in run.result['msg'], run
        assert sql(root, state, [DB]) == before, 'the refused load changed the target'
        assert_no_secret(run, *env['secrets'])
    finally:
        sql(root, 'DROP TABLE IF EXISTS %s' % marker)
        root.close()


def test_lock_timeout_falls_back_to_one_stream(env, lab):
    """A transaction left open on a copied table: LOCK TABLES runs out after lock_wait_timeout and the
    module warns and copies with one lock-free stream (into onprem_replica, which holds pcopy by now)."""
    source_root = env['source_root']
    old = sql(source_root, 'SELECT @@GLOBAL.lock_wait_timeout AS v')[0]['v']
    sql(source_root, 'SET GLOBAL lock_wait_timeout = 6')  # the dump clients inherit it: a hang ends in 6 s
    holder = lab.connect(SOURCE, autocommit=False)
    try:
        sql(holder, 'UPDATE %s.t_small SET k = k WHERE id = 1' % DB)
        run = load(dict(login(lab, REPLICA), parallel=2, lock_wait_timeout=1, overwrite=True, **env['source_args']))
    finally:
        holder.rollback()
        holder.close()
        sql(source_root, 'SET GLOBAL lock_wait_timeout = %s' % old)
    assert not run.failed, run
    assert run.result['streams'] == 1 and run.result['lock_seconds'] == 0, run
    assert any('could not lock' in warning for warning in run.result.get('warnings', [])), run
    root = lab.connect(REPLICA, root=True)
    try:
        assert checksums(source_root) == checksums(root)
    finally:
        root.close()


def test_no_secret_in_any_output(env, lab):
    """Every run of this file, and a load that fails in a stream (a client's stderr in the message)."""
    target = lab.connect(TARGET, root=True)
    try:
        stop_replication(target)
    finally:
        target.close()
    # definer=keep on RDS: the master user may not create objects for dba@% (no SUPER/SET USER)
    args = dict(login(lab, TARGET), parallel=2, overwrite=True, definer='keep', **env['source_args'])
    run = load(args, verbose=True)
    assert run.failed, run
    assert 'schema step' in run.result['msg'], run
    assert RUNS
    for each in RUNS:
        assert_no_secret(each, *env['secrets'])
