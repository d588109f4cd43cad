# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.mysql_rds.replication.plugins.module_utils import dialect as dialect_module
from ansible_collections.mysql_rds.replication.plugins.module_utils.dialect import Dialect
from ansible_collections.mysql_rds.replication.plugins.module_utils.replication_status import (
    STATUS_KEYS, ReplicationWaitError, check_started, executed_coordinates, normalize_status, progress_line,
    reached, read_binlog_position, read_replica_gtid, read_status, run_state, wait_until_caught_up)

from ansible_collections.mysql_rds.replication.tests.unit.plugins.fake_cursor import FakeCursor
from ansible_collections.mysql_rds.replication.tests.unit.plugins.module_utils.status_rows import (
    AURORA2_SLAVE_STATUS, AURORA3_REPLICA_STATUS, MARIADB105_SLAVE_STATUS, MARIADB114_SLAVE_STATUS,
    MARIADB1011_SLAVE_STATUS, MARIADB_BINLOG_GTID, MARIADB_BINLOG_STATUS, MARIADB_RDS_REPLICA_STATUS,
    MYSQL57_SLAVE_STATUS, MYSQL80_REPLICA_STATUS, MYSQL84_REPLICA_STATUS_BROKEN, MYSQL8021_SLAVE_STATUS,
    MYSQL_BINLOG_STATUS, MYSQL_BINLOG_STATUS_NO_GTID, MYSQL_BINLOG_STATUS_TWO_UUIDS)

MARIADB1011 = Dialect.from_server('10.11.9-MariaDB-log', '')
MARIADB104 = Dialect.from_server('10.4.34-MariaDB-log', '')
MYSQL57 = Dialect.from_server('5.7.44-log', '')
MYSQL80 = Dialect.from_server('8.0.36', '')
MYSQL84 = Dialect.from_server('8.4.3', '')
AURORA3 = Dialect.from_server('8.0.mysql_aurora.3.05.2', '', '3.05.2')


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


# A replication account without REPLICATION SLAVE: the login works, registering fails, the IO thread
# keeps retrying (Connecting). As the lab's MariaDB 10.11 shows it, and as MySQL 8.0 words it.
NO_PRIVILEGE_MARIADB = dict(
    CONNECTING, Last_IO_Errno=1597,
    Last_IO_Error="Master command COM_REGISTER_SLAVE failed: Access denied for user 'noslave'@'127.0.0.1' "
                  "(using password: YES) (Errno: 1045)")
NO_PRIVILEGE_MYSQL = dict(
    MYSQL80_REPLICA_STATUS, Replica_IO_Running='Connecting', Seconds_Behind_Source=None, Last_IO_Errno=1597,
    Last_IO_Error="Source command COM_REGISTER_REPLICA failed: Access denied; you need (at least one of) the "
                  "REPLICATION SLAVE privilege(s) for this operation (Errno: 1227)")


@pytest.mark.parametrize('row', [NO_PRIVILEGE_MARIADB, NO_PRIVILEGE_MYSQL])
def test_check_started_fails_on_a_replication_user_without_the_privilege(row):
    clock = Clock()
    with pytest.raises(ReplicationWaitError) as caught:
        check_started(reader(row), sleep=clock.sleep)
    message = str(caught.value)
    assert clock.now == 0  # at the first read: retrying cannot fix it
    assert 'io_running=Connecting' in message and '1597' in message
    assert 'GRANT REPLICATION SLAVE' in message
    assert 'source_user/source_password' not in message  # not a password problem
    assert caught.value.status['io_running'] == 'Connecting'


def test_wait_fails_fast_on_a_missing_replication_privilege():
    clock = Clock()
    with pytest.raises(ReplicationWaitError, match='REPLICATION SLAVE privilege'):
        wait_until_caught_up(reader(NO_PRIVILEGE_MARIADB), timeout=600, sleep=clock.sleep, clock=clock)
    assert clock.now == 0


def test_purged_binlog_names_a_fresh_copy_not_more_waiting():
    broken = dict(MARIADB1011_SLAVE_STATUS, Slave_IO_Running='No', Last_IO_Errno=1236,
                  Last_IO_Error='Got fatal error 1236 from master: Could not find first log file name')
    with pytest.raises(ReplicationWaitError) as caught:
        wait_until_caught_up(reader(broken), timeout=600, sleep=Clock().sleep, clock=Clock())
    message = str(caught.value)
    assert 'replica_of_rds_force_reload=true' in message
    assert 'state=absent' in message and 'rds_load_dump' in message
    assert 'wait_timeout' not in message and 'poll' not in message


def test_a_transient_connect_error_is_not_a_start_failure():
    """The source restarting (2003) heals by itself: check_started reports, it does not fail."""
    row = dict(CONNECTING, Last_IO_Errno=2003, Last_IO_Error="error connecting to master: Can't connect")
    assert check_started(reader(row), sleep=Clock().sleep)['last_io_errno'] == 2003


def test_run_state():
    assert run_state(normalize_status(None)) == 'absent'
    assert run_state(normalize_status(MARIADB1011_SLAVE_STATUS)) == 'running'
    stopped = dict(MARIADB1011_SLAVE_STATUS, Slave_IO_Running='No', Slave_SQL_Running='No')
    assert run_state(normalize_status(stopped)) == 'stopped'


# --- normalization (moved here from dialect.py, which re-exports it) -----------------------

def test_dialect_module_re_exports_the_normalization():
    assert dialect_module.normalize_status is normalize_status
    assert dialect_module.STATUS_KEYS is STATUS_KEYS


@pytest.mark.parametrize('row, host, executed, lag_seconds, using_gtid', [
    (MYSQL57_SLAVE_STATUS, 'localhost', ('source-bin.000002', 1307), 0, 'auto_position'),
    (MYSQL8021_SLAVE_STATUS, '10.0.3.17', ('mysql-bin.000031', 2105), 3, 'no'),
    (MYSQL80_REPLICA_STATUS, '10.0.3.17', ('mysql-bin-changelog.000214', 98765), 12, 'no'),
    (AURORA2_SLAVE_STATUS, '10.1.2.3', ('mysql-bin-changelog.000012', 154), 0, 'no'),
    (AURORA3_REPLICA_STATUS, '10.1.2.3', ('mysql-bin-changelog.000020', 900), 0, 'auto_position'),
    (MARIADB105_SLAVE_STATUS, '10.0.0.5', ('mariadb-bin.000016', 475), 0, 'no'),
    (MARIADB1011_SLAVE_STATUS, '127.0.0.1', ('mysql-bin-changelog.000001', 19035), 0, 'slave_pos'),
    (MARIADB114_SLAVE_STATUS, 'db-source.internal', ('mariadb-bin.000016', 475), 7, 'slave_pos'),
    (MARIADB_RDS_REPLICA_STATUS, '10.20.30.40', ('mysql-bin-changelog.003988', 405), 0, 'slave_pos'),
])
def test_every_engines_row_normalizes_to_the_same_keys(row, host, executed, lag_seconds, using_gtid):
    status = normalize_status(row)
    assert tuple(sorted(status)) == tuple(sorted(STATUS_KEYS))
    assert status['configured'] is True and status['source_host'] == host
    assert (status['io_running'], status['sql_running']) == ('Yes', 'Yes')
    assert (status['relay_source_log_file'], status['exec_source_log_pos']) == executed
    assert status['seconds_behind_source'] == lag_seconds
    assert status['using_gtid'] == using_gtid


def test_rds_mariadb_procedure_mixes_source_names_with_the_old_lag_column():
    status = normalize_status(MARIADB_RDS_REPLICA_STATUS)
    assert status['source_user'] == 'rdsrepladmin'
    assert status['read_source_log_pos'] == 405
    assert status['source_server_id'] == 807509301
    assert status['gtid_io_pos'] == '0-807509301-3980'


# --- reading --------------------------------------------------------------------------------

@pytest.mark.parametrize('dialect, statement, row', [
    (MARIADB1011, 'SHOW SLAVE STATUS', MARIADB1011_SLAVE_STATUS),
    (MYSQL57, 'SHOW SLAVE STATUS', MYSQL57_SLAVE_STATUS),
    (MYSQL84, 'SHOW REPLICA STATUS', MYSQL84_REPLICA_STATUS_BROKEN),
])
def test_read_status_uses_the_engines_statement(dialect, statement, row):
    cursor = FakeCursor([(statement, [row])])
    assert read_status(cursor, dialect) == normalize_status(row)
    assert cursor.statements == [statement]


def test_read_status_as_rds_master_user():
    cursor = FakeCursor([('CALL mysql.rds_replica_status()', [MARIADB_RDS_REPLICA_STATUS])])
    assert read_status(cursor, MARIADB1011, as_rds_master_user=True)['source_host'] == '10.20.30.40'
    cursor = FakeCursor([('SHOW SLAVE STATUS', [])])
    assert read_status(cursor, MARIADB104, as_rds_master_user=True)['configured'] is False


def test_read_status_of_a_named_mariadb_connection():
    cursor = FakeCursor([('SHOW SLAVE', [MARIADB1011_SLAVE_STATUS])])
    read_status(cursor, MARIADB1011, connection_name='east')
    assert cursor.executed == [('SHOW SLAVE %s STATUS', ['east'])]


@pytest.mark.parametrize('dialect, statement, row, gtid', [
    (MYSQL57, 'SHOW MASTER STATUS', MYSQL_BINLOG_STATUS, '3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5'),
    (MYSQL80, 'SHOW MASTER STATUS', MYSQL_BINLOG_STATUS_NO_GTID, ''),
    (AURORA3, 'SHOW MASTER STATUS', MYSQL_BINLOG_STATUS, '3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5'),
    (MYSQL84, 'SHOW BINARY LOG STATUS', MYSQL_BINLOG_STATUS_TWO_UUIDS,
     '3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5,8B2E4F11-0C1D-11EF-8D6A-0242AC120002:1-2'),
])
def test_read_binlog_position_mysql_takes_the_gtid_from_the_same_row(dialect, statement, row, gtid):
    cursor = FakeCursor([(statement, [row])])
    assert read_binlog_position(cursor, dialect) == dict(file='source-bin.000002', position=1307, gtid=gtid)
    assert cursor.statements == [statement]  # one statement: file, position and GTID agree


def test_read_binlog_position_mariadb_reads_its_binlog_gtid():
    cursor = FakeCursor([('SHOW MASTER STATUS', [MARIADB_BINLOG_STATUS]), ('gtid_binlog_pos', [MARIADB_BINLOG_GTID])])
    assert read_binlog_position(cursor, MARIADB1011) == dict(file='mariadb-bin.000016', position=475, gtid='0-1-2')
    assert cursor.statements == ['SHOW MASTER STATUS', 'SELECT @@global.gtid_binlog_pos AS gtid']


def test_read_binlog_position_mariadb_without_gtids():
    cursor = FakeCursor([('SHOW MASTER STATUS', [MARIADB_BINLOG_STATUS]), ('gtid_binlog_pos', [{'gtid': None}])])
    assert read_binlog_position(cursor, MARIADB1011)['gtid'] == ''


@pytest.mark.parametrize('dialect, statement', [
    (MARIADB1011, 'SHOW MASTER STATUS'),
    (MYSQL57, 'SHOW MASTER STATUS'),
    (MYSQL84, 'SHOW BINARY LOG STATUS'),
])
def test_read_binlog_position_is_none_when_binary_logging_is_off(dialect, statement):
    cursor = FakeCursor([(statement, [])])
    assert read_binlog_position(cursor, dialect) is None
    assert cursor.statements == [statement]


@pytest.mark.parametrize('dialect, variable, value, expected', [
    (MARIADB1011, 'gtid_slave_pos', '0-13401-53', '0-13401-53'),
    (MYSQL84, 'gtid_executed', 'aaaa:1-5,\nbbbb:1-2', 'aaaa:1-5,bbbb:1-2'),
    (MYSQL57, 'gtid_executed', '', ''),
])
def test_read_replica_gtid(dialect, variable, value, expected):
    cursor = FakeCursor([(variable, [{'gtid': value}])])
    assert read_replica_gtid(cursor, dialect) == expected
    assert cursor.statements == ['SELECT @@global.%s AS gtid' % variable]


def test_executed_coordinates():
    assert executed_coordinates(normalize_status(MYSQL80_REPLICA_STATUS)) == dict(
        file='mysql-bin-changelog.000214', position=98765, gtid='')
    assert executed_coordinates(normalize_status(MARIADB1011_SLAVE_STATUS)) == dict(
        file='mysql-bin-changelog.000001', position=19035, gtid='')
    assert executed_coordinates(normalize_status(None)) == dict(file='', position=0, gtid='')


# --- waiting ----------------------------------------------------------------------------------

def test_wait_for_coordinates_target_reports_every_poll():
    clock = Clock()
    behind = dict(MYSQL80_REPLICA_STATUS, Seconds_Behind_Source=0, Exec_Source_Log_Pos=100)
    there = dict(MYSQL80_REPLICA_STATUS, Seconds_Behind_Source=0, Relay_Source_Log_File='mysql-bin-changelog.000215',
                 Exec_Source_Log_Pos=5000)
    polls = []
    target = dict(file='mysql-bin-changelog.000215', position=4711, gtid='')
    status = wait_until_caught_up(reader(behind, behind, there), timeout=60, target=target, interval=2,
                                  on_poll=lambda status, elapsed: polls.append(progress_line(status, elapsed)),
                                  sleep=clock.sleep, clock=clock)
    assert status['exec_source_log_pos'] == 5000
    assert polls == [
        '0s: io=Yes sql=Yes lag=0s executed=mysql-bin-changelog.000214:100',
        '2s: io=Yes sql=Yes lag=0s executed=mysql-bin-changelog.000214:100',
        '4s: io=Yes sql=Yes lag=0s executed=mysql-bin-changelog.000215:5000',
    ]


def test_wait_timeout_names_the_coordinates_target():
    clock = Clock()
    with pytest.raises(ReplicationWaitError, match='position mysql-bin-changelog.000299:4'):
        wait_until_caught_up(reader(MYSQL80_REPLICA_STATUS), timeout=5, max_lag=60,
                             target=dict(file='mysql-bin-changelog.000299', position=4, gtid=''),
                             sleep=clock.sleep, clock=clock)


def test_on_poll_sees_the_broken_status_before_the_failure():
    seen = []
    with pytest.raises(ReplicationWaitError):
        wait_until_caught_up(reader(MYSQL84_REPLICA_STATUS_BROKEN), timeout=60,
                             on_poll=lambda status, elapsed: seen.append(status['last_io_errno']),
                             sleep=Clock().sleep, clock=Clock())
    assert seen == [13114]


def test_progress_line():
    assert progress_line(normalize_status(MYSQL80_REPLICA_STATUS), 12.4) == (
        '12s: io=Yes sql=Yes lag=12s executed=mysql-bin-changelog.000214:98765')
    assert progress_line(normalize_status(CONNECTING), 0) == (
        '0s: io=Connecting sql=Yes lag=unknown executed=mysql-bin-changelog.000001:19035')
    assert progress_line(normalize_status(MYSQL84_REPLICA_STATUS_BROKEN), 3) == (
        '3s: io=No sql=Yes lag=unknown executed=mysql-bin-changelog.000214:98765 io_errno=13114')
    assert progress_line(normalize_status(None), 1) == '1s: io=No sql=No lag=unknown executed=none'
