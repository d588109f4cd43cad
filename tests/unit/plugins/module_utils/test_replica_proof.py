# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import threading
import time

import pytest

from ansible_collections.mysql_rds.replication.plugins.module_utils import replica_proof as rp
from ansible_collections.mysql_rds.replication.plugins.module_utils.errors import SqlError
from ansible_collections.mysql_rds.replication.plugins.modules import table_checksum as tc
from ansible_collections.mysql_rds.replication.tests.unit.plugins.fake_cursor import FakeCursor

SNAPSHOT = [{'Variable_name': 'Binlog_snapshot_file', 'Value': 'bin.000007'},
            {'Variable_name': 'Binlog_snapshot_position', 'Value': '1234'}]
UNTIL = 'START SLAVE SQL_THREAD UNTIL MASTER_LOG_FILE = bin.000007, MASTER_LOG_POS = 1234'


def _status(running, log_file='bin.000007', pos=1234, errno=0, io='Yes', source_id=13301):
    return {'Master_Host': 'rds', 'Slave_IO_Running': io, 'Slave_SQL_Running': running,
            'Relay_Master_Log_File': log_file, 'Exec_Master_Log_Pos': pos, 'Master_Server_Id': source_id,
            'Last_SQL_Errno': errno, 'Last_SQL_Error': 'Duplicate entry' if errno else ''}


def _server(sums, statuses=None, version='10.11.6-MariaDB', server_id=13301):
    """A server; ``statuses`` are the successive replica status rows it answers (the last one repeats)."""
    statuses = list(statuses or [])

    def checksum(sql, params):
        for name, (count, xor_part, sum_part) in sums.items():
            if name in sql:
                return [{'row_count': count, 'xor_part': xor_part, 'sum_part': sum_part}]
        raise AssertionError(sql)

    return FakeCursor([
        ('binlog_snapshot_', SNAPSHOT),
        ('BINLOG_GTID_POS', [{'gtid': '0-1-42'}]),
        ('VERSION()', [{'version': version, 'comment': 'Debian'}]),
        ('@@global.server_id', [{'id': server_id}]),
        ('SHOW SLAVE STATUS', lambda sql, params: [statuses.pop(0) if len(statuses) > 1 else statuses[0]]
         if statuses else []),
        ('information_schema.SCHEMATA', [{'name': n} for n in ('mysql', 'loadgen', 'shop')]),
        ('information_schema.TABLES', lambda sql, params: [
            {'db': 'shop', 'tbl': 'items', 'engine': 'InnoDB'}] if params == ['shop'] else []),
        ('information_schema.COLUMNS', [{'col': 'id'}]),
        ('AS row_count', checksum),
    ])


def _replica(sums, statuses):
    cursor = _server(sums, statuses)
    return cursor, rp.ReplicaPause(cursor, sleep=lambda _s: None)


def _replication_statements(cursor):
    return [sql for sql in cursor.statements if sql.startswith(('START', 'STOP'))]


def test_running_replica_is_paused_before_the_snapshot_and_resumed():
    source = _server({'`items`': (3, 11, 22)})
    # found running; status after the pause; the UNTIL run (running, then stopped there); restore check
    replica_cursor, replica = _replica({'`items`': (3, 11, 22)}, [
        _status('Yes'), _status('Yes', pos=900), _status('No'), _status('No')])
    result = tc.collect_with_replica(source, replica, [], ['loadgen'], timeout=30)
    assert result['changed'] is False
    assert result['snapshot']['position'] == 1234
    assert result['databases'] == ['shop'] and result['total_rows'] == 3
    side = result['replica']
    assert side['equal'] == ['shop.items'] and side['different'] == []
    assert side['stopped_at'] == {'file': 'bin.000007', 'position': 1234}
    assert _replication_statements(replica_cursor) == ['STOP SLAVE SQL_THREAD', UNTIL, 'START SLAVE SQL_THREAD']
    assert result['queries'] == ['STOP SLAVE SQL_THREAD', "START SLAVE SQL_THREAD UNTIL MASTER_LOG_FILE = "
                                 "'bin.000007', MASTER_LOG_POS = 1234", 'START SLAVE SQL_THREAD']
    statements = replica_cursor.statements
    assert statements.index(UNTIL) < min(i for i, sql in enumerate(statements) if 'AS row_count' in sql)
    source_sql = [item[0] for item in source.executed]
    assert source_sql.index('START TRANSACTION WITH CONSISTENT SNAPSHOT') < source_sql.index('COMMIT')


def test_pause_happens_before_the_source_snapshot_opens():
    order = []
    source = _server({'`items`': (3, 11, 22)})
    replica_cursor, replica = _replica({'`items`': (3, 11, 22)}, [_status('Yes'), _status('No')])
    source_execute, replica_execute = source.execute, replica_cursor.execute
    source.execute = lambda sql, params=None: order.append(('source', sql)) or source_execute(sql, params)
    replica_cursor.execute = lambda sql, params=None: order.append(('replica', sql)) or replica_execute(sql, params)
    tc.collect_with_replica(source, replica, ['shop'], [], timeout=30)
    assert order.index(('replica', 'STOP SLAVE SQL_THREAD')) < order.index(
        ('source', 'START TRANSACTION WITH CONSISTENT SNAPSHOT'))


def test_stopped_applier_is_left_stopped():
    source = _server({'`items`': (3, 11, 22)})
    replica_cursor, replica = _replica({'`items`': (3, 11, 22)}, [_status('No')])
    result = tc.collect_with_replica(source, replica, ['shop'], [], timeout=30)
    assert result['replica']['equal'] == ['shop.items']
    assert _replication_statements(replica_cursor) == [UNTIL]


def test_stopped_receiver_is_started_for_the_proof_and_stopped_again():
    source = _server({'`items`': (3, 11, 22)})
    replica_cursor, replica = _replica({'`items`': (3, 11, 22)}, [_status('No', io='No'), _status('No')])
    tc.collect_with_replica(source, replica, ['shop'], [], timeout=30)
    assert _replication_statements(replica_cursor) == ['START SLAVE IO_THREAD', UNTIL, 'STOP SLAVE IO_THREAD']


def test_different_rows_are_reported():
    source = _server({'`items`': (3, 11, 22)})
    _cursor, replica = _replica({'`items`': (2, 11, 20)}, [_status('No')])
    side = tc.collect_with_replica(source, replica, ['shop'], [], timeout=30)['replica']
    assert side['equal'] == []
    assert side['different'] == [{'table': 'shop.items', 'rows': 2, 'compare_rows': 3}]


@pytest.mark.parametrize('status, words', [
    (_status('No', errno=1062), 'Duplicate entry'),
    (_status('No', pos=1000), 'bin.000007:1000 instead of bin.000007:1234'),
])
def test_replica_stopping_elsewhere_fails_and_is_restored(status, words):
    source = _server({'`items`': (3, 11, 22)})
    replica_cursor, replica = _replica({'`items`': (3, 11, 22)}, [_status('Yes'), status])
    with pytest.raises(SqlError) as caught:
        tc.collect_with_replica(source, replica, ['shop'], [], timeout=30)
    assert words in caught.value.message
    assert _replication_statements(replica_cursor)[-1] == 'START SLAVE SQL_THREAD'


def test_replica_that_never_reaches_the_position_times_out_and_is_restored():
    clock = iter([0, 1, 2, 100])
    replica_cursor = _server({}, [_status('Yes', pos=10)])
    replica = rp.ReplicaPause(replica_cursor, sleep=lambda _s: None, clock=lambda: next(clock))
    replica.pause()
    with pytest.raises(SqlError) as caught:
        replica.apply_until({'file': 'bin.000007', 'position': 1234}, 5)
    assert 'within 5s' in caught.value.message
    replica.restore()
    # still running towards the position: stopped, then started without UNTIL as it was found
    assert _replication_statements(replica_cursor) == [
        'STOP SLAVE SQL_THREAD', UNTIL, 'STOP SLAVE SQL_THREAD', 'START SLAVE SQL_THREAD']


def test_source_error_is_raised_after_the_replica_side():
    source = _server({})
    _cursor, replica = _replica({'`items`': (3, 11, 22)}, [_status('No')])
    with pytest.raises(SqlError) as caught:
        tc.collect_with_replica(source, replica, ['shop'], [], timeout=30)
    assert '`shop`.`items`' in caught.value.message


def test_a_server_without_source_is_refused_before_anything_runs():
    source = _server({'`items`': (3, 11, 22)})
    replica_cursor, replica = _replica({}, [])
    with pytest.raises(SqlError, match='no source configured'):
        tc.collect_with_replica(source, replica, ['shop'], [], timeout=30)
    assert _replication_statements(replica_cursor) == []
    assert not any('SNAPSHOT' in sql for sql in source.statements)


def test_a_replica_of_another_server_is_refused():
    source = _server({'`items`': (3, 11, 22)}, server_id=99)
    replica_cursor, replica = _replica({}, [_status('Yes', source_id=13301)])
    with pytest.raises(SqlError, match='server_id 13301, not from this server'):
        tc.collect_with_replica(source, replica, ['shop'], [], timeout=30)
    assert _replication_statements(replica_cursor) == []


def test_restore_error_is_kept_when_quiet():
    replica_cursor = _server({}, [_status('Yes')])
    replica = rp.ReplicaPause(replica_cursor)
    replica.pause()
    replica_cursor.answers.insert(0, ('START SLAVE SQL_THREAD', SqlError('(1227) denied')))
    replica.restore(quiet=True)
    assert 'START SLAVE SQL_THREAD failed' in replica.restore_error and '(1227) denied' in replica.restore_error
    with pytest.raises(SqlError):
        replica.restore()


def test_mysql_84_words_come_from_the_dialect():
    replica_cursor = FakeCursor([
        ('VERSION()', [{'version': '8.4.3', 'comment': 'MySQL Community Server - GPL'}]),
        ('@@aurora_version', SqlError('unknown', errno=1193)),
        ('SHOW REPLICA STATUS', [{'Source_Host': 'db1', 'Replica_IO_Running': 'Yes', 'Replica_SQL_Running': 'Yes',
                                  'Relay_Source_Log_File': 'bin.000007', 'Exec_Source_Log_Pos': 1234}]),
    ])
    replica = rp.ReplicaPause(replica_cursor)
    replica.pause()
    assert replica.queries == ['STOP REPLICA SQL_THREAD']


def test_read_live_reads_both_servers_as_they_are():
    source = _server({'`items`': (3, 11, 22)})
    replica = _server({'`items`': (2, 11, 21)}, [_status('Yes')])
    source_tables, result = rp.read_live(source, replica, ['shop'])
    assert source_tables['shop.items']['rows'] == 3 and result['tables']['shop.items']['rows'] == 2
    assert result['equal'] == [] and result['different'] == [{'table': 'shop.items', 'rows': 2, 'compare_rows': 3}]
    assert 'stopped_at' not in result and result['databases'] == ['shop']
    for cursor in (source, replica):  # nothing paused, no snapshot
        assert not _replication_statements(cursor)
        assert not any('TRANSACTION' in sql or 'SLAVE STATUS' in sql for sql in cursor.statements)


def test_read_both_runs_the_two_sides_at_the_same_time():
    both_started = threading.Barrier(2, timeout=5)  # fails unless the other side runs meanwhile
    assert rp.read_both(lambda: (both_started.wait(), 'source')[1],
                        lambda: (both_started.wait(), 'replica')[1]) == ('source', 'replica')


def test_read_both_joins_the_source_side_before_raising_its_error():
    finished = threading.Event()

    def source_side():
        finished.wait(5)
        raise SqlError('source failed')

    def replica_side():
        finished.set()
        return 'replica'

    with pytest.raises(SqlError, match='source failed'):
        rp.read_both(source_side, replica_side)


def test_read_both_raises_the_replica_error_after_joining_the_source_side():
    source_done = threading.Event()

    def source_side():
        time.sleep(0.2)
        source_done.set()
        return 'source'

    def replica_side():
        raise SqlError('replica failed')

    with pytest.raises(SqlError, match='replica failed'):
        rp.read_both(source_side, replica_side)
    assert source_done.is_set()
