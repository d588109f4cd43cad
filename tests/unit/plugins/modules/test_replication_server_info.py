# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pymysql
import yaml

from ansible_collections.mysql_rds.replication.plugins.modules import replication_server_info as rsi
from ansible_collections.mysql_rds.replication.tests.unit.plugins.fake_cursor import FakeCursor
from ansible_collections.mysql_rds.replication.tests.unit.plugins import module_harness as harness
from ansible_collections.mysql_rds.replication.plugins.module_utils.connection import connection_argument_spec
from ansible_collections.mysql_rds.replication.tests.unit.plugins.module_harness import FakeConnection
from ansible_collections.mysql_rds.replication.tests.unit.plugins.modules import docs_spec
from ansible_collections.mysql_rds.replication.tests.unit.plugins.module_utils.status_rows import (
    MARIADB1011_SLAVE_STATUS, MYSQL80_REPLICA_STATUS)
from ansible_collections.mysql_rds.replication.tests.unit.plugins.module_utils.test_server_state import (
    MARIADB_VARIABLES, MYSQL_NO_BINLOG)

DENIED = pymysql.err.OperationalError(1227, 'Access denied; you need (at least one of) the SUPER, SLAVE MONITOR '
                                            'privilege(s) for this operation')

OBJECTS = [
    {'db': None, 'kind': 'time_zones', 'n': 0},
    {'db': b'shop', 'kind': 'schema', 'n': 1},
    {'db': b'shop', 'kind': 'tables', 'n': 2},
    {'db': b'shop', 'kind': 'routines', 'n': 2},
    {'db': b'shop', 'kind': 'triggers', 'n': 1},
]


def mariadb(status_answer, procedure_answer=None, variables=None):
    answers = [
        ('VERSION()', [{'version': '10.11.9-MariaDB-log', 'comment': 'Source distribution'}]),
        ('SHOW GLOBAL VARIABLES', variables or MARIADB_VARIABLES),
        ('SHOW MASTER STATUS', [{'File': 'mysql-bin.000042', 'Position': 1337, 'Binlog_Do_DB': '',
                                 'Binlog_Ignore_DB': ''}]),
        ('gtid_binlog_pos', [{'gtid': '0-13304-1872'}]),
        ('time_zone_name', OBJECTS),
        ('mysql.user', [{'definer': b'app@10.0.%'}]),
        ('SHOW SLAVE STATUS', status_answer),
    ]
    if procedure_answer is not None:
        answers.append(('rds_replica_status', procedure_answer))
    return FakeCursor(answers)


def mysql84(status_answer):
    return FakeCursor([
        ('VERSION()', [{'version': '8.4.3', 'comment': 'MySQL Community Server - GPL'}]),
        ('@@aurora_version', pymysql.err.OperationalError(1193, "Unknown system variable 'aurora_version'")),
        ('SHOW GLOBAL VARIABLES', [dict(item) for item in MYSQL_NO_BINLOG
                                   if item['Variable_name'] != 'log_bin'] + [
            {'Variable_name': 'log_bin', 'Value': 'ON'}, {'Variable_name': 'log_bin_basename', 'Value': None}]),
        ('SHOW BINARY LOG STATUS', [{'File': 'binlog.000007', 'Position': 4711,
                                     'Executed_Gtid_Set': '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5,\n'
                                                          'aaaaaaaa-71ca-11e1-9e33-c80aa9429562:1-2'}]),
        ('time_zone_name', []),
        ('mysql.user', []),
        ('SHOW REPLICA STATUS', status_answer),
    ])


def statements(cursor):
    return [sql for sql, _params in cursor.executed]


def test_collect_mariadb_source():
    cursor = mariadb([])
    result = rsi.collect(cursor)
    assert result['dialect']['flavor'] == 'mariadb'
    assert result['server_id'] == 13304 and result['read_only'] is False
    assert result['binlog'] == dict(enabled=True, format='ROW', basename='/var/lib/mysql/mysql-bin',
                                    position=dict(file='mysql-bin.000042', position=1337, gtid='0-13304-1872'))
    assert result['schemas'] == [dict(name='shop', tables=2, views=0, routines=2, events=0, triggers=1, objects=5,
                                      counts='2 tables, 2 routines, 1 trigger')]
    assert result['stored_programs'] == 3
    assert result['definers_missing'] == ['app@10.0.%']
    assert result['time_zones_loaded'] is False
    assert result['replica']['configured'] is False and result['status_source'] == 'statement'
    assert result['variables']['gtid_strict_mode'] is True
    # detect, variables, binlog status + gtid, objects, definers, replica: 7 round trips
    assert len(cursor.executed) == 7


def test_collect_rds_replica_as_master_user_falls_back():
    cursor = mariadb(DENIED, [MARIADB1011_SLAVE_STATUS])
    result = rsi.collect(cursor, rds='auto')
    assert result['status_source'] == 'rds_procedure'
    assert result['replica']['configured'] is True and result['replica']['io_running'] == 'Yes'
    assert statements(cursor)[-2:] == ['SHOW SLAVE STATUS', 'CALL mysql.rds_replica_status()']


def test_collect_skips_the_position_without_binary_logging():
    off = [dict(item, Value='OFF') if item['Variable_name'] == 'log_bin' else item for item in MARIADB_VARIABLES]
    cursor = mariadb([], variables=off)
    result = rsi.collect(cursor)
    assert result['binlog']['enabled'] is False and result['binlog']['position'] is None
    assert not any('MASTER STATUS' in sql for sql in statements(cursor))


def test_collect_mysql84_replica():
    result = rsi.collect(mysql84([MYSQL80_REPLICA_STATUS]), rds='false')
    assert result['dialect']['flavor'] == 'mysql'
    assert result['binlog']['basename'] == ''
    assert result['binlog']['position'] == dict(
        file='binlog.000007', position=4711,
        gtid='3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5,aaaaaaaa-71ca-11e1-9e33-c80aa9429562:1-2')
    assert result['schemas'] == [] and result['stored_programs'] == 0 and result['definers_missing'] == []
    assert result['replica']['seconds_behind_source'] == 12
    assert 'gtid_strict_mode' not in result['variables']


def run_main(monkeypatch, cursor, **args):
    return harness.run_main(monkeypatch, rsi, harness.login_args(**args),
                            connect=lambda module, **timeouts: FakeConnection(cursor))


def test_main_returns_everything_unchanged(monkeypatch):
    result = run_main(monkeypatch, mariadb([MARIADB1011_SLAVE_STATUS]), _ansible_check_mode=True)
    assert not result.get('failed'), result
    assert result['changed'] is False
    documented = set(yaml.safe_load(rsi.RETURN))
    assert set(result) - {'changed'} == documented


def test_main_fails_with_the_fix(monkeypatch):
    denied = pymysql.err.OperationalError(1142, "SELECT command denied to user 'app'@'10.0.0.1' for table 'user'")
    cursor = mariadb([])
    cursor.answers.insert(0, ('mysql.user', denied))
    result = run_main(monkeypatch, cursor)
    assert result['failed'] is True and result['errno'] == 1142 and 'fix:' in result['msg']


def test_main_rejects_a_bad_rds_value(monkeypatch):
    result = run_main(monkeypatch, mariadb([]), rds='perhaps')
    assert result['failed'] is True and 'rds must be' in result['msg']


def test_documentation_matches_the_argument_spec():
    options = docs_spec.documented_options(rsi)
    spec = rsi.argument_spec()
    assert set(options) - set(connection_argument_spec()) == {'rds'}
    assert options['rds']['type'] == spec['rds']['type'] and options['rds']['default'] == 'auto'
    returned = yaml.safe_load(rsi.RETURN)
    assert set(returned) == {'dialect', 'server_id', 'read_only', 'binlog', 'schemas', 'stored_programs',
                             'definers_missing', 'time_zones_loaded', 'replica', 'status_source', 'variables'}
    assert set(returned['binlog']['contains']) == {'enabled', 'format', 'basename', 'position'}
    yaml.safe_load(rsi.EXAMPLES)
