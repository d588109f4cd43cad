# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pymysql
import pytest
import yaml

from ansible_collections.mysql_rds.replication.plugins.module_utils.replication_status import normalize_status
from ansible_collections.mysql_rds.replication.plugins.modules import replica_status_info as rsi
from ansible_collections.mysql_rds.replication.tests.unit.plugins.fake_cursor import FakeCursor
from ansible_collections.mysql_rds.replication.tests.unit.plugins import module_harness as harness
from ansible_collections.mysql_rds.replication.tests.unit.plugins.module_harness import FakeConnection
from ansible_collections.mysql_rds.replication.tests.unit.plugins.modules import docs_spec
from ansible_collections.mysql_rds.replication.tests.unit.plugins.module_utils.status_rows import (
    MARIADB1011_SLAVE_STATUS)

ROW = MARIADB1011_SLAVE_STATUS


def row(**changes):
    return dict(ROW, **changes)


def status(**changes):
    return normalize_status(row(**changes))


CAUGHT_UP = status(Seconds_Behind_Master=0, Relay_Master_Log_File='mysql-bin.000002', Exec_Master_Log_Pos=5000)
BEHIND = status(Seconds_Behind_Master=40, Relay_Master_Log_File='mysql-bin.000002', Exec_Master_Log_Pos=1200)
BROKEN = status(Slave_SQL_Running='No', Last_SQL_Errno=1062,
                Last_SQL_Error="Could not execute Write_rows_v1 event on table shop.t; Duplicate entry '4'")
STOPPED = status(Slave_IO_Running='No', Slave_SQL_Running='No', Seconds_Behind_Master=None)
ABSENT = normalize_status(None)


def params(**overrides):
    values = dict((name, spec.get('default')) for name, spec in rsi.argument_spec().items())
    values.update(overrides)
    return values


class Clock(object):
    """A fake monotonic clock that sleep() advances."""

    def __init__(self):
        self.now = 100.0
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def reads(*statuses):
    """read() returning the statuses in turn, then the last one forever."""
    queue = list(statuses)

    def read():
        return queue.pop(0) if len(queue) > 1 else queue[0]
    return read


def observe(read, **options):
    clock = Clock()
    progress = []
    result = rsi.observe(read, params(**options), progress, sleep=clock.sleep, clock=clock.clock)
    return result, progress, clock


def test_no_wait_reads_once():
    (seen, caught_up), progress, clock = observe(reads(BEHIND, CAUGHT_UP))
    assert seen is BEHIND and caught_up is False
    assert progress == ['0s: io=Yes sql=Yes lag=40s executed=mysql-bin.000002:1200']
    assert clock.sleeps == []
    (seen, caught_up), progress, _clock = observe(reads(BEHIND), max_lag=60)
    assert caught_up is True


def test_no_wait_with_until_checks_the_position():
    until = dict(file='mysql-bin.000002', position=5000, gtid='')
    assert observe(reads(CAUGHT_UP), until=until)[0][1] is True
    assert observe(reads(CAUGHT_UP), until=dict(until, position=5001))[0][1] is False
    assert observe(reads(CAUGHT_UP), until=dict(until, file='mysql-bin.000003', position=4))[0][1] is False


def test_no_wait_never_fails_on_a_broken_replica():
    (seen, caught_up), progress, _clock = observe(reads(BROKEN))
    assert caught_up is False and 'sql_errno=1062' in progress[0]


def test_wait_polls_with_a_line_per_poll():
    (seen, caught_up), progress, clock = observe(reads(BEHIND, BEHIND, CAUGHT_UP), wait=True, poll_interval=2.0)
    assert caught_up is True and seen is CAUGHT_UP
    assert progress == ['0s: io=Yes sql=Yes lag=40s executed=mysql-bin.000002:1200',
                        '2s: io=Yes sql=Yes lag=40s executed=mysql-bin.000002:1200',
                        '4s: io=Yes sql=Yes lag=0s executed=mysql-bin.000002:5000']
    assert clock.sleeps == [2.0, 2.0]


def test_wait_until_coordinates():
    early = status(Seconds_Behind_Master=0, Relay_Master_Log_File='mysql-bin.000002', Exec_Master_Log_Pos=4000)
    (seen, caught_up), progress, _clock = observe(reads(early, early, CAUGHT_UP), wait=True,
                                                  until=dict(file='mysql-bin.000002', position=4500, gtid='x'))
    assert caught_up is True and len(progress) == 3


def test_wait_fails_at_once_on_a_broken_replica_with_the_fix():
    with pytest.raises(rsi.WaitFailed) as caught:
        observe(reads(BEHIND, BROKEN, CAUGHT_UP), wait=True, fail_on_timeout=False)
    assert caught.value.status is BROKEN
    assert '1062' in str(caught.value) and 'fix:' in str(caught.value) and 'table_checksum' in str(caught.value)


def test_wait_timeout_fails_or_returns_false():
    with pytest.raises(rsi.WaitFailed, match='did not catch up within 10s'):
        observe(reads(BEHIND), wait=True, wait_timeout=10)
    (seen, caught_up), progress, clock = observe(reads(BEHIND), wait=True, wait_timeout=10,
                                                 fail_on_timeout=False)
    assert caught_up is False and seen is BEHIND
    assert len(progress) == 6 and progress[-1].startswith('10s: ')


@pytest.mark.parametrize('seen, words', [(ABSENT, 'no replication source'), (STOPPED, 'replication is stopped')])
def test_wait_fails_at_once_when_nothing_can_change(seen, words):
    with pytest.raises(rsi.WaitFailed, match=words) as caught:
        observe(reads(seen), wait=True, fail_on_timeout=False)
    assert caught.value.status is seen


def test_result_shape():
    from ansible_collections.mysql_rds.replication.plugins.module_utils.dialect import Dialect
    dialect = Dialect.from_server('10.11.9-MariaDB-log')
    result = rsi.result_of(dialect, BROKEN, False, ['a', 'b'], '0-13401-7', 'statement')
    assert result['state'] == 'running' and result['lag'] == BROKEN['seconds_behind_source']
    assert result['executed'] == dict(file=BROKEN['relay_source_log_file'], position=BROKEN['exec_source_log_pos'],
                                      gtid='')
    assert result['msg'] == 'b' and result['progress'] == ['a', 'b'] and result['gtid'] == '0-13401-7'
    assert '1062' in result['error'] and result['changed'] is False
    assert result['dialect']['flavor'] == 'mariadb'


@pytest.mark.parametrize('overrides, words', [
    (dict(rds='sometimes'), 'rds must be'),
    (dict(wait_timeout=-1), 'wait_timeout'),
    (dict(max_lag=-5), 'max_lag'),
    (dict(poll_interval=0), 'poll_interval'),
])
def test_validate(overrides, words):
    assert any(words in problem for problem in rsi.validate(params(**overrides)))
    assert rsi.validate(params()) == []


# --- main() with a fake server ---------------------------------------------------------

DENIED = pymysql.err.OperationalError(1227, 'Access denied; you need (at least one of) the SUPER, SLAVE MONITOR '
                                            'privilege(s) for this operation')


def mariadb(status_answer, procedure_answer=None):
    answers = [
        ('VERSION()', [{'version': '10.11.9-MariaDB-log', 'comment': 'Source distribution'}]),
        ('SHOW SLAVE STATUS', status_answer),
        ('AS gtid', [{'gtid': '0-13401-77'}]),
    ]
    if procedure_answer is not None:
        answers.append(('rds_replica_status', procedure_answer))
    return FakeCursor(answers)


def run_main(monkeypatch, cursor, **args):
    connection = FakeConnection(cursor)

    def connect(module, read_timeout=None, write_timeout=None):
        connection.timeouts = (read_timeout, write_timeout)
        return connection
    result = harness.run_main(monkeypatch, rsi, harness.login_args(**args), connect=connect)
    assert connection.closed or result.get('failed')
    return result


def test_main_reads_the_status(monkeypatch):
    cursor = mariadb([row(Seconds_Behind_Master=0)])
    result = run_main(monkeypatch, cursor)
    assert not result.get('failed'), result
    assert result['changed'] is False and result['state'] == 'running' and result['caught_up'] is True
    assert result['status_source'] == 'statement' and result['gtid'] == '0-13401-77'
    assert result['executed'] == dict(file=ROW['Relay_Master_Log_File'], position=ROW['Exec_Master_Log_Pos'],
                                      gtid='')
    assert result['msg'] == result['progress'][0] and len(result['progress']) == 1
    assert result['dialect']['flavor'] == 'mariadb'


def test_main_falls_back_to_the_rds_procedure(monkeypatch):
    cursor = mariadb(DENIED, [row(Seconds_Behind_Master=0)])
    result = run_main(monkeypatch, cursor, rds='auto', wait=True, poll_interval=0.01)
    assert not result.get('failed'), result
    assert result['status_source'] == 'rds_procedure' and result['caught_up'] is True
    assert [sql for sql, _p in cursor.executed].count('SHOW SLAVE STATUS') == 1


def test_main_fails_on_a_broken_replica_with_what_it_saw(monkeypatch):
    broken_row = row(Slave_SQL_Running='No', Last_SQL_Errno=1062, Last_SQL_Error='Duplicate entry')
    result = run_main(monkeypatch, mariadb([broken_row]), wait=True, fail_on_timeout=False)
    assert result['failed'] is True
    assert 'replication failed' in result['msg'] and 'fix:' in result['msg']
    assert result['status']['last_sql_errno'] == 1062 and result['caught_up'] is False
    assert len(result['progress']) == 1 and result['state'] == 'running'


def test_main_timeout_without_failing(monkeypatch):
    result = run_main(monkeypatch, mariadb([row(Seconds_Behind_Master=30)]), wait=True, wait_timeout=0,
                      fail_on_timeout=False)
    assert not result.get('failed'), result
    assert result['caught_up'] is False and result['lag'] == 30


def test_main_until_as_a_whole_coordinates_dict(monkeypatch):
    until = dict(file=ROW['Relay_Master_Log_File'], position=ROW['Exec_Master_Log_Pos'] + 1, gtid='0-1-2')
    result = run_main(monkeypatch, mariadb([row(Seconds_Behind_Master=0)]), wait=True, wait_timeout=0, until=until)
    assert result['failed'] is True and 'did not catch up' in result['msg']
    result = run_main(monkeypatch, mariadb([row(Seconds_Behind_Master=0)]), until=dict(file='x'))
    assert result['failed'] is True and 'position' in result['msg']


def test_main_sql_error_names_the_fix(monkeypatch):
    result = run_main(monkeypatch, mariadb(DENIED), rds=False)
    assert result['failed'] is True and result['errno'] == 1227 and 'fix:' in result['msg']


def test_main_rejects_a_bad_rds_value(monkeypatch):
    result = run_main(monkeypatch, mariadb([]), rds='perhaps')
    assert result['failed'] is True and 'rds must be auto, true or false' in result['msg']


def test_documentation_matches_the_argument_spec():
    options = docs_spec.documented_options(rsi)
    spec = rsi.argument_spec()
    assert set(options) == set(spec)
    for name, option in options.items():
        assert option['type'] == spec[name]['type'], name
        assert option.get('default') == spec[name].get('default'), name
    assert set(options['until']['suboptions']) == set(spec['until']['options'])
    returned = yaml.safe_load(rsi.RETURN)
    assert set(returned) == {'status', 'state', 'lag', 'caught_up', 'executed', 'gtid', 'progress', 'msg', 'error',
                             'status_source', 'dialect'}
    yaml.safe_load(rsi.EXAMPLES)


def test_main_reads_with_socket_timeouts(monkeypatch):
    """A stalled server fails the read after STATUS_TIMEOUT instead of hanging the play."""
    from ansible_collections.mysql_rds.replication.plugins.module_utils.connection import STATUS_TIMEOUT
    seen = []

    def spy(module, **timeouts):
        seen.append(timeouts)
        return FakeConnection(mariadb([row(Seconds_Behind_Master=0)]))

    result = harness.run_main(monkeypatch, rsi, dict(login_user='dba', login_password='secret', config_file=''), connect=spy)
    assert not result.get('failed'), result
    assert seen == [dict(read_timeout=STATUS_TIMEOUT, write_timeout=STATUS_TIMEOUT)]
