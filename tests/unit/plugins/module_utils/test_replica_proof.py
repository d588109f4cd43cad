# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.mysql_rds.replication.plugins.module_utils import replica_proof as rp
from ansible_collections.mysql_rds.replication.plugins.module_utils.dialect import Dialect
from ansible_collections.mysql_rds.replication.plugins.module_utils.errors import SqlError
from ansible_collections.mysql_rds.replication.plugins.modules import table_checksum as tc
from ansible_collections.mysql_rds.replication.tests.unit.plugins.fake_cursor import FakeCursor

SNAPSHOT = [{'Variable_name': 'Binlog_snapshot_file', 'Value': 'bin.000007'},
            {'Variable_name': 'Binlog_snapshot_position', 'Value': '1234'}]


def _status(running, log_file='bin.000007', pos=1234, errno=0):
    return {'Master_Host': 'rds', 'Slave_IO_Running': 'Yes', 'Slave_SQL_Running': running,
            'Relay_Master_Log_File': log_file, 'Exec_Master_Log_Pos': pos,
            'Last_SQL_Errno': errno, 'Last_SQL_Error': 'Duplicate entry' if errno else ''}


def _server(sums, statuses=None):
    """A MariaDB server; ``statuses`` are the successive SHOW SLAVE STATUS rows it answers."""
    statuses = list(statuses or [])

    def checksum(sql, params):
        for name, (count, xor_part, sum_part) in sums.items():
            if name in sql:
                return [{'row_count': count, 'xor_part': xor_part, 'sum_part': sum_part}]
        raise AssertionError(sql)

    return FakeCursor([
        ('binlog_snapshot_', SNAPSHOT),
        ('BINLOG_GTID_POS', [{'gtid': '0-1-42'}]),
        ('VERSION()', [{'version': '10.11.6-MariaDB', 'comment': 'Debian'}]),
        ('SHOW SLAVE STATUS', lambda sql, params: [statuses.pop(0) if len(statuses) > 1 else statuses[0]]),
        ('information_schema.SCHEMATA', [{'name': n} for n in ('mysql', 'loadgen', 'shop')]),
        ('information_schema.TABLES', lambda sql, params: [
            {'db': 'shop', 'tbl': 'items', 'engine': 'InnoDB'}] if params == ['shop'] else []),
        ('information_schema.COLUMNS', [{'col': 'id'}]),
        ('AS row_count', checksum),
    ])


def test_until_statement_in_each_dialect():
    mariadb = Dialect.from_server('10.11.6-MariaDB')
    mysql84 = Dialect.from_server('8.4.3')
    assert rp.until_statement(mariadb, 'bin.000007', '1234') == (
        'START SLAVE SQL_THREAD UNTIL MASTER_LOG_FILE = %s, MASTER_LOG_POS = %s', ['bin.000007', 1234])
    assert rp.until_statement(mysql84, 'bin.1', 5)[0] == \
        'START REPLICA SQL_THREAD UNTIL SOURCE_LOG_FILE = %s, SOURCE_LOG_POS = %s'


def test_replica_checksummed_at_the_snapshot_position_while_source_is_read():
    source = _server({'`items`': (3, 11, 22)})
    replica = _server({'`items`': (3, 11, 22)}, [_status('Yes', pos=900), _status('No')])
    result = tc.collect_with_replica(source, replica, [], ['loadgen'], timeout=30)
    assert result['snapshot']['position'] == 1234
    assert result['databases'] == ['shop'] and result['total_rows'] == 3
    side = result['replica']
    assert side['equal'] == ['shop.items'] and side['different'] == []
    assert side['stopped_at'] == {'file': 'bin.000007', 'position': 1234}
    statements = replica.statements
    until = statements.index('START SLAVE SQL_THREAD UNTIL MASTER_LOG_FILE = bin.000007, MASTER_LOG_POS = 1234')
    assert until < min(i for i, sql in enumerate(statements) if 'AS row_count' in sql)
    source_sql = [item[0] for item in source.executed]
    assert source_sql.index('START TRANSACTION WITH CONSISTENT SNAPSHOT') < source_sql.index('COMMIT')


def test_different_rows_are_reported():
    source = _server({'`items`': (3, 11, 22)})
    replica = _server({'`items`': (2, 11, 20)}, [_status('No')])
    side = tc.collect_with_replica(source, replica, ['shop'], [], timeout=30)['replica']
    assert side['equal'] == []
    assert side['different'] == [{'table': 'shop.items', 'rows': 2, 'compare_rows': 3}]


@pytest.mark.parametrize('status, words', [
    (_status('No', errno=1062), 'Duplicate entry'),
    (_status('No', pos=1000), 'bin.000007:1000 instead of bin.000007:1234'),
])
def test_replica_stopping_elsewhere_fails(status, words):
    source = _server({'`items`': (3, 11, 22)})
    replica = _server({'`items`': (3, 11, 22)}, [status])
    with pytest.raises(SqlError) as caught:
        tc.collect_with_replica(source, replica, ['shop'], [], timeout=30)
    assert words in caught.value.message


def test_replica_that_never_reaches_the_position_times_out():
    clock = iter([0, 1, 2, 100])
    replica = _server({}, [_status('Yes', pos=10)])
    with pytest.raises(SqlError) as caught:
        rp.apply_until(replica, {'file': 'bin.000007', 'position': 1234}, 5,
                       sleep=lambda _s: None, clock=lambda: next(clock))
    assert 'within 5s' in caught.value.message


def test_source_error_is_raised_after_the_replica_side():
    source = _server({})
    replica = _server({'`items`': (3, 11, 22)}, [_status('No')])
    with pytest.raises(SqlError) as caught:
        tc.collect_with_replica(source, replica, ['shop'], [], timeout=30)
    assert '`shop`.`items`' in caught.value.message
