from __future__ import absolute_import, division, print_function
__metaclass__ = type

import sys
import threading

import pytest

from ansible_collections.mysql_rds.replication.plugins.module_utils import parallel_copy as pc
from ansible_collections.mysql_rds.replication.plugins.module_utils.dump_filter import DumpFilter

TABLES = [('shop', 'orders', 900), ('shop', 'items', 500), ('shop', 'users', 400), ('crm', 'notes', 100),
          ('crm', 'empty', 0)]


def test_assign_balances_by_size_biggest_first():
    groups = pc.assign(TABLES, 2)
    # 900 | 500 -> 900 | 900 (+400) -> 1000 (+100) | 900 -> 1000 | 900 (+0)
    assert groups == [[('crm', 'notes'), ('shop', 'orders')], [('crm', 'empty'), ('shop', 'items'), ('shop', 'users')]]


def test_assign_never_returns_empty_groups():
    assert pc.assign(TABLES[:2], 8) == [[('shop', 'orders')], [('shop', 'items')]]
    assert pc.assign([], 4) == []


def test_ignore_options_leave_out_the_other_groups_tables():
    assert pc.ignore_options(TABLES, [('shop', 'orders'), ('crm', 'notes')]) == [
        '--ignore-table=shop.items', '--ignore-table=shop.users', '--ignore-table=crm.empty']


def test_lock_statement_quotes_names():
    assert pc.lock_statement([('a`b', 't', 1), ('c', 'd', 2)]) == 'LOCK TABLES `a``b`.`t` READ, `c`.`d` READ'


def test_tables_sql_has_one_placeholder_per_schema():
    sql = pc.tables_sql(['a', 'b'])
    assert sql.count('%s') == 2 and "'BASE TABLE'" in sql and "'VIEW'" not in sql


def test_earliest_coordinates():
    coords = [dict(file='bin.000002', position=4, gtid='0-1-9'), dict(file='bin.000001', position=900, gtid='0-1-7'),
              dict(file='bin.000001', position=120, gtid='0-1-5')]
    assert pc.earliest(coords) == dict(file='bin.000001', position=120, gtid='0-1-5')
    assert pc.earliest([dict(file=None, position=None, gtid='')]) is None
    past_six_digits = [dict(file='bin.1000000', position=4), dict(file='bin.999999', position=900)]
    assert pc.earliest(past_six_digits)['file'] == 'bin.999999'


def test_part_paths():
    expected = {'schema': '/d/copy.schema.sql', 'data-1': '/d/copy.data-1.sql'}
    assert pc.part_paths('/d/copy.sql', ['schema', 'data-1']) == expected
    assert pc.part_paths(None, ['schema']) == {'schema': None}


HEADER = b"-- CHANGE MASTER TO MASTER_LOG_FILE='bin.000003', MASTER_LOG_POS=77;\n"


def python(code):
    return [sys.executable, '-c', code]


def stream(name, producer, filter_=None):
    return pc.Stream(name, python(producer), python('import sys; sys.stdin.buffer.read()'), filter_ or DumpFilter())


def test_the_lock_is_released_once_every_snapshot_is_open_and_before_the_rows_end():
    # each producer writes its header, then waits for the lock's release before it writes rows
    gate = threading.Event()
    released = []

    def release():
        released.append(True)
        gate.set()

    producer = ('import sys, time; sys.stdout.buffer.write(%r); sys.stdout.flush(); time.sleep(0.5); '
                'sys.stdout.buffer.write(b"INSERT INTO t VALUES (1);\\n")' % HEADER)
    streams = [stream('data stream %d' % index, producer) for index in (1, 2)]
    held = pc.run_streams(streams, release=release, open_timeout=20)
    assert released == [True] and 0 <= held < 0.5
    assert all(s.result.producer_rc == 0 and s.result.consumer_rc == 0 for s in streams)
    assert all(s.dump_filter.coordinates['position'] == 77 for s in streams)


def test_without_coordinates_the_first_body_line_opens_the_snapshot():
    # read_coordinates=false: the header has no position, the body's first comment says the snapshot is open
    gate = threading.Event()
    producer = ('import sys, time; sys.stdout.buffer.write(b"-- MariaDB dump\\n--\\n-- Current Database: `x`\\n"); '
                'sys.stdout.flush(); time.sleep(0.5); sys.stdout.buffer.write(b"INSERT INTO t VALUES (1);\\n")')
    streams = [stream('data stream 1', producer)]
    held = pc.run_streams(streams, release=gate.set, open_timeout=20)
    assert gate.is_set() and 0 <= held < 0.5
    assert streams[0].dump_filter.coordinates['file'] is None and streams[0].result.written > 0


def test_a_snapshot_that_does_not_open_ends_every_stream_and_releases_the_lock():
    released = []
    slow = stream('data stream 2', 'import time; time.sleep(30)')
    fast = stream('data stream 1', 'import sys, time; sys.stdout.buffer.write(%r); sys.stdout.flush(); time.sleep(30)' % HEADER)
    with pytest.raises(pc.SnapshotOpenTimeout, match='data stream 2'):
        pc.run_streams([fast, slow], release=lambda: released.append(True), open_timeout=0.5)
    assert released == [True]
    assert not fast.is_alive() and not slow.is_alive()


def test_a_dump_that_fails_before_its_header_still_releases():
    failed = stream('data stream 1', 'import sys; sys.stderr.write("Access denied"); sys.exit(2)')
    released = []
    pc.run_streams([failed], release=lambda: released.append(True), open_timeout=20)
    assert released == [True] and failed.result.producer_rc == 2 and 'Access denied' in failed.result.producer_stderr


KEYS = {('shop', 'orders'): 'id', ('shop', 'items'): 'id'}


def test_integer_keys_keep_one_column_integer_primary_keys():
    rows = [dict(db='a', tbl='t', col='id', columns=1, type='bigint'), dict(db='a', tbl='u', col='x', columns=2, type='int'),
            dict(db='a', tbl='v', col='code', columns=1, type='varchar')]
    assert pc.integer_keys(rows) == {('a', 't'): 'id'}
    assert pc.integer_keys_sql(['a', 'b']).count('%s') == 2


def test_plan_splits_a_dominant_table_by_key_ranges_and_keeps_a_stream_for_the_others():
    tables = [('shop', 'orders', 9000), ('shop', 'items', 500), ('shop', 'users', 500)]
    chunked, groups = pc.plan(tables, KEYS, 4)
    assert chunked == [('shop', 'orders', 'id', 3)]
    assert groups == [[('shop', 'items'), ('shop', 'users')]]


def test_plan_without_a_usable_key_or_with_balanced_tables_only_groups():
    tables = [('shop', 'orders', 9000), ('shop', 'users', 500)]
    assert pc.plan(tables, {}, 4) == ([], [[('shop', 'orders')], [('shop', 'users')]])
    balanced = [('shop', 'orders', 500), ('shop', 'items', 500)]
    assert pc.plan(balanced, KEYS, 2) == ([], [[('shop', 'items')], [('shop', 'orders')]])


def test_plan_a_single_table_gets_every_stream():
    assert pc.plan([('shop', 'orders', 9000)], KEYS, 4) == ([('shop', 'orders', 'id', 4)], [])


def test_bounds_cover_everything_with_open_ends():
    assert pc.bounds(1, 100, 4) == [(None, 26), (26, 51), (51, 76), (76, None)]
    assert pc.bounds(5, 6, 4) == [(None, 6), (6, None)]
    assert pc.bounds(7, 7, 3) == [(None, None)]


def test_where_quotes_the_column():
    assert pc.where('i`d', None, 26) == '`i``d` < 26'
    assert pc.where('id', 26, 51) == '`id` >= 26 AND `id` < 51'
    assert pc.where('id', None, None) == '1=1'


# ------------------------------------------------------------------ direct streams (no Python in the data path)
def direct(name, producer, consumer='import sys; n = len(sys.stdin.buffer.read()); sys.stderr.write(str(n))'):
    return pc.Stream(name, python(producer), python(consumer), DumpFilter(), direct=True)


def test_a_direct_stream_opens_on_its_header_and_its_rows_reach_the_loader_untouched():
    gate = threading.Event()
    row = b'INSERT INTO t VALUES (1, "DEFINER=`x`@`%`");\n'
    producer = ('import sys, time; sys.stdout.buffer.write(%r); sys.stdout.flush(); time.sleep(0.5); '
                'sys.stdout.buffer.write(%r * 1000)' % (HEADER, row))
    streams = [direct('data stream 1', producer)]
    held = pc.run_streams(streams, release=gate.set, open_timeout=20)
    result = streams[0].result
    assert gate.is_set() and 0 <= held < 0.5 and streams[0].direct
    assert streams[0].dump_filter.coordinates['position'] == 77
    # the loader read every byte the dump wrote, the DEFINER inside the rows included
    assert (result.producer_rc, result.consumer_rc) == (0, 0)
    assert result.consumer_stderr == str(len(HEADER) + len(row) * 1000)
    assert result.written == len(HEADER) + len(row) * 1000 and streams[0].dump_filter.definers == 0


def test_a_direct_stream_whose_header_holds_a_super_statement_goes_through_the_filter():
    header = HEADER + b'SET @@SESSION.SQL_LOG_BIN= 0;\n-- Dumping data for table `t`\n'
    producer = 'import sys; sys.stdout.buffer.write(%r + b"INSERT INTO t VALUES (1);\\n")' % header
    consumer = 'import sys; sys.stderr.buffer.write(sys.stdin.buffer.read())'
    streams = [direct('data stream 1', producer, consumer)]
    pc.run_streams(streams, release=lambda: None, open_timeout=20)
    assert not streams[0].direct and streams[0].dump_filter.dropped
    assert b'SQL_LOG_BIN' not in streams[0].result.consumer_stderr.encode()
    assert 'INSERT INTO t VALUES (1);' in streams[0].result.consumer_stderr


def test_a_direct_dump_that_fails_before_its_header_still_releases():
    failed = direct('data stream 1', 'import sys; sys.stderr.write("Access denied"); sys.exit(2)')
    released = []
    pc.run_streams([failed], release=lambda: released.append(True), open_timeout=20)
    assert released == [True] and failed.result.producer_rc == 2 and 'Access denied' in failed.result.producer_stderr


def test_a_direct_stream_whose_start_fills_the_socket_buffer_goes_through_without_a_body_line():
    # no header, no body line: 2 MB of lines that never end (the socket fills); the loader still gets it all
    producer = 'import sys; sys.stdout.buffer.write(b"x" * 99 + b"\\n" * 1) ; sys.stdout.buffer.write((b"y" * 99 + b"\\n") * 20000)'
    streams = [direct('data stream 1', producer)]
    pc.run_streams(streams, release=lambda: None, open_timeout=20)
    assert streams[0].direct and streams[0].result.consumer_stderr == str(100 * 20001)
