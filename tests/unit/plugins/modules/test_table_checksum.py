# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest
import yaml

from ansible_collections.mysql_rds.replication.plugins.module_utils import replica_proof
from ansible_collections.mysql_rds.replication.plugins.modules import table_checksum as tc
from ansible_collections.mysql_rds.replication.plugins.module_utils.errors import SqlError
from ansible_collections.mysql_rds.replication.tests.unit.plugins.fake_cursor import FakeCursor
from ansible_collections.mysql_rds.replication.tests.unit.plugins import module_harness as harness
from ansible_collections.mysql_rds.replication.tests.unit.plugins.module_harness import FakeConnection
from ansible_collections.mysql_rds.replication.tests.unit.plugins.modules import docs_spec


def _server(snapshot_rows=None, sums=None, version='10.11.6-MariaDB'):
    sums = sums or {}

    def checksum(sql, params):
        for name, (count, xor_part, sum_part) in sums.items():
            if name in sql:
                return [{'row_count': count, 'xor_part': xor_part, 'sum_part': sum_part}]
        raise AssertionError(sql)

    return FakeCursor([
        ('binlog_snapshot_', snapshot_rows if snapshot_rows is not None else []),
        ('BINLOG_GTID_POS', [{'gtid': '0-13301-42'}]),
        ('VERSION()', [{'version': version, 'comment': 'Debian'}]),
        ('@@aurora_version', SqlError('unknown variable', errno=1193)),
        ('@@global.server_id', [{'id': 13301}]),
        ('SHOW SLAVE STATUS', [{'Master_Host': 'rds', 'Slave_IO_Running': 'Yes', 'Slave_SQL_Running': 'No',
                                'Relay_Master_Log_File': 'bin.000007', 'Exec_Master_Log_Pos': 1234,
                                'Master_Server_Id': 13301}]),
        ('information_schema.SCHEMATA', [{'name': n} for n in ('mysql', 'sys', 'loadgen', 'shop')]),
        ('information_schema.TABLES', lambda sql, params: [
            {'db': 'shop', 'tbl': 'items', 'engine': 'InnoDB'},
            {'db': 'shop', 'tbl': 'log', 'engine': 'MyISAM'}] if params == ['shop'] else []),
        ('information_schema.COLUMNS', [{'col': 'id'}, {'col': 'v'}]),
        ('AS row_count', checksum),
    ])


def test_collect_without_snapshot():
    cursor = _server(sums={'`items`': (3, 11, 22), '`log`': (0, 0, 0)})
    result = tc.collect(cursor, [], ['loadgen'], snapshot=False)
    assert result['changed'] is False
    assert result['databases'] == ['shop']
    assert result['tables']['shop.items'] == {'rows': 3, 'checksum': 'crc32:11-22', 'engine': 'InnoDB',
                                              'transactional': True}
    sums = [sql for sql in cursor.statements if 'AS row_count' in sql]
    assert len(sums) == 2 and all('CRC32(REVERSE(s))' in sql and 'MD5(' not in sql for sql in sums)
    assert result['tables']['shop.log']['transactional'] is False
    assert result['table_count'] == 2 and result['total_rows'] == 3
    assert 'snapshot' not in result
    assert not any('TRANSACTION' in item[0] for item in cursor.executed)


def test_collect_with_snapshot_reads_inside_one_transaction():
    cursor = _server(snapshot_rows=[{'Variable_name': 'Binlog_snapshot_file', 'Value': 'bin.000007'},
                                    {'Variable_name': 'Binlog_snapshot_position', 'Value': '1234'}],
                     sums={'`items`': (1, 5, 6), '`log`': (0, 0, 0)})
    result = tc.collect(cursor, ['shop'], [], snapshot=True)
    assert result['snapshot'] == {'file': 'bin.000007', 'position': 1234, 'gtid': '0-13301-42'}
    statements = [item[0] for item in cursor.executed]
    start = statements.index('START TRANSACTION WITH CONSISTENT SNAPSHOT')
    first_sum = min(i for i, sql in enumerate(statements) if 'AS row_count' in sql)
    assert start < first_sum < statements.index('COMMIT')


def test_snapshot_without_binlog_names_the_fix():
    cursor = _server(snapshot_rows=[])
    with pytest.raises(SqlError) as err:
        tc.collect(cursor, ['shop'], [], snapshot=True)
    assert 'log_bin' in err.value.message


def test_snapshot_on_mysql_names_the_fix():
    cursor = _server(snapshot_rows=SNAPSHOT_ROWS, version='8.0.36')
    with pytest.raises(SqlError) as err:
        tc.collect(cursor, ['shop'], [], snapshot=True)
    assert 'MySQL 8.0.36 has none' in err.value.message
    assert not any('TRANSACTION' in sql for sql in cursor.statements)


SNAPSHOT_ROWS = [{'Variable_name': 'Binlog_snapshot_file', 'Value': 'bin.000007'},
                 {'Variable_name': 'Binlog_snapshot_position', 'Value': '1234'}]


def test_collect_with_md5():
    cursor = _server(sums={'`items`': (3, 11, 22), '`log`': (0, 0, 0)})
    result = tc.collect(cursor, [], ['loadgen'], snapshot=False, algorithm='md5')
    assert result['tables']['shop.items']['checksum'] == '11-22'
    sums = [sql for sql in cursor.statements if 'AS row_count' in sql]
    assert len(sums) == 2 and all('MD5(' in sql and 'CRC32' not in sql for sql in sums)


SNAPSHOT = [{'Variable_name': 'Binlog_snapshot_file', 'Value': 'bin.000007'},
            {'Variable_name': 'Binlog_snapshot_position', 'Value': '1234'}]


@pytest.mark.parametrize('algorithm, needle, checksum', [
    ('crc32', 'CRC32(', 'crc32:11-22'),
    ('md5', 'MD5(', '11-22'),
])
def test_replica_side_uses_the_same_algorithm(algorithm, needle, checksum):
    source = _server(snapshot_rows=SNAPSHOT, sums={'`items`': (3, 11, 22), '`log`': (0, 0, 0)})
    replica = _server(sums={'`items`': (3, 11, 22), '`log`': (0, 0, 0)})
    result = tc.collect_with_replica(source, replica_proof.ReplicaPause(replica), ['shop'], [], 30,
                                     algorithm=algorithm)
    assert result['tables']['shop.items']['checksum'] == checksum
    assert result['replica']['tables']['shop.items']['checksum'] == checksum
    for cursor in (source, replica):
        sums = [sql for sql in cursor.statements if 'AS row_count' in sql]
        assert len(sums) == 2 and all(needle in sql for sql in sums)


def run_main(monkeypatch, fake_collectors=True, **args):
    """main() with connect() (and the collectors, unless told) replaced; returns (result, calls)."""
    calls = []

    def connect(module, options=None):
        calls.append(('connect', options and options.get('login_user')))
        return FakeConnection()

    monkeypatch.setattr(tc, 'collect', lambda *a, **k: calls.append(('collect', k.get('algorithm'))) or dict(tables={}))
    if fake_collectors:
        monkeypatch.setattr(tc, 'collect_with_replica',
                            lambda *a, **k: calls.append(('collect_with_replica', k.get('algorithm'))) or dict(tables={}))
        monkeypatch.setattr(tc, 'ReplicaPause', lambda cursor: None)
    return harness.run_main(monkeypatch, tc, harness.login_args(**args), connect=connect), calls


SOURCE = ('connect', None)
REPLICA = ('connect', 'repl_dba')


@pytest.mark.parametrize('args, calls', [
    (dict(), [SOURCE, ('collect', 'crc32')]),
    (dict(algorithm='md5'), [SOURCE, ('collect', 'md5')]),
    (dict(snapshot=True, replica_login=dict(login_user='repl_dba'), algorithm='md5'),
     [SOURCE, REPLICA, ('collect_with_replica', 'md5')]),
    (dict(snapshot=True, replica=dict(login_user='repl_dba')), [SOURCE, REPLICA, ('collect_with_replica', 'crc32')]),
    # replica_login implies the snapshot
    (dict(replica_login=dict(login_user='repl_dba', ssl_ca='/nonexistent/ca.pem', config_file='')),
     [SOURCE, REPLICA, ('collect_with_replica', 'crc32')]),
])
def test_main_passes_the_algorithm(monkeypatch, args, calls):
    result, seen = run_main(monkeypatch, **args)
    assert not result.get('failed'), result
    assert seen == calls


def test_replica_login_takes_the_login_options_and_aliases(monkeypatch):
    seen = []
    monkeypatch.setattr(tc, 'ReplicaPause', lambda cursor: seen.append('pause') or 'pause')
    monkeypatch.setattr(tc, 'collect_with_replica', lambda *a, **k: dict(tables={}, queries=[]))
    result = harness.run_main(monkeypatch, tc, dict(login_user='admin', config_file='', replica=dict(
        login_user='dba', login_port=13303, ssl_ca='/etc/ca.pem', config_file='')),
        connect=lambda module, options=None: seen.append(options) or FakeConnection())
    assert not result.get('failed'), result
    options = seen[1]
    assert (options['login_user'], options['login_port'], options['ca_cert']) == ('dba', 13303, '/etc/ca.pem')
    assert options['config_file'] == '' and options['connect_timeout'] == 30 and options['check_hostname'] is True
    assert seen[2] == 'pause'


def test_failure_reports_the_replica_queries_and_a_failed_restore(monkeypatch):
    class Replica(object):
        queries = ['STOP SLAVE SQL_THREAD']
        restore_error = 'START SLAVE SQL_THREAD failed: (1227) denied'

    def collect_with_replica(*args, **kwargs):
        raise SqlError('The replica stopped at b.1:4 instead of b.1:9 (its applier was stopped).')

    monkeypatch.setattr(tc, 'ReplicaPause', lambda cursor: Replica())
    monkeypatch.setattr(tc, 'collect_with_replica', collect_with_replica)
    result, _seen = run_main(monkeypatch, fake_collectors=False, replica_login=dict(login_user='repl_dba'))
    assert result['failed'] is True
    assert result['msg'].startswith('The replica stopped at b.1:4')
    assert 'could not be restored as found: START SLAVE SQL_THREAD failed' in result['msg']
    assert result['queries'] == ['STOP SLAVE SQL_THREAD']


def test_main_refuses_an_unknown_algorithm(monkeypatch):
    result, seen = run_main(monkeypatch, algorithm='sha1')
    assert result.get('failed') is True and 'algorithm' in result['msg']
    assert seen == []


def test_documentation_lists_the_algorithms():
    doc = yaml.safe_load(tc.DOCUMENTATION)
    assert doc['options']['algorithm']['choices'] == ['crc32', 'md5']
    assert doc['options']['algorithm']['default'] == 'crc32'
    yaml.safe_load(tc.EXAMPLES)
    returned = yaml.safe_load(tc.RETURN)
    assert returned['tables']['sample']['shop.orders']['checksum'].startswith('crc32:')


def test_documentation_matches_the_argument_spec():
    docs_spec.check(tc, tc.argument_spec())


def test_collect_side_by_side_reads_the_source_selection_on_both():
    source = _server(sums={'`items`': (3, 11, 22), '`log`': (0, 0, 0)})
    replica = _server(sums={'`items`': (3, 11, 22), '`log`': (1, 5, 6)})
    result = tc.collect_side_by_side(source, replica, [], ['loadgen'])
    assert result['databases'] == ['shop'] and result['replica']['databases'] == ['shop']
    assert result['queries'] == [] and result['changed'] is False
    assert result['replica']['equal'] == ['shop.items']
    assert result['replica']['different'] == [{'table': 'shop.log', 'rows': 1, 'compare_rows': 0}]
    assert not any(sql.startswith(('STOP', 'START')) for sql in source.statements + replica.statements)


def test_replica_pause_false_reads_side_by_side(monkeypatch):
    seen = []
    monkeypatch.setattr(tc, 'collect_side_by_side',
                        lambda *a, **k: seen.append(('side_by_side', a[2], k.get('algorithm'))) or dict(tables={}))
    result, calls = run_main(monkeypatch, replica_login=dict(login_user='repl_dba'), replica_pause=False,
                             databases=['shop'])
    assert not result.get('failed'), result
    assert calls == [SOURCE, REPLICA] and seen == [('side_by_side', ['shop'], 'crc32')]


@pytest.mark.parametrize('args, words', [
    (dict(snapshot=True), 'snapshot=true cannot be combined with replica_pause=false'),
    (dict(proof_record='db1:3306'), 'proof_record cannot be combined with replica_pause=false'),
    (dict(proof_record='db1:3306', reprove='changed'), 'reprove=record_only'),
])
def test_replica_pause_false_refuses_what_needs_a_pause_before_connecting(monkeypatch, args, words):
    result, calls = run_main(monkeypatch, replica_login=dict(login_user='repl_dba'), replica_pause=False, **args)
    assert result.get('failed') is True and words in result['msg'], result
    assert calls == []
