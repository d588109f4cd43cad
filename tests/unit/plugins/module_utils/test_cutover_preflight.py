# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.mysql_rds.replication.plugins.module_utils import cutover_preflight as cp
from ansible_collections.mysql_rds.replication.plugins.module_utils.dialect import Dialect, DialectError
from ansible_collections.mysql_rds.replication.plugins.module_utils.errors import SqlError
from ansible_collections.mysql_rds.replication.tests.unit.plugins.fake_cursor import FakeCursor

MARIADB = Dialect.from_server('10.11.6-MariaDB-log')
MYSQL57 = Dialect.from_server('5.7.44-log')
MYSQL80 = Dialect.from_server('8.0.36')
MYSQL84 = Dialect.from_server('8.4.3')
AURORA3 = Dialect.from_server('8.0.32', aurora_version='3.05.2')


def healthy_status(**changes):
    status = dict(configured=True, io_running='Yes', sql_running='Yes', seconds_behind_source=0,
                  source_server_id=13604, last_io_errno=0, last_sql_errno=0,
                  relay_source_log_file='mysql-bin.000001', exec_source_log_pos=500)
    status.update(changes)
    return status


def position_answers(dialect, file_name='mysql-bin.000001', position=500, gtid='0-13604-9'):
    """How ``dialect``'s server answers its binlog statements (MySQL: the GTID set in the status row)."""
    row = {'File': file_name, 'Position': position}
    if dialect.is_mysql:
        row['Executed_Gtid_Set'] = gtid
    return [(dialect.binlog_status_statement()[0], [row] if file_name else []),
            (dialect.binlog_gtid_statement()[0], [{'gtid': gtid}])]


def source_cursor(dialect=MARIADB, read_only=0, binlog=True):
    return FakeCursor([('@@server_id', [{'id': 13604}]), ('read_only AS ro', [{'ro': read_only}])]
                      + position_answers(dialect, file_name='mysql-bin.000001' if binlog else None))


def rds_cursor(dialect=MARIADB):
    return FakeCursor(position_answers(dialect, 'mysql-bin-changelog.000002', 900, '0-13605-3'))


@pytest.fixture
def status(monkeypatch):
    holder = {'status': healthy_status()}
    monkeypatch.setattr(cp, 'read_status', lambda *args, **kwargs: holder['status'])
    return holder


@pytest.mark.parametrize('source, rds', [(MARIADB, MARIADB), (MYSQL84, MYSQL80), (MYSQL57, AURORA3),
                                         (MYSQL80, MYSQL84)])
def test_plan_resolves_every_statement_for_both_servers(source, rds):
    plan = cp.Plan(source, rds)
    assert plan.source_position == (source.binlog_status_statement(), source.binlog_gtid_statement())
    assert plan.rds_position == (rds.binlog_status_statement(), rds.binlog_gtid_statement())
    assert plan.rds_status == rds.rds_status_statement()
    assert plan.rds_stop == rds.rds_call('stop') and plan.rds_reset == rds.rds_call('reset_external')
    assert plan.describe() == dict(source=source.describe(), rds=rds.describe())


def test_plan_uses_each_servers_own_words():
    plan = cp.Plan(MYSQL84, MARIADB)
    assert plan.source_position[0] != plan.rds_position[0]
    assert plan.source_position[0] == MYSQL84.binlog_status_statement()


class NoRds(Dialect):
    def rds_call(self, action):
        raise DialectError('%s has no RDS procedure for %s' % (self.name, action))


def test_plan_refuses_a_server_the_dialect_layer_cannot_serve():
    with pytest.raises(cp.CutoverError) as err:
        cp.Plan(MARIADB, NoRds('mysql', (9, 9, 0), '9.9.0'))
    assert 'no RDS procedure' in str(err.value) and 'MySQL 9.9.0' in str(err.value)
    assert 'nothing was changed' in str(err.value)


def version_cursor(version, comment):
    return FakeCursor([('VERSION()', [{'version': version, 'comment': comment}]),
                       ('@@aurora_version', SqlError('Unknown system variable', errno=1193))])


def test_plan_detects_both_servers():
    plan = cp.Plan.detect(version_cursor('8.4.3', 'MySQL Community Server - GPL'),
                          version_cursor('10.11.6-MariaDB-log', 'Source distribution'))
    assert plan.source_dialect.name == 'MySQL 8.4.3' and plan.rds_dialect.name == 'MariaDB 10.11.6'


def test_plan_fails_cleanly_on_an_unknown_server():
    with pytest.raises(cp.CutoverError) as err:
        cp.Plan.detect(version_cursor('banana', ''), version_cursor('10.11.6-MariaDB', ''))
    assert 'banana' in str(err.value) and 'nothing was changed' in str(err.value)


def test_preflight_accepts_a_healthy_replica(status):
    src, rds = source_cursor(), rds_cursor()
    got, done = cp.preflight(src, rds, cp.Plan(MARIADB, MARIADB), max_lag=5)
    assert got['io_running'] == 'Yes' and done is False
    # both binlog positions were read once, with each server's own statements, and nothing else ran
    assert MARIADB.binlog_status_statement()[0] in src.statements
    assert MARIADB.binlog_status_statement()[0] in rds.statements
    assert all(sql.startswith('SELECT') or sql.startswith('SHOW') for sql in src.statements + rds.statements)


def test_preflight_reads_a_mysql_84_source_with_its_own_statement(status):
    src = source_cursor(MYSQL84)
    cp.preflight(src, rds_cursor(), cp.Plan(MYSQL84, MARIADB), max_lag=5)
    assert MYSQL84.binlog_status_statement()[0] in src.statements
    assert MARIADB.binlog_status_statement()[0] not in src.statements


@pytest.mark.parametrize('changes, words', [
    (dict(seconds_behind_source=30), 'more than max_lag=5'),
    (dict(seconds_behind_source=None, io_running='Connecting'), 'not healthy'),
    (dict(sql_running='No', last_sql_errno=1062, last_sql_error='Duplicate entry'), 'not healthy'),
    (dict(source_server_id=99), 'not from this source'),
    (dict(configured=False), 'nothing to cut over'),
])
def test_preflight_refuses_before_touching_anything(status, changes, words):
    status['status'] = healthy_status(**changes)
    src = source_cursor()
    with pytest.raises(cp.CutoverError) as err:
        cp.preflight(src, rds_cursor(), cp.Plan(MARIADB, MARIADB), max_lag=5)
    assert words in str(err.value)
    assert not [sql for sql in src.statements if not sql.startswith('SELECT')]


def test_preflight_refuses_a_source_without_binary_log(status):
    with pytest.raises(cp.CutoverError) as err:
        cp.preflight(source_cursor(binlog=False), rds_cursor(), cp.Plan(MARIADB, MARIADB), max_lag=5)
    assert 'binary logging is off on the source' in str(err.value)


def test_preflight_sees_a_finished_cutover(status):
    status['status'] = dict(configured=False)
    src = source_cursor(read_only=1)
    _status, done = cp.preflight(src, rds_cursor(), cp.Plan(MARIADB, MARIADB), max_lag=5)
    assert done is True
