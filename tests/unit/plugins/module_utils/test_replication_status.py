# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.mysql_rds.replication.plugins.module_utils.dialect import normalize_status
from ansible_collections.mysql_rds.replication.plugins.module_utils.replication_status import (
    ReplicationWaitError, check_started, reached, run_state, wait_until_caught_up)

from ansible_collections.mysql_rds.replication.tests.unit.plugins.module_utils.status_rows import (
    MARIADB1011_SLAVE_STATUS, MYSQL80_REPLICA_STATUS, MYSQL84_REPLICA_STATUS_BROKEN)


class Clock(object):
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def reader(*rows):
    """read() returning each row in turn, then the last one forever."""
    statuses = [normalize_status(row) for row in rows]

    def read():
        return statuses.pop(0) if len(statuses) > 1 else statuses[0]
    return read


CONNECTING = dict(MARIADB1011_SLAVE_STATUS, Slave_IO_Running='Connecting', Seconds_Behind_Master=None)
LAGGING = dict(MARIADB1011_SLAVE_STATUS, Seconds_Behind_Master=40)


def test_wait_returns_when_caught_up():
    clock = Clock()
    status = wait_until_caught_up(reader(CONNECTING, LAGGING, MARIADB1011_SLAVE_STATUS), timeout=60,
                                  sleep=clock.sleep, clock=clock)
    assert status['seconds_behind_source'] == 0
    assert clock.now == 2


def test_wait_accepts_max_lag():
    clock = Clock()
    status = wait_until_caught_up(reader(LAGGING), timeout=60, max_lag=60, sleep=clock.sleep, clock=clock)
    assert status['seconds_behind_source'] == 40


def test_wait_times_out_with_state_and_advice():
    clock = Clock()
    with pytest.raises(ReplicationWaitError) as caught:
        wait_until_caught_up(reader(LAGGING), timeout=10, sleep=clock.sleep, clock=clock)
    assert 'within 10s' in str(caught.value)
    assert 'lag=40' in str(caught.value)
    assert 'wait_timeout' in str(caught.value)


def test_wait_fails_fast_on_broken_io_thread_with_fix():
    clock = Clock()
    with pytest.raises(ReplicationWaitError) as caught:
        wait_until_caught_up(reader(MYSQL84_REPLICA_STATUS_BROKEN), timeout=600, sleep=clock.sleep, clock=clock)
    assert clock.now == 0
    assert 'Could not find first log file' in str(caught.value)
    assert 'binlog retention' in str(caught.value)  # MySQL's 13114 wraps the source's 1236


def test_wait_fails_fast_on_wrong_password_while_connecting():
    row = dict(CONNECTING, Last_IO_Errno=1045,
               Last_IO_Error="error connecting to master 'repl@127.0.0.1:13404' - retry-time: 60  "
                             "maximum-retries: 100000  message: Access denied for user 'repl'@'localhost'")
    with pytest.raises(ReplicationWaitError, match='source_user/source_password'):
        wait_until_caught_up(reader(row), timeout=600, sleep=Clock().sleep, clock=Clock())


def test_wait_for_position_target():
    clock = Clock()
    behind = dict(MYSQL80_REPLICA_STATUS, Seconds_Behind_Source=0, Exec_Source_Log_Pos=100)
    there = dict(MYSQL80_REPLICA_STATUS, Seconds_Behind_Source=0, Relay_Source_Log_File='mysql-bin-changelog.000215',
                 Exec_Source_Log_Pos=5000)
    status = wait_until_caught_up(reader(behind, there), timeout=60, target=('mysql-bin-changelog.000215', 4711),
                                  sleep=clock.sleep, clock=clock)
    assert status['exec_source_log_pos'] == 5000


def test_reached_compares_file_numbers_first():
    status = normalize_status(dict(MYSQL80_REPLICA_STATUS, Relay_Source_Log_File='b.000010', Exec_Source_Log_Pos=4))
    assert reached(status, 'b.000009', 999999)
    assert not reached(status, 'b.000010', 5)


def test_check_started_needs_two_healthy_reads_and_catches_late_errors():
    clock = Clock()
    broken = dict(MARIADB1011_SLAVE_STATUS, Slave_IO_Running='No', Last_IO_Errno=1236,
                  Last_IO_Error='Got fatal error 1236 from master: Could not find first log file name')
    with pytest.raises(ReplicationWaitError) as caught:
        check_started(reader(MARIADB1011_SLAVE_STATUS, broken), sleep=clock.sleep)
    assert 'binlog retention' in str(caught.value)
    assert check_started(reader(MARIADB1011_SLAVE_STATUS), sleep=clock.sleep)['io_running'] == 'Yes'


def test_run_state():
    assert run_state(normalize_status(None)) == 'absent'
    assert run_state(normalize_status(MARIADB1011_SLAVE_STATUS)) == 'running'
    stopped = dict(MARIADB1011_SLAVE_STATUS, Slave_IO_Running='No', Slave_SQL_Running='No')
    assert run_state(normalize_status(stopped)) == 'stopped'
