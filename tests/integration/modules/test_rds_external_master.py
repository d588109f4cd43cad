"""rds_external_master against the lab: rds_target (emulated RDS for MariaDB) replicates from
onprem_source (direction 2), only through the mysql.rds_* procedures as the master user.

Tests run in file order and share one replica; the module fixture resets it afterwards.
"""
import pytest

from module_runner import (
    assert_no_secret, login, prepare_source, purge_binlogs_before_current, row_count, run_module, slave_status, sql)
from polling import wait_until

SOURCE, TARGET = 'onprem_source', 'rds_target'
DB = 'it_external_master'
USER = 'it_repl'


def reset_target(conn):
    sql(conn, 'STOP SLAVE')
    sql(conn, 'RESET SLAVE ALL')
    sql(conn, 'SET SESSION sql_log_bin = 0')
    sql(conn, 'DROP DATABASE IF EXISTS %s' % DB)
    sql(conn, 'SET SESSION sql_log_bin = 1')


@pytest.fixture(scope='module')
def env(lab, repl_password):
    source = lab.connect(SOURCE, root=True)
    target = lab.connect(TARGET, root=True)
    reset_target(target)
    master = prepare_source(source, USER, repl_password, DB)
    info = lab.instances[SOURCE]
    args = dict(login(lab, TARGET), source_host=info['host'], source_port=info['port'], source_user=USER,
                source_password=repl_password, source_ssl=True,
                source_coordinates=dict(file=master['File'], position=int(master['Position']), gtid=''))
    yield dict(args=args, source=source, target=target, lab=lab, password=repl_password)
    reset_target(target)
    sql(source, 'DROP DATABASE IF EXISTS %s' % DB)
    source.close()
    target.close()


def test_check_mode_changes_nothing(env):
    run = run_module('rds_external_master', env['args'], check=True, diff=True)
    assert not run.failed, run
    assert run.changed is True
    assert run.result['procedures'] == run.result['queries']  # deprecated name, same list
    assert [call.split('(')[0] for call in run.result['queries']] == [
        'CALL mysql.rds_set_external_master', 'CALL mysql.rds_start_replication']
    assert slave_status(env['target']) is None
    assert_no_secret(run, env['password'])


def test_configures_and_replicates(env):
    run = run_module('rds_external_master', dict(env['args'], wait=True, wait_timeout=120), diff=True, verbose=True)
    assert not run.failed, run
    assert run.changed is True
    assert "'********'" in run.result['queries'][0]
    status = run.result['status']
    assert (status['io_running'], status['sql_running']) == ('Yes', 'Yes')
    assert status['ssl_allowed'] is True
    assert run.result['diff']['before'] == {'state': 'absent'}
    assert run.result['after']['source_password'] == '********'
    assert_no_secret(run, env['password'], env['args']['login_password'])
    assert wait_until(lambda: row_count(env['target'], DB) == 3, timeout=60)
    sql(env['source'], "INSERT INTO %s.t VALUES (4, 'd')" % DB)
    assert wait_until(lambda: row_count(env['target'], DB) == 4, timeout=60)


def test_second_run_is_unchanged(env):
    run = run_module('rds_external_master', env['args'])
    assert not run.failed, run
    assert run.changed is False and run.result['queries'] == []


def test_present_refuses_to_repoint_a_running_replica(env):
    run = run_module('rds_external_master', dict(env['args'], state='present', source_ssl=False))
    assert run.failed
    assert 'force=true' in run.result['msg'] and 'state=started' in run.result['msg']
    assert slave_status(env['target'])['Master_SSL_Allowed'] == 'Yes'


def configured_source_only(args):
    """The login options only: state=started/stopped then act on the configured source."""
    return dict((name, value) for name, value in args.items() if not name.startswith('source_'))


def test_stopped_and_started(env):
    run = run_module('rds_external_master', dict(env['args'], state='stopped'), diff=True)
    assert not run.failed, run
    assert run.changed is True
    assert run.result['queries'] == ['CALL mysql.rds_stop_replication()']
    assert slave_status(env['target'])['Slave_IO_Running'] == 'No'
    assert run_module('rds_external_master', dict(env['args'], state='stopped')).changed is False
    run = run_module('rds_external_master', dict(env['args'], state='present'))
    assert run.changed is False  # present leaves a stopped replica stopped
    sql(env['source'], "INSERT INTO %s.t VALUES (5, 'e')" % DB)
    run = run_module('rds_external_master', dict(env['args'], wait=True, wait_timeout=120))
    assert run.changed is True and run.result['queries'] == ['CALL mysql.rds_start_replication()'], run
    assert wait_until(lambda: row_count(env['target'], DB) == 5, timeout=60)


def test_stopped_and_started_without_source_options(env):
    args = configured_source_only(env['args'])
    run = run_module('rds_external_master', dict(args, state='stopped'))
    assert not run.failed, run
    assert run.changed is True and run.result['queries'] == ['CALL mysql.rds_stop_replication()']
    assert slave_status(env['target'])['Slave_SQL_Running'] == 'No'
    sql(env['source'], "INSERT INTO %s.t VALUES (50, 'x')" % DB)
    run = run_module('rds_external_master', dict(args, state='started', wait=True, wait_timeout=120))
    assert not run.failed, run
    assert run.changed is True and run.result['queries'] == ['CALL mysql.rds_start_replication()']
    assert wait_until(lambda: row_count(env['target'], DB) == 6, timeout=60)
    sql(env['source'], 'DELETE FROM %s.t WHERE id = 50' % DB)
    assert wait_until(lambda: row_count(env['target'], DB) == 5, timeout=60)
    assert run_module('rds_external_master', args).changed is False


def test_deprecated_ssl_alias_still_works(env):
    args = dict(env['args'], ssl=True)
    del args['source_ssl']
    run = run_module('rds_external_master', args)
    assert not run.failed, run
    assert run.changed is False
    assert 'ssl' in run.output and 'deprecated' in run.output.lower()


def test_gtid_and_coordinates_together_are_refused(env):
    run = run_module('rds_external_master', dict(env['args'], source_gtid='0-13404-1'))
    assert run.failed and 'mutually exclusive' in run.result['msg']


def test_procedure_missing_on_this_engine(env):
    args = dict(env['args'], source_auto_position=True, force=True)
    del args['source_coordinates']
    run = run_module('rds_external_master', args)
    assert run.failed
    assert 'source_gtid' in run.result['msg']
    assert run.result['changed'] is False and slave_status(env['target'])['Slave_IO_Running'] == 'Yes'


def test_wrong_login_password(env):
    bad = 'Wrong-' + env['password']
    run = run_module('rds_external_master', dict(env['args'], login_password=bad), verbose=True)
    assert run.failed and 'login_password' in run.result['msg']
    assert_no_secret(run, bad, env['password'])


def test_wrong_replication_password_fails_with_the_fix(env):
    bad = 'Bad-' + env['password']
    run = run_module('rds_external_master', dict(env['args'], source_password=bad, force=True), verbose=True)
    assert run.failed
    assert '1045' in run.result['msg'] and 'source_user/source_password' in run.result['msg']
    assert_no_secret(run, bad, env['password'])


def test_purged_binlog_fails_with_the_fix(env):
    old_file = purge_binlogs_before_current(env['source'])
    run = run_module('rds_external_master', dict(env['args'], source_coordinates=dict(file=old_file, position=4),
                                                 force=True))
    assert run.failed
    assert '1236' in run.result['msg'] and 'binlog retention' in run.result['msg']
    # a fresh copy is the fix (more waiting never is)
    assert 'rds_load_dump' in run.result['msg'] and 'state=absent' in run.result['msg']


def test_gtid_start_point_recovers_a_broken_replica(env):
    """After the purge above: repoint by the MariaDB GTID of the coordinates (rds_set_external_master_gtid)."""
    master = sql(env['source'], 'SHOW MASTER STATUS')[0]
    gtid = sql(env['source'], 'SELECT @@gtid_binlog_pos AS pos')[0]['pos']
    coordinates = dict(file=master['File'], position=int(master['Position']), gtid=gtid)
    args = dict(env['args'], source_coordinates=coordinates, source_use_gtid=True, force=True, wait=True,
                wait_timeout=120)
    run = run_module('rds_external_master', args)
    assert not run.failed, run
    assert run.result['queries'][1].startswith('CALL mysql.rds_set_external_master_gtid(')
    assert run.result['status']['using_gtid'] == 'slave_pos'
    sql(env['source'], "INSERT INTO %s.t VALUES (6, 'f')" % DB)
    assert wait_until(lambda: row_count(env['target'], DB) == 6, timeout=60)
    del args['force']
    assert run_module('rds_external_master', args).changed is False


def test_absent_resets(env):
    run = run_module('rds_external_master', dict(env['args'], state='absent'), diff=True)
    assert not run.failed, run
    assert run.changed is True
    assert run.result['queries'] == ['CALL mysql.rds_reset_external_master()']
    assert slave_status(env['target']) is None
    assert run_module('rds_external_master', dict(env['args'], state='absent')).changed is False


def test_stopped_without_a_configured_source_fails_clearly(env):
    run = run_module('rds_external_master', dict(configured_source_only(env['args']), state='stopped'))
    assert run.failed and 'no source is configured' in run.result['msg'] and 'state=absent' in run.result['msg']
    assert run.result['changed'] is False and run.result['queries'] == []


def test_pause_and_resume_an_rds_read_replica(lab):
    """An RDS-managed read replica: its master user may only call the stop/start procedures."""
    args = login(lab, 'rds_read_replica')
    root = lab.connect('rds_read_replica', root=True)
    try:
        run = run_module('rds_external_master', dict(args, state='stopped'))
        assert not run.failed, run
        assert run.changed is True and run.result['queries'] == ['CALL mysql.rds_stop_replication()']
        assert run.result['status']['source_host'] and run.result['after']['state'] == 'stopped'
        assert slave_status(root)['Slave_SQL_Running'] == 'No'
        assert run_module('rds_external_master', dict(args, state='stopped')).changed is False
    finally:
        run = run_module('rds_external_master', dict(args, state='started', wait=True, wait_timeout=120))
        root.close()
    assert not run.failed, run
    assert run.changed is True and run.result['queries'] == ['CALL mysql.rds_start_replication()']
    assert (run.result['status']['io_running'], run.result['status']['sql_running']) == ('Yes', 'Yes')


NO_PRIVILEGE_USER = 'it_noslave'


def test_replication_user_without_the_privilege_fails_after_start(env):
    """A replication account that may log in but lacks REPLICATION SLAVE: the IO thread stays
    'Connecting' with 1597 inside. The module fails after the start naming the GRANT (it returned
    rc 0 before), replica_status_info reports the same fix, and a wait fails at once."""
    source, target = env['source'], env['target']
    password = 'NoSlave-' + env['password']
    reset_target(target)
    sql(source, 'SET SESSION sql_log_bin = 0')
    sql(source, "CREATE USER IF NOT EXISTS %s@'127.0.0.1' IDENTIFIED BY %%s" % NO_PRIVILEGE_USER, [password])
    sql(source, "ALTER USER %s@'127.0.0.1' IDENTIFIED BY %%s" % NO_PRIVILEGE_USER, [password])
    master = sql(source, 'SHOW MASTER STATUS')[0]
    args = dict(env['args'], source_user=NO_PRIVILEGE_USER, source_password=password,
                source_coordinates=dict(file=master['File'], position=int(master['Position']), gtid=''))
    try:
        run = run_module('rds_external_master', args, verbose=True)
        assert run.failed, run
        assert run.result['changed'] is True
        assert '1597' in run.result['msg'] and 'GRANT REPLICATION SLAVE' in run.result['msg']
        assert 'io_running=Connecting' in run.result['msg']
        assert run.result['status']['io_running'] == 'Connecting'
        assert_no_secret(run, password, env['args']['login_password'])
        info = run_module('replica_status_info', login(env['lab'], TARGET))
        assert not info.failed and 'GRANT REPLICATION SLAVE' in info.result['error']
        waited = run_module('replica_status_info', dict(login(env['lab'], TARGET), wait=True, wait_timeout=120))
        assert waited.failed and 'GRANT REPLICATION SLAVE' in waited.result['msg']
        assert len(waited.result['progress']) == 1  # failed at the first read, no 120 s wait
    finally:
        reset_target(target)
        sql(source, 'DROP USER IF EXISTS %s@\'127.0.0.1\'' % NO_PRIVILEGE_USER)
        sql(source, 'SET SESSION sql_log_bin = 1')
