# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.mysql_rds.replication.plugins.module_utils import cutover_freeze as cf
from ansible_collections.mysql_rds.replication.plugins.module_utils.cutover_timeline import Timeline
from ansible_collections.mysql_rds.replication.plugins.module_utils.errors import SqlError
from ansible_collections.mysql_rds.replication.tests.unit.plugins.fake_cursor import FakeCursor

CHANGES = ('SET GLOBAL', 'FLUSH', 'KILL', 'UNLOCK')


def source(read_only=0, writers=(0,), lock=None):
    """A source cursor; ``writers``: open writer transactions answered in turn (last one repeats)."""
    counts = list(writers)

    def writer_count(sql, params):
        return [{'n': counts.pop(0) if len(counts) > 1 else counts[0]}]
    answers = [('read_only AS ro', [{'ro': read_only}]), ('innodb_trx', writer_count),
               ('NOW(6)', [{'now': '2026-01-01 00:00:00.000001'}]), ('processlist', [{'id': 7}])]
    if lock is not None:
        answers.insert(0, ('FLUSH TABLES WITH READ LOCK', lock))
    return FakeCursor(answers)


def changes(cursor):
    return [sql for sql in cursor.statements if sql.startswith(CHANGES)]


class Clock(object):
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_start_sets_read_only_and_gives_writers_the_grace_period():
    clock = Clock()
    cursor = source(writers=(2, 1, 0))
    timeline = Timeline(clock=clock)
    freeze = cf.Freeze(cursor, timeline, sleep=clock.sleep, clock=clock)
    started = freeze.start(grace_period=2)
    assert started == 1000.0 and freeze.previous_read_only == 0
    assert changes(cursor) == ['SET GLOBAL read_only = ON']
    assert clock.now == pytest.approx(1000.1)  # two polls of 50 ms, then no writer left
    assert [step['step'] for step in timeline.steps] == ['freeze_read_only', 'writers_drained']
    assert timeline.steps[-1]['open_writer_transactions'] == 0


def test_start_stops_waiting_at_the_end_of_the_grace_period():
    clock = Clock()
    cursor = source(writers=(3,))
    timeline = Timeline(clock=clock)
    cf.Freeze(cursor, timeline, sleep=clock.sleep, clock=clock).start(grace_period=0.5)
    assert 1000.5 <= clock.now < 1000.6  # polls every 50 ms until the grace period is over
    assert timeline.steps[-1]['open_writer_transactions'] == 3


def test_lock_takes_the_global_read_lock_with_the_timeout():
    cursor = source()
    freeze = cf.Freeze(cursor, Timeline())
    assert freeze.lock(7) == 0 and freeze.locked
    assert cursor.statements[:2] == ['SET SESSION lock_wait_timeout = 7', 'FLUSH TABLES WITH READ LOCK']


def test_lock_kills_running_blockers_then_tries_once_more():
    attempts = []

    def lock(sql, params):
        attempts.append(sql)
        if len(attempts) == 1:
            raise SqlError('Lock wait timeout exceeded', errno=1205)
        return []
    cursor = source(lock=lock)
    timeline = Timeline()
    assert cf.Freeze(cursor, timeline).lock(5) == 1
    assert changes(cursor) == ['FLUSH TABLES WITH READ LOCK', 'KILL CONNECTION 7', 'FLUSH TABLES WITH READ LOCK']
    assert [sql for sql in cursor.statements if 'processlist' in sql][0].endswith("command <> 'Sleep'")
    assert timeline.steps[-1]['step'] == 'killed_lock_blockers'


def test_lock_fails_when_the_second_attempt_fails():
    cursor = source(lock=SqlError('Lock wait timeout exceeded', errno=1205))
    freeze = cf.Freeze(cursor, Timeline())
    with pytest.raises(SqlError):
        freeze.lock(5)
    assert not freeze.locked


@pytest.mark.parametrize('before, expected', [
    (0, ['SET GLOBAL read_only = ON', 'UNLOCK TABLES', 'SET GLOBAL read_only = OFF']),
    (1, ['SET GLOBAL read_only = ON', 'UNLOCK TABLES']),
])
def test_undo_gives_read_only_its_previous_value(before, expected):
    cursor = source(read_only=before)
    freeze = cf.Freeze(cursor, Timeline())
    freeze.start(grace_period=0)
    freeze.undo()
    assert changes(cursor) == expected


def test_undo_before_the_freeze_started_changes_nothing():
    cursor = source()
    cf.Freeze(cursor, Timeline()).undo()
    assert cursor.statements == []


def test_release_keeps_read_only_on():
    cursor = source()
    freeze = cf.Freeze(cursor, Timeline())
    freeze.start(grace_period=0)
    freeze.lock(5)
    freeze.release()
    freeze.release()  # only once
    assert changes(cursor) == ['SET GLOBAL read_only = ON', 'FLUSH TABLES WITH READ LOCK', 'UNLOCK TABLES']


def test_statements_go_through_execute_and_reads_do_not():
    cursor = source()
    recorded = []

    def execute(cur, sql, params=None):
        recorded.append(sql)
        return cur.execute(sql, params)
    freeze = cf.Freeze(cursor, Timeline(), execute=execute)
    freeze.start(grace_period=0)
    freeze.lock(5)
    assert freeze.server_clock() == '2026-01-01 00:00:00.000001'
    assert recorded == ['SET GLOBAL read_only = ON', 'FLUSH TABLES WITH READ LOCK']


def test_timeline_marks_steps_with_utc_time_and_elapsed_seconds():
    clock = Clock()
    timeline = Timeline(clock=clock)
    clock.sleep(1.25)
    assert timeline.mark('global_read_lock', sessions=2) == 1001.25
    step = timeline.steps[0]
    assert step['step'] == 'global_read_lock' and step['elapsed'] == 1.25 and step['sessions'] == 2
    assert step['at'] == '1970-01-01T00:16:41.250000Z'
