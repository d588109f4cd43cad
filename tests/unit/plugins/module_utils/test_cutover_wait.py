# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.mysql_rds.replication.plugins.module_utils import cutover_wait as cw
from ansible_collections.mysql_rds.replication.plugins.module_utils.cutover_preflight import CutoverError


def status(file_name='mysql-bin.000003', position=1000, lag=0, **changes):
    row = dict(configured=True, io_running='Yes', sql_running='Yes', seconds_behind_source=lag,
               relay_source_log_file=file_name, exec_source_log_pos=position, last_io_errno=0, last_sql_errno=0)
    row.update(changes)
    return row


class Clock(object):
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


@pytest.mark.parametrize('executed, position, expected', [
    (dict(file='b.000003', position=900), dict(file='b.000003', position=1000), 100),
    (dict(file='b.000003', position=1000), dict(file='b.000003', position=1000), 0),
    (dict(file='b.000002', position=9000), dict(file='b.000003', position=10), None),
    (dict(file='', position=0), dict(file='b.000003', position=10), None),
])
def test_backlog_bytes(executed, position, expected):
    assert cw.backlog_bytes(executed, position) == expected


def wait_small(answers, polls, clock, **kwargs):
    return cw.wait_for_small_backlog(lambda: answers.pop(0), lambda: dict(file='mysql-bin.000003', position=1000000),
                                     65536, 5, kwargs.pop('timeout', 60), lambda: polls.append(1), clock=clock,
                                     sleep=clock.sleep, **kwargs)


def test_waits_until_the_backlog_is_small_and_steady_then_returns_it():
    clock = Clock()
    answers = [status('mysql-bin.000002', 5), status(position=0), status(position=99000), status(position=999000),
               status(position=998800)]
    polls = []
    assert wait_small(answers, polls, clock) == 1200 and len(polls) == 4 and not answers


def test_a_backlog_still_shrinking_under_the_limit_is_waited_for_until_it_stops():
    clock = Clock()
    # under the limit while RDS catches up after a lag: 60 KiB, then 20 KiB, 800, then in flight only
    answers = [status(position=940000), status(position=980000), status(position=999000), status(position=999100),
               status(position=999000), status(position=999)]
    polls = []
    assert wait_small(answers, polls, clock) == 1000 and len(polls) == 4 and len(answers) == 1


def test_no_backlog_freezes_at_once():
    clock = Clock()
    answers = [status(position=1000000), status(position=1)]
    polls = []
    assert wait_small(answers, polls, clock) == 0 and not polls and len(answers) == 1


def test_a_backlog_that_keeps_shrinking_is_waited_for_at_most_the_settle_time():
    clock = Clock()
    answers = [status(position=940000 + step) for step in range(0, 60000, 100)]
    polls = []
    backlog = wait_small(answers, polls, clock, settle=1.0)
    assert 101.0 <= clock.now < 101.06 and backlog == 60000 - 100 * len(polls)


def test_a_shrinking_backlog_never_keeps_the_freeze_past_the_deadline():
    clock = Clock()
    answers = [status(position=940000 + step) for step in range(0, 60000, 100)]
    polls = []
    assert wait_small(answers, polls, clock, timeout=0.2) == 60000 - 100 * len(polls)
    assert 100.2 <= clock.now < 100.26


def test_a_backlog_that_grows_over_the_limit_again_starts_the_wait_anew():
    clock = Clock()
    answers = [status(position=990000), status(position=900000), status(position=995000), status(position=996000),
               status(position=995500)]
    polls = []
    assert wait_small(answers, polls, clock) == 4500 and len(polls) == 4 and not answers


def test_a_small_backlog_with_a_large_lag_still_waits():
    clock = Clock()
    with pytest.raises(CutoverError) as err:
        cw.wait_for_small_backlog(lambda: status(position=1000, lag=30), lambda: dict(file='mysql-bin.000003', position=1000),
                                  65536, 5, 1, lambda: None, clock=clock, sleep=clock.sleep)
    assert 'max_backlog_bytes=65536' in str(err.value) and 'nothing was changed' in str(err.value)


def test_the_backlog_wait_fails_at_its_deadline_naming_a_file_behind():
    clock = Clock()
    with pytest.raises(CutoverError) as err:
        cw.wait_for_small_backlog(lambda: status('mysql-bin.000001', 5), lambda: dict(file='mysql-bin.000003', position=9),
                                  65536, 5, 2, lambda: None, clock=clock, sleep=clock.sleep)
    assert 'at least one binlog file' in str(err.value)
    assert clock.now >= 102


def test_the_backlog_wait_fails_at_once_on_broken_replication():
    with pytest.raises(CutoverError) as err:
        cw.wait_for_small_backlog(lambda: status(sql_running='No', last_sql_errno=1062, last_sql_error='Duplicate'),
                                  lambda: dict(file='mysql-bin.000003', position=9), 65536, 5, 60, lambda: None)
    assert '1062' in str(err.value)


class Connection(object):
    _read_timeout = _write_timeout = None


class Cursor(object):
    def __init__(self):
        self.connection = Connection()


def test_the_final_wait_gives_each_read_of_rds_only_the_time_left(monkeypatch):
    clock = Clock()
    cursor = Cursor()
    seen = []

    def read():
        seen.append(cursor.connection._read_timeout)
        clock.now += 4
        return status()

    def wait(read_status, timeout, **kwargs):
        seen.append(('timeout', timeout))
        read_status()
        read_status()
        kwargs['on_poll']({}, 0)
        return 'caught up'
    monkeypatch.setattr(cw, 'wait_until_caught_up', wait)
    polls = []
    assert cw.wait_for_final(read, cursor, dict(file='f', position=1), 110.0, lambda: polls.append(1),
                             clock=clock) == 'caught up'
    assert seen == [('timeout', 10.0), 11.0, 7.0] and polls == [1]


def test_limit_skips_cursors_without_a_connection():
    cw.limit(object(), 3)
    cursor = Cursor()
    cw.limit(cursor, None)
    assert cursor.connection._read_timeout is None
