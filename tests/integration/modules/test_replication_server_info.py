"""replication_server_info against the lab: onprem_source (dba, every privilege), rds_source and
rds_read_replica (the RDS master user). The objects a test creates live in one schema of
onprem_source that the test drops again."""
import pytest

from module_runner import assert_no_secret, login, run_module, sql

DB = 'it_server_info'
GHOST = "'it_ghost'@'10.9.9.9'"


def coordinates_of(conn):
    row = sql(conn, 'SHOW MASTER STATUS')[0]
    return row['File'], int(row['Position'])


@pytest.fixture(scope='module')
def onprem_source(lab):
    conn = lab.connect('onprem_source', root=True)
    sql(conn, 'DROP DATABASE IF EXISTS %s' % DB)
    sql(conn, 'CREATE DATABASE %s' % DB)
    sql(conn, 'CREATE TABLE %s.t (id INT PRIMARY KEY)' % DB)
    sql(conn, 'CREATE TABLE %s.audit (id INT)' % DB)
    sql(conn, 'CREATE DEFINER = %s VIEW %s.v AS SELECT id FROM %s.t' % (GHOST, DB, DB))
    sql(conn, 'CREATE DEFINER = CURRENT_USER PROCEDURE %s.p() SELECT 1' % DB)
    sql(conn, 'CREATE DEFINER = CURRENT_USER TRIGGER %s.tr AFTER INSERT ON %s.t FOR EACH ROW '
              'INSERT INTO %s.audit VALUES (NEW.id)' % (DB, DB, DB))
    sql(conn, 'CREATE DEFINER = CURRENT_USER EVENT %s.e ON SCHEDULE EVERY 1 DAY DISABLE DO SELECT 1' % DB)
    yield conn
    sql(conn, 'DROP DATABASE IF EXISTS %s' % DB)
    conn.close()


def test_self_managed_source(lab, onprem_source):
    info = lab.instances['onprem_source']
    args = login(lab, 'onprem_source')
    run = run_module('replication_server_info', args, check=True)
    assert not run.failed, run
    result = run.result
    assert result['changed'] is False
    assert result['dialect']['flavor'] == 'mariadb'
    assert result['server_id'] == info['server_id'] and result['read_only'] is False
    binlog = result['binlog']
    assert binlog['enabled'] is True and binlog['format'] == 'ROW' and binlog['basename']
    now_file, now_position = coordinates_of(onprem_source)
    assert binlog['position']['file'] == now_file and 0 < binlog['position']['position'] <= now_position
    assert binlog['position']['gtid'].startswith('0-')
    schema = [item for item in result['schemas'] if item['name'] == DB]
    assert schema == [dict(name=DB, tables=2, views=1, routines=1, events=1, triggers=1, objects=6,
                           counts='2 tables, 1 view, 1 routine, 1 event, 1 trigger')]
    assert not any(item['name'] in ('mysql', 'sys', 'performance_schema', 'information_schema')
                   for item in result['schemas'])
    assert result['stored_programs'] >= 2
    assert 'it_ghost@10.9.9.9' in result['definers_missing']
    assert not any(definer.startswith(info['admin_user'] + '@') for definer in result['definers_missing'])
    assert isinstance(result['time_zones_loaded'], bool)
    assert result['replica']['configured'] is False and result['status_source'] == 'statement'
    assert set(result['variables']) == {'log_bin_trust_function_creators', 'event_scheduler',
                                        'max_allowed_packet', 'gtid_strict_mode'}
    assert result['variables']['max_allowed_packet'] > 0
    assert_no_secret(run, args['login_password'])


def test_rds_source_as_master_user(lab):
    run = run_module('replication_server_info', login(lab, 'rds_source'))
    assert not run.failed, run
    result = run.result
    assert result['server_id'] == lab.instances['rds_source']['server_id'] and result['read_only'] is False
    assert result['binlog']['enabled'] is True and result['binlog']['format'] == 'ROW'
    assert result['binlog']['position']['file'].startswith('mysql-bin-changelog.')
    assert result['binlog']['position']['position'] > 0 and result['binlog']['position']['gtid']
    assert isinstance(result['schemas'], list) and isinstance(result['definers_missing'], list)
    # the master user may not run the status statement: the RDS procedure answers
    assert result['status_source'] == 'rds_procedure' and result['replica']['configured'] is False


def test_rds_read_replica_as_master_user(lab):
    run = run_module('replication_server_info', login(lab, 'rds_read_replica'))
    assert not run.failed, run
    result = run.result
    assert result['read_only'] is True
    assert result['status_source'] == 'rds_procedure'
    replica = result['replica']
    assert replica['configured'] is True and replica['source_port'] == lab.instances['rds_source']['port']
