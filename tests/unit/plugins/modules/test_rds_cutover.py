# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest
import yaml

from ansible_collections.mysql_rds.replication.plugins.modules import rds_cutover as rc
from ansible_collections.mysql_rds.replication.plugins.module_utils.replication_status import ReplicationWaitError
from ansible_collections.mysql_rds.replication.tests.unit.plugins.fake_cursor import FakeCursor


def healthy_status(**changes):
    status = dict(configured=True, io_running='Yes', sql_running='Yes', seconds_behind_source=0,
                  source_server_id=13604, last_io_errno=0, last_sql_errno=0, relay_source_log_file='mysql-bin.000001',
                  exec_source_log_pos=500)
    status.update(changes)
    return status


def source_cursor(read_only=0):
    return FakeCursor([('@@server_id', [{'id': 13604}]), ('read_only AS ro', [{'ro': read_only}]),
                       ('innodb_trx', [{'n': 0}]), ('NOW(6)', [{'now': '2026-01-01 00:00:00.000001'}]),
                       ('processlist', [{'id': 7}]),
                       ('SHOW MASTER STATUS', [{'File': 'mysql-bin.000001', 'Position': 500}]),
                       ('gtid_binlog_pos', [{'gtid': '0-13604-9'}])])


@pytest.fixture
def status(monkeypatch):
    holder = {'status': healthy_status()}
    monkeypatch.setattr(rc, 'read_status', lambda *args, **kwargs: holder['status'])
    return holder


def test_preflight_accepts_a_healthy_replica(status):
    got, done = rc.preflight(source_cursor(), FakeCursor([]), None, max_lag=5)
    assert got['io_running'] == 'Yes' and done is False


@pytest.mark.parametrize('changes, words', [
    (dict(seconds_behind_source=30), 'more than max_lag=5'),
    (dict(sql_running='No', last_sql_errno=1062, last_sql_error='Duplicate entry'), 'not healthy'),
    (dict(source_server_id=99), 'not from this source'),
    (dict(configured=False), 'nothing to cut over'),
])
def test_preflight_refuses_before_touching_anything(status, changes, words):
    status['status'] = healthy_status(**changes)
    src = source_cursor()
    with pytest.raises(rc.CutoverError) as err:
        rc.preflight(src, FakeCursor([]), None, max_lag=5)
    assert words in str(err.value)
    assert not [sql for sql in src.statements if sql.startswith(('SET GLOBAL', 'FLUSH', 'KILL'))]


def test_preflight_sees_a_finished_cutover(status):
    status['status'] = dict(configured=False)
    _status, done = rc.preflight(source_cursor(read_only=1), FakeCursor([]), None, max_lag=5)
    assert done is True


class Dialect(object):
    @staticmethod
    def rds_procedure(action):
        return {'stop': 'mysql.rds_stop_replication', 'reset_external': 'mysql.rds_reset_external_master'}[action]


class Module(object):
    params = dict(grace_period=0, lock_wait_timeout=5, kill_sessions=True, wait_timeout=1, reset=True,
                  checksum=False, checksum_exclude_databases=[], checksum_algorithm='crc32')


def test_cutover_freezes_waits_then_promotes(monkeypatch):
    monkeypatch.setattr(rc, 'wait_until_caught_up', lambda *a, **k: healthy_status())
    src = source_cursor()
    rds = FakeCursor([('read_only AS ro', [{'ro': 0}]),
                      ('SHOW MASTER STATUS', [{'File': 'mysql-bin-changelog.000002', 'Position': 900}]),
                      ('gtid_binlog_pos', [{'gtid': '0-13605-3'}])])
    result = rc.cutover(Module(), src, rds, FakeCursor([]), Dialect(), rc.Timeline())
    order = [sql for sql in src.statements if sql.startswith(('SET GLOBAL', 'FLUSH', 'KILL', 'UNLOCK'))]
    assert order == ['SET GLOBAL read_only = ON', 'FLUSH TABLES WITH READ LOCK', 'KILL CONNECTION 7', 'UNLOCK TABLES']
    assert 'CALL mysql.rds_stop_replication()' in rds.statements
    assert 'CALL mysql.rds_reset_external_master()' in rds.statements
    assert result['source_final'] == dict(file='mysql-bin.000001', position=500, gtid='0-13604-9')
    assert result['rds_position']['file'] == 'mysql-bin-changelog.000002'
    assert result['window_seconds'] >= 0 and result['sessions_killed'] == 1


def test_cutover_undoes_the_freeze_when_rds_does_not_catch_up(monkeypatch):
    def never(*args, **kwargs):
        raise ReplicationWaitError('replication did not catch up within 1s', {})
    monkeypatch.setattr(rc, 'wait_until_caught_up', never)
    src = source_cursor()
    rds = FakeCursor([])
    with pytest.raises(rc.CutoverError) as err:
        rc.cutover(Module(), src, rds, FakeCursor([]), Dialect(), rc.Timeline())
    assert 'source is writable again' in str(err.value)
    assert src.statements[-2:] == ['UNLOCK TABLES', 'SET GLOBAL read_only = OFF']
    assert not [sql for sql in rds.statements if 'rds_stop_replication' in sql or 'rds_reset' in sql]


def checksum_answers(xor_part):
    return [('information_schema.SCHEMATA', [{'name': 'mysql'}, {'name': 'shop'}]),
            ('information_schema.TABLES', [{'db': 'shop', 'tbl': 'items', 'engine': 'InnoDB'}]),
            ('information_schema.COLUMNS', [{'col': 'id'}]),
            ('AS row_count', [{'row_count': 2, 'xor_part': xor_part, 'sum_part': 7}])]


@pytest.mark.parametrize('rds_xor, mismatched', [(5, []), (6, ['shop.items'])])
def test_cutover_checksums_both_sides_before_unlocking(monkeypatch, rds_xor, mismatched):
    monkeypatch.setattr(rc, 'wait_until_caught_up', lambda *a, **k: healthy_status())
    monkeypatch.setattr(Module, 'params', dict(Module.params, checksum=True))
    src = source_cursor()
    src.answers += checksum_answers(5)
    rds = FakeCursor([('read_only AS ro', [{'ro': 0}]),
                      ('SHOW MASTER STATUS', [{'File': 'mysql-bin-changelog.000002', 'Position': 900}]),
                      ('gtid_binlog_pos', [{'gtid': '0-13605-3'}])])
    rds_view = FakeCursor(checksum_answers(rds_xor))
    timeline = rc.Timeline()
    result = rc.cutover(Module(), src, rds, rds_view, Dialect(), timeline)
    sums = result['checksums']
    assert sums['equal'] is (not mismatched) and sums['mismatched'] == mismatched and sums['tables'] == 1
    assert sums['source']['shop.items']['checksum'] == 'crc32:5-7'
    for cursor in (src, rds_view):
        assert [sql for sql in cursor.statements if 'AS row_count' in sql and 'CRC32(REVERSE(s))' in sql]
    statements = src.statements
    last_checksum = max(i for i, sql in enumerate(statements) if 'AS row_count' in sql)
    assert last_checksum < statements.index('UNLOCK TABLES')
    # RDS is checksummed in the snapshot taken when replication stopped, before the reset opened it
    assert rds_view.statements[0] == 'START TRANSACTION WITH CONSISTENT SNAPSHOT'
    assert rds_view.statements[-1] == 'COMMIT'
    assert not [sql for sql in rds.statements if 'AS row_count' in sql]
    steps = [step['step'] for step in timeline.steps]
    assert (steps.index('rds_replication_stopped') < steps.index('rds_snapshot_for_proof')
            < steps.index('rds_external_master_reset') < steps.index('rds_open'))


def test_cutover_checksums_both_sides_with_md5(monkeypatch):
    monkeypatch.setattr(rc, 'wait_until_caught_up', lambda *a, **k: healthy_status())
    monkeypatch.setattr(Module, 'params', dict(Module.params, checksum=True, checksum_algorithm='md5'))
    src = source_cursor()
    src.answers += checksum_answers(5)
    rds = FakeCursor([('read_only AS ro', [{'ro': 0}]),
                      ('SHOW MASTER STATUS', [{'File': 'mysql-bin-changelog.000002', 'Position': 900}]),
                      ('gtid_binlog_pos', [{'gtid': '0-13605-3'}])])
    rds_view = FakeCursor(checksum_answers(5))
    sums = rc.cutover(Module(), src, rds, rds_view, Dialect(), rc.Timeline())['checksums']
    assert sums['equal'] is True
    assert sums['source']['shop.items']['checksum'] == sums['rds']['shop.items']['checksum'] == '5-7'
    for cursor in (src, rds_view):
        queries = [sql for sql in cursor.statements if 'AS row_count' in sql]
        assert len(queries) == 1 and 'MD5(' in queries[0] and 'CRC32' not in queries[0]


def test_checksum_algorithm_is_documented():
    doc = yaml.safe_load(rc.DOCUMENTATION)
    option = doc['options']['checksum_algorithm']
    assert option['choices'] == ['crc32', 'md5'] and option['default'] == 'crc32' and option['type'] == 'str'
    yaml.safe_load(rc.RETURN)
