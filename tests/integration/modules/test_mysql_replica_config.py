"""mysql_replica_config against the lab: onprem_replica replicates from rds_source (direction 1).

Tests run in file order and share one replica; the destructive ones (bad passwords,
purged binlogs) come last and the module fixture resets the replica afterwards.
"""
import time

import pytest

from module_runner import (
    assert_no_secret, login, prepare_source, purge_binlogs_before_current, row_count, run_module, slave_status, sql)
from polling import wait_until

SOURCE, REPLICA = 'rds_source', 'onprem_replica'
DB = 'it_replica_config'
USER = 'it_repl'


def reset_replica(conn):
    sql(conn, 'STOP SLAVE')
    sql(conn, 'RESET SLAVE ALL')
    sql(conn, "SET GLOBAL replicate_wild_ignore_table = ''")
    sql(conn, "SET GLOBAL replicate_wild_do_table = ''")
    sql(conn, 'SET GLOBAL read_only = 0')
    sql(conn, 'DROP DATABASE IF EXISTS %s' % DB)


@pytest.fixture(scope='module')
def env(lab, repl_password):
    source = lab.connect(SOURCE, root=True)
    replica = lab.connect(REPLICA, root=True)
    reset_replica(replica)
    master = prepare_source(source, USER, repl_password, DB)
    source_info = lab.instances[SOURCE]
    args = dict(login(lab, REPLICA), source_host=source_info['host'], source_port=source_info['port'],
                source_user=USER, source_password=repl_password, source_log_file=master['File'],
                source_log_pos=int(master['Position']), source_ssl_ca=str(lab.tls_dir / 'ca.pem'), read_only=True)
    yield dict(args=args, source=source, replica=replica, lab=lab, password=repl_password)
    reset_replica(replica)
    sql(source, 'DROP DATABASE IF EXISTS %s' % DB)
    sql(source, 'DROP DATABASE IF EXISTS %s_other' % DB)
    source.close()
    replica.close()


def test_check_mode_changes_nothing(env):
    run = run_module('mysql_replica_config', env['args'], check=True, diff=True)
    assert not run.failed, run
    assert run.changed is True
    assert any('CHANGE MASTER TO' in query for query in run.result['queries'])
    assert slave_status(env['replica']) is None
    assert sql(env['replica'], 'SELECT @@global.read_only AS ro')[0]['ro'] == 0
    assert_no_secret(run, env['password'])


def test_configures_and_replicates(env):
    run = run_module('mysql_replica_config', dict(env['args'], wait=True, wait_timeout=120), diff=True, verbose=True)
    assert not run.failed, run
    assert run.changed is True
    status = run.result['status']
    assert (status['io_running'], status['sql_running']) == ('Yes', 'Yes')
    assert status['ssl_allowed'] is True and status['ssl_verify_server_cert'] is True
    assert status['replicate_wild_ignore_table'] == ['mysql.rds\\_%']
    assert run.result['after']['source_password'] == '********'
    assert run.result['diff']['after']['state'] == 'running'
    assert_no_secret(run, env['password'], env['args']['login_password'])
    assert wait_until(lambda: row_count(env['replica'], DB) == 3, timeout=60)
    sql(env['source'], "INSERT INTO %s.t VALUES (4, 'd'), (5, 'e')" % DB)
    assert wait_until(lambda: row_count(env['replica'], DB) == 5, timeout=60)
    assert sql(env['replica'], 'SELECT @@global.read_only AS ro')[0]['ro'] == 1
    # RDS's heartbeat writes are filtered, so the applier never stops on them
    time.sleep(3)
    assert slave_status(env['replica'])['Slave_SQL_Running'] == 'Yes'


def test_second_run_is_unchanged(env):
    run = run_module('mysql_replica_config', env['args'])
    assert not run.failed, run
    assert run.changed is False
    assert run.result['queries'] == []


def test_check_mode_on_a_configured_replica(env):
    # MariaDB keeps connect_retry across RESET SLAVE ALL: pick a value that differs from now
    retry = env['retry'] = slave_status(env['replica'])['Connect_Retry'] % 50 + 7
    run = run_module('mysql_replica_config', dict(env['args'], connect_retry=retry), check=True, diff=True)
    assert run.changed is True
    assert any('MASTER_CONNECT_RETRY = %d' % retry in query for query in run.result['queries'])
    assert slave_status(env['replica'])['Connect_Retry'] != retry


def test_present_refuses_to_reconfigure_running_replica(env):
    run = run_module('mysql_replica_config', dict(env['args'], state='present', connect_retry=env['retry']))
    assert run.failed
    assert 'force=true' in run.result['msg'] and 'state=started' in run.result['msg']
    assert slave_status(env['replica'])['Connect_Retry'] != env['retry']


def test_started_applies_only_the_difference(env):
    env['args']['connect_retry'] = env['retry']
    run = run_module('mysql_replica_config', env['args'])
    assert not run.failed, run
    assert run.changed is True
    assert run.result['queries'] == ['STOP SLAVE', 'CHANGE MASTER TO MASTER_CONNECT_RETRY = %d' % env['retry'],
                                     'START SLAVE']
    assert slave_status(env['replica'])['Connect_Retry'] == env['retry']
    sql(env['source'], "INSERT INTO %s.t VALUES (6, 'f')" % DB)
    assert wait_until(lambda: row_count(env['replica'], DB) == 6, timeout=60)
    assert run_module('mysql_replica_config', env['args']).changed is False


def test_do_tables_replicates_only_the_schema_and_empty_removes_the_filter(env):
    """A replica holding one schema of the source: writes to another schema are not applied (without the
    filter they stop the applier, 1146/1049), and do_tables=[] removes the filter again."""
    other = DB + '_other'
    wanted = dict(env['args'], do_tables=['it\\_replica\\_config.%'])
    check = run_module('mysql_replica_config', wanted, check=True, diff=True)
    assert not check.failed and check.changed is True, check
    assert check.result['diff']['before']['do_tables'] == [], check
    assert check.result['diff']['after']['do_tables'] == ['it\\_replica\\_config.%'], check
    assert slave_status(env['replica'])['Replicate_Wild_Do_Table'] == ''
    run = run_module('mysql_replica_config', wanted)
    assert not run.failed, run
    queries = run.result['queries']
    assert len(queries) == 3 and queries[0] == 'STOP SLAVE' and queries[2] == 'START SLAVE', run
    assert queries[1].startswith('SET GLOBAL replicate_wild_do_table = ') and 'config.%' in queries[1], run
    assert run.result['status']['replicate_wild_do_table'] == ['it\\_replica\\_config.%'], run
    assert run.result['status']['replicate_wild_ignore_table'] == ['mysql.rds\\_%'], run  # kept beside it
    sql(env['source'], 'DROP DATABASE IF EXISTS %s' % other)
    sql(env['source'], 'CREATE DATABASE %s' % other)
    sql(env['source'], 'CREATE TABLE %s.t (id INT PRIMARY KEY)' % other)
    sql(env['source'], 'INSERT INTO %s.t VALUES (1)' % other)
    sql(env['source'], "INSERT INTO %s.t VALUES (70, 'x')" % DB)
    assert wait_until(lambda: row_count(env['replica'], DB) == 7, timeout=60)
    sql(env['source'], 'DELETE FROM %s.t WHERE id = 70' % DB)  # the rows the tests below count on
    assert wait_until(lambda: row_count(env['replica'], DB) == 6, timeout=60)
    row = slave_status(env['replica'])
    assert (row['Slave_IO_Running'], row['Slave_SQL_Running'], row['Last_SQL_Errno']) == ('Yes', 'Yes', 0), row
    assert not sql(env['replica'], "SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s", (other,))
    assert run_module('mysql_replica_config', wanted).changed is False
    sql(env['source'], 'DROP DATABASE %s' % other)  # filtered too: the replica never had it
    removed = run_module('mysql_replica_config', dict(env['args'], do_tables=[]))
    assert not removed.failed and removed.changed is True, removed
    assert "SET GLOBAL replicate_wild_do_table = ''" in removed.result['queries'], removed
    assert removed.result['status']['replicate_wild_do_table'] == [], removed
    assert slave_status(env['replica'])['Replicate_Wild_Do_Table'] == ''
    assert run_module('mysql_replica_config', env['args']).changed is False


def configured_source_only(args):
    """Login options (and read_only) only: state=started/stopped then act on the configured source."""
    return dict((name, value) for name, value in args.items() if not name.startswith('source_'))


def test_stopped_and_started_without_source_options(env):
    args = configured_source_only(env['args'])
    run = run_module('mysql_replica_config', dict(args, state='stopped'))
    assert not run.failed, run
    assert run.changed is True and run.result['queries'] == ['STOP SLAVE']
    run = run_module('mysql_replica_config', dict(args, state='started', wait=True, wait_timeout=120))
    assert not run.failed, run
    assert run.changed is True and run.result['queries'] == ['START SLAVE']
    assert run_module('mysql_replica_config', args).changed is False


def test_login_aliases_and_no_option_file(env, tmp_path):
    """community.mysql's login names: ssl_ca is the login's CA now; config_file '' reads no file."""
    broken = tmp_path / 'broken.cnf'
    broken.write_text('[client]\nuser=nobody\npassword=wrong\n')
    args = dict(env['args'], ssl_ca=env['args']['ca_cert'], config_file='')
    del args['ca_cert']
    run = run_module('mysql_replica_config', args)
    assert not run.failed, run
    assert run.changed is False
    # an unreadable option file given explicitly is an error; '' is no file at all
    del args['login_user'], args['login_password']
    run = run_module('mysql_replica_config', dict(args, config_file=str(broken)))
    assert run.failed and '1045' in run.result['msg']
    run = run_module('mysql_replica_config', args)
    assert run.failed and 'nobody' not in run.result['msg']


def test_stopped_then_started(env):
    run = run_module('mysql_replica_config', dict(env['args'], state='stopped'))
    assert not run.failed, run
    assert run.changed is True
    assert slave_status(env['replica'])['Slave_IO_Running'] == 'No'
    assert run_module('mysql_replica_config', dict(env['args'], state='stopped')).changed is False
    run = run_module('mysql_replica_config', dict(env['args'], wait=True, wait_timeout=120))
    assert run.changed is True and run.result['status']['sql_running'] == 'Yes', run


def test_coordinates_and_file_position_together_are_refused(env):
    run = run_module('mysql_replica_config', dict(env['args'], source_coordinates=dict(file='x.1', position=4)))
    assert run.failed and 'mutually exclusive' in run.result['msg']


def test_gtid_and_file_position_together_are_refused(env):
    before = slave_status(env['replica'])
    run = run_module('mysql_replica_config', dict(env['args'], source_gtid='slave_pos'))
    assert run.failed
    assert 'mutually exclusive' in run.result['msg']
    assert slave_status(env['replica'])['Using_Gtid'] == before['Using_Gtid']


def test_wrong_login_password(env):
    bad = 'Wrong-' + env['password']
    run = run_module('mysql_replica_config', dict(env['args'], login_password=bad), verbose=True)
    assert run.failed
    assert '1045' in run.result['msg'] and 'login_password' in run.result['msg']
    assert_no_secret(run, bad, env['password'])


def test_unreachable_host(env):
    port = env['lab'].instances[REPLICA]['port'] + 6  # nothing listens there in the lab
    run = run_module('mysql_replica_config', dict(env['args'], login_port=port, connect_timeout=5))
    assert run.failed
    assert '2003' in run.result['msg'] and 'login_host/login_port' in run.result['msg']


def test_wrong_replication_password_fails_with_the_fix(env):
    bad = 'Bad-' + env['password']
    run = run_module('mysql_replica_config', dict(env['args'], source_password=bad, force=True), verbose=True)
    assert run.failed
    assert '1045' in run.result['msg'] and 'source_user/source_password' in run.result['msg']
    assert_no_secret(run, bad, env['password'])


def test_purged_binlog_fails_with_the_fix(env):
    old_file = purge_binlogs_before_current(env['source'])
    run = run_module('mysql_replica_config', dict(env['args'], source_log_file=old_file, source_log_pos=4,
                                                  force=True))
    assert run.failed
    assert '1236' in run.result['msg'] and 'binlog retention' in run.result['msg']
    assert 'replica_of_rds_force_reload=true' in run.result['msg']  # a fresh copy, not more waiting
    assert_no_secret(run, env['password'])


def test_unknown_binlog_file_fails_with_the_fix(env):
    run = run_module('mysql_replica_config', dict(env['args'], source_log_file='mysql-bin-changelog.999999',
                                                  source_log_pos=4, force=True))
    assert run.failed
    assert '1236' in run.result['msg']


def test_gtid_start_point_recovers_a_broken_replica(env):
    """After the purge above: repoint by the MariaDB GTID of the coordinates (gtid_slave_pos + slave_pos)."""
    master = sql(env['source'], 'SHOW MASTER STATUS')[0]
    gtid = sql(env['source'], 'SELECT @@gtid_binlog_pos AS pos')[0]['pos']
    args = dict(env['args'], source_coordinates=dict(file=master['File'], position=int(master['Position']), gtid=gtid),
                source_use_gtid=True, force=True, wait=True, wait_timeout=120)
    del args['source_log_file'], args['source_log_pos']
    run = run_module('mysql_replica_config', args)
    assert not run.failed, run
    assert 'SET GLOBAL gtid_slave_pos = %s' % "'%s'" % gtid in run.result['queries']
    assert run.result['status']['using_gtid'] == 'slave_pos'
    sql(env['source'], "INSERT INTO %s.t VALUES (7, 'g')" % DB)
    assert wait_until(lambda: row_count(env['replica'], DB) == 7, timeout=60)
    del args['force']
    assert run_module('mysql_replica_config', args).changed is False
    # current_pos/slave_pos are modes, compared like any other setting
    del args['source_coordinates'], args['source_use_gtid']
    assert run_module('mysql_replica_config', dict(args, source_gtid='slave_pos')).changed is False


def test_absent_forgets_the_source(env):
    run = run_module('mysql_replica_config', dict(env['args'], state='absent'), diff=True)
    assert not run.failed, run
    assert run.changed is True
    assert slave_status(env['replica']) is None
    assert run_module('mysql_replica_config', dict(env['args'], state='absent')).changed is False
    run = run_module('mysql_replica_config', dict(configured_source_only(env['args']), state='started'))
    assert run.failed and 'no source is configured' in run.result['msg']


NO_PRIVILEGE_USER = 'it_noslave'


def test_replication_user_without_the_privilege_fails_after_start(env):
    """onprem_replica from rds_source with an account lacking REPLICATION SLAVE: 'Connecting' with
    1597 inside must fail after the start naming the GRANT (rc 0 before)."""
    source, replica = env['source'], env['replica']
    password = 'NoSlave-' + env['password']
    reset_replica(replica)
    sql(source, 'SET SESSION sql_log_bin = 0')
    sql(source, "CREATE USER IF NOT EXISTS %s@'127.0.0.1' IDENTIFIED BY %%s" % NO_PRIVILEGE_USER, [password])
    sql(source, "ALTER USER %s@'127.0.0.1' IDENTIFIED BY %%s" % NO_PRIVILEGE_USER, [password])
    master = sql(source, 'SHOW MASTER STATUS')[0]
    args = dict(env['args'], source_user=NO_PRIVILEGE_USER, source_password=password, source_log_file=master['File'],
                source_log_pos=int(master['Position']))
    try:
        run = run_module('mysql_replica_config', args, verbose=True)
        assert run.failed, run
        assert run.result['changed'] is True
        assert '1597' in run.result['msg'] and 'GRANT REPLICATION SLAVE' in run.result['msg']
        assert run.result['status']['io_running'] == 'Connecting'
        assert_no_secret(run, password, env['args']['login_password'])
        info = run_module('replica_status_info', login(env['lab'], REPLICA))
        assert not info.failed and 'GRANT REPLICATION SLAVE' in info.result['error']
    finally:
        reset_replica(replica)
        sql(source, 'DROP USER IF EXISTS %s@\'127.0.0.1\'' % NO_PRIVILEGE_USER)
        sql(source, 'SET SESSION sql_log_bin = 1')
