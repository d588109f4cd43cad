# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.mysql_rds.replication.plugins.module_utils import server_state as ss
from ansible_collections.mysql_rds.replication.tests.unit.plugins.fake_cursor import FakeCursor

MARIADB_VARIABLES = [
    {'Variable_name': 'binlog_format', 'Value': 'ROW'},
    {'Variable_name': 'event_scheduler', 'Value': 'ON'},
    {'Variable_name': 'gtid_strict_mode', 'Value': 'ON'},
    {'Variable_name': 'log_bin', 'Value': 'ON'},
    {'Variable_name': 'log_bin_basename', 'Value': '/var/lib/mysql/mysql-bin'},
    {'Variable_name': 'log_bin_trust_function_creators', 'Value': 'OFF'},
    {'Variable_name': 'max_allowed_packet', 'Value': '16777216'},
    {'Variable_name': 'read_only', 'Value': 'OFF'},
    {'Variable_name': 'server_id', 'Value': '13304'},
]

# A MySQL-like server without binary logging and without log_bin_basename / gtid_strict_mode.
MYSQL_NO_BINLOG = [
    {'Variable_name': 'binlog_format', 'Value': 'mixed'},
    {'Variable_name': 'event_scheduler', 'Value': 'DISABLED'},
    {'Variable_name': 'log_bin', 'Value': 'OFF'},
    {'Variable_name': 'log_bin_trust_function_creators', 'Value': '1'},
    {'Variable_name': 'max_allowed_packet', 'Value': '67108864'},
    {'Variable_name': 'read_only', 'Value': 'ON'},
    {'Variable_name': 'server_id', 'Value': '1'},
]


def test_read_variables_asks_for_the_known_names_only():
    cursor = FakeCursor([('SHOW GLOBAL VARIABLES', MARIADB_VARIABLES)])
    raw = ss.read_variables(cursor)
    assert raw['log_bin_basename'] == '/var/lib/mysql/mysql-bin'
    sql, params = cursor.executed[0]
    assert params == list(ss.VARIABLES) and sql.count('%s') == len(ss.VARIABLES)


def test_describe_variables_mariadb():
    described = ss.describe_variables(ss.read_variables(FakeCursor([('SHOW', MARIADB_VARIABLES)])))
    assert described == dict(
        server_id=13304, read_only=False,
        binlog=dict(enabled=True, format='ROW', basename='/var/lib/mysql/mysql-bin', position=None),
        variables=dict(log_bin_trust_function_creators=False, event_scheduler='ON', max_allowed_packet=16777216,
                       gtid_strict_mode=True))


def test_describe_variables_tolerates_absent_ones():
    described = ss.describe_variables(ss.read_variables(FakeCursor([('SHOW', MYSQL_NO_BINLOG)])))
    assert described['binlog'] == dict(enabled=False, format='MIXED', basename='', position=None)
    assert described['read_only'] is True and described['server_id'] == 1
    assert described['variables'] == dict(log_bin_trust_function_creators=True, event_scheduler='DISABLED',
                                          max_allowed_packet=67108864)


def test_counts_text():
    assert ss.counts_text(dict(tables=2, views=1)) == '2 tables, 1 view'
    assert ss.counts_text(dict(tables=1, routines=3, events=1, triggers=2)) == \
        '1 table, 3 routines, 1 event, 2 triggers'
    assert ss.counts_text({}) == ''


def test_read_schemas_groups_counts_and_reads_time_zones():
    rows = [
        {'db': None, 'kind': 'time_zones', 'n': 1790},
        {'db': b'empty', 'kind': 'schema', 'n': 1},
        {'db': b'shop', 'kind': 'routines', 'n': 1},
        {'db': b'shop', 'kind': 'schema', 'n': 1},
        {'db': b'shop', 'kind': 'tables', 'n': 2},
        {'db': b'shop', 'kind': 'triggers', 'n': 1},
        {'db': b'shop', 'kind': 'views', 'n': 1},
        {'db': b'caf\xc3\xa9', 'kind': 'schema', 'n': 1},
    ]
    cursor = FakeCursor([('time_zone_name', rows)])
    schemas, zones = ss.read_schemas(cursor)
    assert zones is True
    assert [item['name'] for item in schemas] == ['café', 'empty', 'shop']
    assert schemas[1] == dict(name='empty', tables=0, views=0, routines=0, events=0, triggers=0, objects=0,
                              counts='')
    assert schemas[2] == dict(name='shop', tables=2, views=1, routines=1, events=0, triggers=1, objects=5,
                              counts='2 tables, 1 view, 1 routine, 1 trigger')
    assert ss.stored_programs(schemas) == 2
    sql, params = cursor.executed[0]
    assert params == list(ss.SYSTEM_SCHEMAS)


def test_read_schemas_without_time_zones():
    schemas, zones = ss.read_schemas(FakeCursor([('time_zone_name', [{'db': b'shop', 'kind': 'schema', 'n': 1}])]))
    assert zones is False and schemas[0]['objects'] == 0


def test_read_missing_definers_decodes():
    cursor = FakeCursor([('mysql.user', [{'definer': b'app@10.0.%'}, {'definer': 'report@localhost'}])])
    assert ss.read_missing_definers(cursor) == ['app@10.0.%', 'report@localhost']
    sql, params = cursor.executed[0]
    for view in ('VIEWS', 'ROUTINES', 'TRIGGERS', 'EVENTS'):
        assert 'information_schema.%s' % view in sql
    assert params == list(ss.SYSTEM_SCHEMAS)
