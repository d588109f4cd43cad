"""rds_load_dump against the lab: the overwrite guard in check mode (reads only, says what it found),
the source_login dict and the deprecated flat options, read_coordinates=false, the empty source.

onprem_source holds a small fresh schema `ldguard`; rds_target (emulated RDS, reset first) and
onprem_replica receive it. Tests run in file order; the module fixture cleans up afterwards.
"""
import time

import pytest

from module_runner import assert_no_secret, login, run_module, sql

SOURCE, TARGET, REPLICA = 'onprem_source', 'rds_target', 'onprem_replica'
DB = 'ldguard'
REPL_USER = 'ld_repl'
RUNS = []


def load(args, **kw):
    run = run_module('rds_load_dump', args, **kw)
    RUNS.append(run)
    return run


def binlog_state(conn):
    row = sql(conn, 'SHOW MASTER STATUS')[0]
    return row['File'], int(row['Position']), sql(conn, 'SELECT @@GLOBAL.gtid_binlog_pos AS p')[0]['p']


def schema_exists(conn):
    return bool(sql(conn, 'SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s', [DB]))


def table_sums(conn):
    return [(row['Table'], row['Checksum']) for row in sql(conn, 'CHECKSUM TABLE %s.a, %s.b' % (DB, DB))]


@pytest.fixture(scope='module')
def env(lab, repl_password):
    lab.labctl('load', 'stop', SOURCE, check=False)
    proc = lab.labctl('reset', TARGET, check=False)
    if proc.returncode != 0:
        pytest.fail('labctl reset %s failed: %s%s' % (TARGET, proc.stdout, proc.stderr))
    source = lab.connect(SOURCE)
    source_root = lab.connect(SOURCE, root=True)
    sql(source_root, 'SET SESSION sql_log_bin = 0')
    sql(source_root, "CREATE USER IF NOT EXISTS %s@'127.0.0.1' IDENTIFIED BY %%s REQUIRE SSL" % REPL_USER,
        [repl_password])
    sql(source_root, "ALTER USER %s@'127.0.0.1' IDENTIFIED BY %%s REQUIRE SSL" % REPL_USER, [repl_password])
    sql(source_root, "GRANT REPLICATION SLAVE ON *.* TO %s@'127.0.0.1'" % REPL_USER)
    sql(source_root, 'SET SESSION sql_log_bin = 1')
    sql(source, 'DROP DATABASE IF EXISTS %s' % DB)
    sql(source, 'CREATE DATABASE %s' % DB)
    for name in ('a', 'b'):
        sql(source, 'CREATE TABLE %s.%s (id INT PRIMARY KEY, v VARCHAR(20))' % (DB, name))
        sql(source, "INSERT INTO %s.%s VALUES %s" % (DB, name, ', '.join("(%d, 'v%d')" % (i, i) for i in range(1, 201))))
    info = lab.instances[SOURCE]
    source_login = dict(login_host=info['host'], login_port=info['port'], login_user=info['admin_user'],
                        login_password=info['admin_password'], ca_cert=str(lab.tls_dir / 'ca.pem'))
    secrets = [info['admin_password'], lab.instances[TARGET]['admin_password'],
               lab.instances[REPLICA]['admin_password'], repl_password]
    yield dict(lab=lab, source=source, source_root=source_root, source_login=source_login, secrets=secrets,
               password=repl_password, info=info)
    for name in (TARGET, REPLICA):
        root = lab.connect(name, root=True)
        try:
            if name == TARGET:
                sql(root, 'STOP SLAVE')
                sql(root, 'RESET SLAVE ALL')
            sql(root, 'SET SESSION sql_log_bin = 0')
            sql(root, 'DROP DATABASE IF EXISTS %s' % DB)
        finally:
            root.close()
    sql(source_root, 'SET SESSION sql_log_bin = 0')
    sql(source_root, 'DROP DATABASE IF EXISTS %s' % DB)
    sql(source_root, "DROP USER IF EXISTS %s@'127.0.0.1'" % REPL_USER)
    source.close()
    source_root.close()


def test_check_mode_changes_nothing_and_lists_what_would_run(env, lab):
    target = lab.connect(TARGET, root=True)
    try:
        source_before = binlog_state(env['source_root'])
        run = load(dict(login(lab, TARGET), source_login=env['source_login'], databases=[DB]), check=True)
        assert not run.failed, run
        assert run.changed is True and run.result['databases'] == [DB] and run.result['occupied'] == {}
        assert len(run.result['queries']) == 1 and ' | dump_filter | ' in run.result['queries'][0], run
        assert not schema_exists(target)
        assert binlog_state(env['source_root']) == source_before
        assert 'coordinates' not in run.result or run.result['coordinates'] is None
    finally:
        target.close()


def test_load_returns_coordinates_and_queries(env, lab):
    run = load(dict(login(lab, TARGET), source_login=env['source_login'], databases=[DB]))
    assert not run.failed, run
    coords = run.result['coordinates']
    assert sorted(coords) == ['file', 'gtid', 'position'] and coords['file'] and coords['position'] > 0, run
    assert coords == dict(zip(('file', 'position', 'gtid'), binlog_state(env['source_root']))), run
    assert run.result['queries'][0].startswith('mariadb-dump --defaults-extra-file=<pipe> '), run
    env['coordinates'] = coords


def test_the_guard_in_check_mode_says_the_target_does_not_replicate(env, lab):
    run = load(dict(login(lab, TARGET), source_login=env['source_login'], databases=[DB]), check=True)
    assert run.failed, run
    msg = run.result['msg']
    assert 'it does not replicate from any source and already holds data' in msg, msg
    assert '%s (2 tables)' % DB in msg and run.result['occupied'] == {DB: dict(tables=2, views=0, routines=0, events=0)}


def test_the_guard_in_check_mode_says_the_target_replicates_from_this_source(env, lab):
    coords = env['coordinates']
    admin = lab.connect(TARGET)
    try:
        sql(admin, 'CALL mysql.rds_set_external_master(%s, %s, %s, %s, %s, %s, 1)',
            [env['info']['host'], env['info']['port'], REPL_USER, env['password'], coords['file'], coords['position']])
        sql(admin, 'CALL mysql.rds_start_replication()')
    finally:
        admin.close()
    time.sleep(1)
    run = load(dict(login(lab, TARGET), source_login=env['source_login'], databases=[DB]), check=True)
    assert run.failed, run
    msg = run.result['msg']
    assert 'not replicating' not in msg and 'does not replicate' not in msg, msg
    assert 'it replicates from %s:%s, the source of this dump' % (env['info']['host'], env['info']['port']) in msg, msg


def test_read_coordinates_false_with_streams(env, lab):
    replica = lab.connect(REPLICA, root=True)
    try:
        run = load(dict(login(lab, REPLICA), source_login=env['source_login'], databases=[DB], read_coordinates=False,
                        parallel=2, overwrite=True, drop_databases=True))
        assert not run.failed, run
        assert run.result['coordinates'] is None and run.result['streams'] == 2, run
        assert 0 <= run.result['lock_seconds'] < 5, run
        assert all('--master-data' not in ' '.join(command) for command in run.result['dump_commands']), run
        assert 'UNLOCK TABLES' in run.result['queries'], run
        assert table_sums(replica) == table_sums(env['source_root'])
    finally:
        replica.close()


def test_an_empty_source_returns_its_position(env, lab):
    schemas = [row['Database'] for row in sql(env['source_root'], 'SHOW DATABASES')]
    args = dict(login(lab, REPLICA), source_login=env['source_login'], exclude_databases=schemas)
    run = load(args)
    assert not run.failed and run.changed is False, run
    assert run.result['coordinates'] == dict(zip(('file', 'position', 'gtid'), binlog_state(env['source_root'])))
    run = load(dict(args, read_coordinates=False))
    assert not run.failed and run.result['coordinates'] is None, run


def test_flat_source_options_still_work_deprecated(env, lab):
    login_ = env['source_login']
    run = load(dict(login(lab, REPLICA), source_login_host=login_['login_host'], source_port=login_['login_port'],
                    source_user=login_['login_user'], source_password=login_['login_password'],
                    source_ca_cert=login_['ca_cert'], databases=[DB], overwrite=True), check=True)
    assert not run.failed, run
    assert 'source_host is deprecated' in run.output and 'source_login.login_host' in run.output, run


def test_no_secret_in_any_output(env):
    assert RUNS
    for each in RUNS:
        assert_no_secret(each, *env['secrets'])
