# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.mysql_rds.replication.plugins.modules import table_checksum as tc
from ansible_collections.mysql_rds.replication.plugins.module_utils.errors import SqlError


class FakeCursor(object):
    """Answers queries by the first matching substring; records every statement."""

    def __init__(self, answers):
        self.answers = answers
        self.executed = []
        self.description = None
        self._rows = []

    def execute(self, sql, params=None):
        self.executed.append((sql, params))
        for needle, rows in self.answers:
            if needle in sql:
                if isinstance(rows, Exception):
                    raise rows
                self._rows = rows(sql, params) if callable(rows) else rows
                self.description = [('x',)] if self._rows is not None else None
                return
        self._rows, self.description = [], None

    def fetchall(self):
        return self._rows

    def nextset(self):
        return None


def test_quote_identifier_doubles_backquotes():
    assert tc.quote_identifier('a`b') == '`a``b`'


def test_row_hash_marks_nulls_and_casts_every_column():
    expr = tc.row_hash_expression(['id', 'name'])
    assert expr == ("MD5(CONCAT_WS('#', CAST(`id` AS BINARY), CAST(`name` AS BINARY), "
                    "CONCAT(ISNULL(`id`), ISNULL(`name`))))")


def test_checksum_query_reads_the_table_once():
    sql = tc.checksum_query('shop', 'order`s', ['id'])
    assert 'FROM `shop`.`order``s`' in sql
    assert 'COUNT(*)' in sql and 'BIT_XOR' in sql and 'SUM(' in sql


def test_default_databases_skip_system_and_loadgen():
    schemas = ['mysql', 'information_schema', 'performance_schema', 'sys', 'loadgen', 'shop', 'app']
    assert tc.select_databases(schemas, [], ['loadgen']) == ['app', 'shop']


def test_listed_databases_win_over_exclusions():
    assert tc.select_databases(['loadgen', 'shop'], ['loadgen'], ['loadgen']) == ['loadgen']


def _server(snapshot_rows=None, sums=None):
    sums = sums or {}

    def checksum(sql, params):
        for name, (count, xor_part, sum_part) in sums.items():
            if name in sql:
                return [{'row_count': count, 'xor_part': xor_part, 'sum_part': sum_part}]
        raise AssertionError(sql)

    return FakeCursor([
        ('binlog_snapshot_', snapshot_rows if snapshot_rows is not None else []),
        ('BINLOG_GTID_POS', [{'gtid': '0-13301-42'}]),
        ('information_schema.SCHEMATA', [{'name': n} for n in ('mysql', 'sys', 'loadgen', 'shop')]),
        ('information_schema.TABLES', lambda sql, params: [
            {'db': 'shop', 'tbl': 'items', 'engine': 'InnoDB'},
            {'db': 'shop', 'tbl': 'log', 'engine': 'MyISAM'}] if params == ['shop'] else []),
        ('information_schema.COLUMNS', [{'col': 'id'}, {'col': 'v'}]),
        ('AS row_count', checksum),
    ])


def test_collect_without_snapshot():
    cursor = _server(sums={'`items`': (3, 11, 22), '`log`': (0, 0, 0)})
    result = tc.collect(cursor, [], ['loadgen'], snapshot=False)
    assert result['changed'] is False
    assert result['databases'] == ['shop']
    assert result['tables']['shop.items'] == {'rows': 3, 'checksum': '11-22', 'engine': 'InnoDB',
                                              'transactional': True}
    assert result['tables']['shop.log']['transactional'] is False
    assert result['table_count'] == 2 and result['total_rows'] == 3
    assert 'snapshot' not in result
    assert not any('TRANSACTION' in item[0] for item in cursor.executed)


def test_collect_with_snapshot_reads_inside_one_transaction():
    cursor = _server(snapshot_rows=[{'Variable_name': 'Binlog_snapshot_file', 'Value': 'bin.000007'},
                                    {'Variable_name': 'Binlog_snapshot_position', 'Value': '1234'}],
                     sums={'`items`': (1, 5, 6), '`log`': (0, 0, 0)})
    result = tc.collect(cursor, ['shop'], [], snapshot=True)
    assert result['snapshot'] == {'file': 'bin.000007', 'position': 1234, 'gtid': '0-13301-42'}
    statements = [item[0] for item in cursor.executed]
    start = statements.index('START TRANSACTION WITH CONSISTENT SNAPSHOT')
    first_sum = min(i for i, sql in enumerate(statements) if 'AS row_count' in sql)
    assert start < first_sum < statements.index('COMMIT')


def test_snapshot_without_binlog_names_the_fix():
    cursor = _server(snapshot_rows=[])
    with pytest.raises(SqlError) as err:
        tc.collect(cursor, ['shop'], [], snapshot=True)
    assert 'log_bin' in err.value.message


def test_compare_lists_equal_and_different_tables():
    mine = {'a.t': {'rows': 2, 'checksum': '1-2'}, 'a.u': {'rows': 3, 'checksum': '5-6'},
            'a.only_here': {'rows': 1, 'checksum': '0-0'}}
    other = {'a.t': {'rows': 2, 'checksum': '1-2'}, 'a.u': {'rows': 3, 'checksum': '5-7'},
             'a.only_there': {'rows': 4, 'checksum': '0-0'}}
    equal, different = tc.compare(mine, other)
    assert equal == ['a.t']
    assert different == [
        {'table': 'a.only_here', 'rows': 1, 'compare_rows': None},
        {'table': 'a.only_there', 'rows': None, 'compare_rows': 4},
        {'table': 'a.u', 'rows': 3, 'compare_rows': 3},
    ]
