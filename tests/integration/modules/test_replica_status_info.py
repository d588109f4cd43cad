"""replica_status_info against the lab.

In a fresh lab only rds_read_replica replicates (from rds_source): it is read as the RDS master
user, whom the engine's status statement refuses, so rds=auto must fall back to the RDS procedure.
onprem_replica replicates from nowhere. Every test leaves the lab as it found it (the schema a
test writes on rds_source is dropped there, which replicates the drop).
"""
import pytest

from module_runner import assert_no_secret, login, run_module, sql
from polling import wait_until

SOURCE, REPLICA = 'rds_source', 'rds_read_replica'
DB = 'it_status_info'


def position(conn):
    """rds_source's binlog position right now, as coordinates."""
    row = sql(conn, 'SHOW MASTER STATUS')[0]
    return dict(file=row['File'], position=int(row['Position']), gtid='')


def healthy(conn):
    rows = sql(conn, 'SHOW SLAVE STATUS')
    return bool(rows) and (rows[0]['Slave_IO_Running'], rows[0]['Slave_SQL_Running']) == ('Yes', 'Yes')


@pytest.fixture(scope='module')
def env(lab):
    source = lab.connect(SOURCE, root=True)
    replica = lab.connect(REPLICA, root=True)
    assert healthy(replica), 'the lab must start with rds_read_replica replicating'
    sql(source, 'DROP DATABASE IF EXISTS %s' % DB)
    yield dict(lab=lab, source=source, replica=replica, args=login(lab, REPLICA))
    sql(source, 'DROP DATABASE IF EXISTS %s' % DB)
    assert wait_until(lambda: not sql(replica, "SHOW DATABASES LIKE %s", [DB]), timeout=60)
    assert healthy(replica)
    source.close()
    replica.close()


def test_master_user_reads_through_the_rds_procedure(env):
    run = run_module('replica_status_info', env['args'], check=True)
    assert not run.failed, run
    result = run.result
    assert result['changed'] is False
    assert result['status_source'] == 'rds_procedure'
    assert result['state'] == 'running' and result['status']['configured'] is True
    assert result['status']['source_port'] == env['lab'].instances[SOURCE]['port']
    assert result['dialect']['flavor'] == 'mariadb'
    assert result['gtid'].startswith('0-%d-' % env['lab'].instances[SOURCE]['server_id'])
    assert result['executed']['file'] and result['executed']['position'] > 0 and result['executed']['gtid'] == ''
    assert result['msg'] == result['progress'][-1] and len(result['progress']) == 1
    assert result['error'] == ''
    assert_no_secret(run, env['args']['login_password'])


def test_rds_false_is_refused_with_the_fix(env):
    run = run_module('replica_status_info', dict(env['args'], rds=False))
    assert run.failed
    assert run.result['errno'] == 1227 and 'fix:' in run.result['msg']


def test_wait_until_a_position_of_the_source(env):
    source = env['source']
    sql(source, 'CREATE DATABASE %s' % DB)
    sql(source, 'CREATE TABLE %s.t (id INT PRIMARY KEY)' % DB)
    sql(source, 'INSERT INTO %s.t VALUES (1), (2), (3)' % DB)
    target = position(source)
    run = run_module('replica_status_info', dict(env['args'], wait=True, wait_timeout=120, poll_interval=0.5,
                                                 until=target))
    assert not run.failed, run
    result = run.result
    assert result['caught_up'] is True and result['status_source'] == 'rds_procedure'
    executed = result['executed']
    assert (executed['file'], executed['position']) >= (target['file'], target['position'])
    assert result['progress'] and result['msg'] == result['progress'][-1]
    assert result['msg'].split(': ', 1)[1].startswith('io=Yes sql=Yes lag=')
    # what the applier executed up to the position is there
    assert sql(env['replica'], 'SELECT COUNT(*) AS n FROM %s.t' % DB)[0]['n'] == 3


def test_wait_timeout_fails_or_reports(env):
    ahead = position(env['source'])
    ahead['position'] += 10 ** 9
    args = dict(env['args'], wait=True, wait_timeout=2, poll_interval=0.5, until=ahead)
    run = run_module('replica_status_info', dict(args, fail_on_timeout=False))
    assert not run.failed, run
    assert run.result['caught_up'] is False and len(run.result['progress']) >= 2
    run = run_module('replica_status_info', args)
    assert run.failed and 'did not catch up within 2s' in run.result['msg']
    assert len(run.result['progress']) >= 2 and run.result['caught_up'] is False


def test_broken_replication_fails_with_the_fix(env):
    """A row written on the replica behind replication's back breaks it (1062): the wait fails at
    once, even with fail_on_timeout=false; removing the row and restarting the applier repairs it."""
    source, replica = env['source'], env['replica']
    sql(source, 'CREATE DATABASE IF NOT EXISTS %s' % DB)
    sql(source, 'CREATE TABLE IF NOT EXISTS %s.b (id INT PRIMARY KEY)' % DB)
    assert wait_until(lambda: sql(replica, "SHOW TABLES FROM %s LIKE 'b'" % DB), timeout=60)
    sql(replica, 'SET SESSION sql_log_bin = 0')
    sql(replica, 'INSERT INTO %s.b VALUES (42)' % DB)
    try:
        sql(source, 'INSERT INTO %s.b VALUES (42)' % DB)
        assert wait_until(lambda: sql(replica, 'SHOW SLAVE STATUS')[0]['Last_SQL_Errno'] == 1062, timeout=60)
        run = run_module('replica_status_info', dict(env['args'], wait=True, wait_timeout=60,
                                                     fail_on_timeout=False))
        assert run.failed
        assert '1062' in run.result['msg'] and 'fix:' in run.result['msg'] and 'table_checksum' in run.result['msg']
        assert run.result['status']['sql_running'] == 'No' and len(run.result['progress']) == 1
        run = run_module('replica_status_info', env['args'])
        assert not run.failed and run.result['caught_up'] is False and '1062' in run.result['error']
    finally:
        sql(replica, 'DELETE FROM %s.b WHERE id = 42' % DB)
        sql(replica, 'SET SESSION sql_log_bin = 1')
        sql(replica, 'START SLAVE')
        assert wait_until(lambda: healthy(replica), timeout=60)
    assert wait_until(lambda: sql(replica, 'SELECT id FROM %s.b' % DB) == [{'id': 42}], timeout=60)


def test_a_server_without_source(lab):
    # A fresh onprem_replica: other tests leave it replicating from rds_source.
    lab.labctl('reset', 'onprem_replica')
    args = login(lab, 'onprem_replica')
    run = run_module('replica_status_info', args)
    assert not run.failed, run
    assert run.result['state'] == 'absent' and run.result['caught_up'] is False
    assert run.result['status_source'] == 'statement' and run.result['executed']['file'] == ''
    run = run_module('replica_status_info', dict(args, wait=True, wait_timeout=30, fail_on_timeout=False))
    assert run.failed and 'no replication source' in run.result['msg']
