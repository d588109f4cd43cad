# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.mysql_rds.replication.plugins.modules import table_checksum as tc
from ansible_collections.mysql_rds.replication.plugins.module_utils.errors import SqlError
from ansible_collections.mysql_rds.replication.tests.unit.plugins.fake_cursor import FakeCursor


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
