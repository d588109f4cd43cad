# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The copy: the dump options of each step, what is recorded, the choice of one stream or several."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import sys

import pymysql
import pytest

from ansible_collections.mysql_rds.replication.plugins.module_utils import dump_copy as dc
from ansible_collections.mysql_rds.replication.plugins.module_utils.dump_filter import DumpFilter
from ansible_collections.mysql_rds.replication.plugins.module_utils.client_options import OptionArg
from ansible_collections.mysql_rds.replication.plugins.module_utils.dump_dialect import COORDINATE_OPTIONS
from ansible_collections.mysql_rds.replication.plugins.module_utils.errors import SqlError
from ansible_collections.mysql_rds.replication.plugins.module_utils.stream_pipe import StreamResult
from ansible_collections.mysql_rds.replication.tests.unit.plugins.fake_cursor import FakeCursor
from ansible_collections.mysql_rds.replication.tests.unit.plugins.module_harness import FakeConnection

DUMP = ['mariadb-dump', OptionArg(dict(user='dba', password='pw', host='h', port=1))]
LOAD = ['mariadb', OptionArg(dict(user='admin', password='pw', host='t', port=1)), '--binary-mode', '--batch']


class Module(object):
    def __init__(self, **params):
        self.params = dict(definer='strip', dump_path=None, parallel=1, lock_wait_timeout=10)
        self.params.update(params)
        self.warnings = []

    def warn(self, warning):
        self.warnings.append(warning)


def test_step_options_ask_for_coordinates_only_when_wanted():
    assert dc.one_stream_options() == ['--single-transaction'] + COORDINATE_OPTIONS + [
        '--routines', '--triggers', '--events']
    assert not set(COORDINATE_OPTIONS) & set(dc.one_stream_options(False) + dc.data_step_options(False))
    assert set(COORDINATE_OPTIONS) <= set(dc.data_step_options())


def test_pipeline_hides_option_files_and_quotes():
    text = dc.pipeline(DUMP + ['--where=`id` < 5'], LOAD + ['--init-command=SET SESSION sql_log_bin=0'])
    assert text == ("mariadb-dump --defaults-extra-file=<pipe> '--where=`id` < 5' | dump_filter | "
                    "mariadb --defaults-extra-file=<pipe> --binary-mode --batch '--init-command=SET SESSION sql_log_bin=0'")


def test_one_stream_records_commands_queries_and_coordinates(monkeypatch):
    def fake_load(dump_cmd, load_cmd, dump_filter, secrets, keep_path=None, step='copy', meter=None):
        dump_filter.line(b"-- CHANGE MASTER TO MASTER_LOG_FILE='bin.000002', MASTER_LOG_POS=4;\n")
        dump_filter.line(b'CREATE DEFINER=`x`@`%` PROCEDURE p() SELECT 1;\n')
        return 99
    monkeypatch.setattr(dc, 'load', fake_load)
    copier = dc.Copy(Module(), DUMP, LOAD, ['pw'], 'admin@%')
    copier.one_stream(['shop'], ['--add-drop-database'])
    assert copier.coordinates == dict(file='bin.000002', position=4, gtid='')
    assert copier.written == 99 and copier.definers == 1
    assert copier.commands == [['mariadb-dump', '--defaults-extra-file=<pipe>'] + dc.one_stream_options()
                               + dc.DUMP_BASE + ['--add-drop-database', '--databases', 'shop']]
    assert copier.queries == [dc.pipeline(copier.one_stream_command(['shop'], ['--add-drop-database']), LOAD)]


def test_a_failed_stream_masks_secrets():
    result = StreamResult(0, 2, 1, 'Access denied for pw', 'ERROR 1045 pw')
    with pytest.raises(dc.CopyFailed) as caught:
        dc.fail_stream('copy', result, ['pw'])
    assert 'pw' not in caught.value.result['msg'] and caught.value.result['hint'] == dc.LOAD_HINT


@pytest.mark.parametrize('error, locked', [(None, True), (pymysql.err.OperationalError(1205, 'Lock wait timeout exceeded'), False)])
def test_lock_tables(error, locked):
    cursor = FakeCursor([('LOCK TABLES', error)] if error else [])
    module = Module(lock_wait_timeout=3)
    copier = dc.Copy(module, DUMP, LOAD, [], 'admin@%')
    assert copier.lock_tables(cursor, [('shop', 't', 1)]) is locked
    assert copier.queries == ['SET SESSION lock_wait_timeout = 3', 'LOCK TABLES `shop`.`t` READ']
    assert bool(module.warnings) is not locked


def test_lock_tables_other_errors_fail_the_copy():
    cursor = FakeCursor([('LOCK TABLES', SqlError('denied', errno=1044))])
    with pytest.raises(dc.CopyFailed, match='cannot lock the copied tables'):
        dc.Copy(Module(), DUMP, LOAD, [], 'admin@%').lock_tables(cursor, [('shop', 't', 1)])


class Recorder(dc.Copy):
    """A Copy that records the steps instead of running clients."""

    def __init__(self, module, read_coordinates=True):
        super(Recorder, self).__init__(module, DUMP, LOAD, [], 'admin@%', read_coordinates)
        self.steps = []
        self.deferring = []

    def step(self, name, command, keep_path, defer_keys=False):
        self.steps.append(name)
        self.deferring.append(defer_keys)
        dump_filter = DumpFilter()
        dump_filter.deferred = [('shop', 'a', [b'KEY `k` (`k`)'])] if defer_keys else []
        return dump_filter

    def add_keys(self, deferred):
        self.steps.append('key step')
        self.deferred = deferred

    def one_stream(self, databases, drop_options):
        self.steps.append('one stream')

    def data_streams(self, lock_cursor, tables, databases, keep_paths, chunked, groups):
        self.steps.append('data streams')


def source(version):
    tables = [dict(db='shop', tbl='a', size=100), dict(db='shop', tbl='b', size=100)]
    return FakeCursor([('VERSION()', [dict(version=version, comment='')]), ('information_schema.TABLES', tables),
                       ('@@aurora_version', pymysql.err.InternalError(1193, 'Unknown system variable')),
                       ('information_schema.STATISTICS', [])])


@pytest.mark.parametrize('version, read_coordinates, steps, warned', [
    ('10.11.9-MariaDB-log', True, ['schema step', 'data streams', 'key step', 'trigger step'], False),
    ('8.0.36', True, ['one stream'], True),
    ('8.0.36', False, ['schema step', 'data streams', 'key step', 'trigger step'], False),
])
def test_copy_picks_several_streams_when_the_source_allows(monkeypatch, version, read_coordinates, steps, warned):
    cursor = source(version)
    monkeypatch.setattr(dc, 'connect', lambda module, options=None: FakeConnection(cursor))
    module = Module(parallel=2)
    copier = Recorder(module, read_coordinates)
    dc.copy(module, copier, ['shop'], [], dict(login_host='h'))
    assert copier.steps == steps
    assert bool(module.warnings) is warned
    if 'key step' in steps:  # the keys the schema step left out, added after the rows, before the triggers
        assert copier.deferring == [True, False] and copier.deferred == [('shop', 'a', [b'KEY `k` (`k`)'])]


@pytest.mark.parametrize('dump_path, deferring', [(None, [True, False]), ('/tmp/x/copy.sql', [False, False])])
def test_the_schema_step_leaves_the_keys_out_unless_the_steps_are_kept_on_disk(monkeypatch, dump_path, deferring):
    cursor = source('10.11.9-MariaDB-log')
    monkeypatch.setattr(dc, 'connect', lambda module, options=None: FakeConnection(cursor))
    module = Module(parallel=2, dump_path=dump_path)
    copier = Recorder(module)
    dc.copy(module, copier, ['shop'], [], dict(login_host='h'))
    assert copier.deferring == deferring
    assert copier.deferred == ([('shop', 'a', [b'KEY `k` (`k`)'])] if deferring[0] else [])


def test_the_key_step_feeds_one_alter_table_per_table_to_the_loader(tmp_path):
    received = tmp_path / 'received.sql'
    load = [sys.executable, '-c', 'import sys; open(%r, "wb").write(sys.stdin.buffer.read())' % str(received)]
    copier = dc.Copy(Module(), DUMP, load, [], 'admin@%')
    copier.add_keys([('shop', 't`1', [b'KEY `k_1` (`k`)', b"KEY `c` (`c`(10)) COMMENT 'x, y'"]), ('app', 'u', [b'KEY `a` (`a`)'])])
    assert received.read_bytes() == (b"SET NAMES utf8mb4;\nALTER TABLE `shop`.`t``1` ADD KEY `k_1` (`k`), "
                                     b"ADD KEY `c` (`c`(10)) COMMENT 'x, y';\nALTER TABLE `app`.`u` ADD KEY `a` (`a`);\n")
    assert copier.queries == ["ALTER TABLE `shop`.`t``1` ADD KEY `k_1` (`k`), ADD KEY `c` (`c`(10)) COMMENT 'x, y'",
                              'ALTER TABLE `app`.`u` ADD KEY `a` (`a`)']
    dc.Copy(Module(), DUMP, [sys.executable, '-c', 'pytest.fail()'], [], 'admin@%').add_keys([])  # nothing to add: no loader


def test_the_progress_names_the_key_step_while_it_runs(tmp_path, monkeypatch):
    seen = tmp_path / 'seen.json'
    copier = dc.Copy(Module(), DUMP, [sys.executable, '-c', 'import sys; sys.stdin.read()'], [], 'admin@%')

    def feed(load_cmd, data):
        seen.write_text(json.dumps(copier.progress.summary()['phase']))
        return StreamResult(len(data), 0, 0, '', '')

    monkeypatch.setattr(dc, 'feed', feed)
    copier.add_keys([('shop', name, [b'KEY `k` (`k`)']) for name in ('a', 'b')])
    assert json.loads(seen.read_text())['name'] == 'adding the secondary keys of 2 tables'
    assert copier.progress.summary()['phase'] is None


def test_the_key_step_spreads_the_tables_over_as_many_loaders_as_streams(tmp_path):
    load = [sys.executable, '-c', 'import os, sys; open(os.path.join(%r, str(os.getpid())), "wb").write(sys.stdin.buffer.read())'
            % str(tmp_path)]
    copier = dc.Copy(Module(parallel=2), DUMP, load, [], 'admin@%')
    copier.add_keys([('shop', name, [b'KEY `k` (`k`)']) for name in ('a', 'b', 'c')])
    received = sorted(path.read_bytes() for path in tmp_path.iterdir())
    assert received == [b"SET NAMES utf8mb4;\nALTER TABLE `shop`.`a` ADD KEY `k` (`k`);\nALTER TABLE `shop`.`c` ADD KEY `k` (`k`);\n",
                        b"SET NAMES utf8mb4;\nALTER TABLE `shop`.`b` ADD KEY `k` (`k`);\n"]
    assert len(copier.queries) == 3


@pytest.mark.parametrize('parallel, tables', [(1, ['t']), (2, ['t', 'u'])])
def test_a_failed_key_step_fails_the_copy_with_the_loaders_error(parallel, tables):
    load = [sys.executable, '-c', 'import sys; sys.stdin.read(); sys.stderr.write("ERROR 1114 (HY000) at line 2: pw full"); sys.exit(1)']
    copier = dc.Copy(Module(parallel=parallel), DUMP, load, ['pw'], 'admin@%')
    with pytest.raises(dc.CopyFailed) as caught:
        copier.add_keys([('shop', name, [b'KEY `k` (`k`)']) for name in tables])
    msg = caught.value.result['msg']
    assert msg.startswith('key step: adding the secondary keys left out of the schema step failed (load exit 1): ERROR 1114')
    assert 'at line 2' in msg and 'pw' not in msg and 'overwrite=true' in msg


def test_copy_with_one_stream_does_not_connect(monkeypatch):
    monkeypatch.setattr(dc, 'connect', lambda module, options=None: pytest.fail('connected'))
    copier = Recorder(Module(parallel=1))
    dc.copy(copier.module, copier, ['shop'], [], {})
    assert copier.steps == ['one stream']


HEADER = b"-- CHANGE MASTER TO MASTER_LOG_FILE='bin.000003', MASTER_LOG_POS=%d;\n"


def test_data_streams_unlock_once_open_and_keep_the_earliest_position():
    producer = ('import sys; pos = 77 if "--where=`id` < 5" in sys.argv else 90; '
                'sys.stdout.buffer.write(b"-- CHANGE MASTER TO MASTER_LOG_FILE=\'bin.000003\', MASTER_LOG_POS=%d;\\n" % pos); '
                'sys.stdout.buffer.write(b"INSERT INTO t VALUES (1);\\n")')
    dump = [sys.executable, '-c', producer]
    load = [sys.executable, '-c', 'import sys; sys.stdin.buffer.read()']
    copier = dc.Copy(Module(parallel=3), dump, load, [], 'admin@%')
    lock = FakeCursor([])
    tables = [('shop', 'a', 10), ('shop', 'b', 10), ('shop', 'big', 100)]
    copier.data_streams(lock, tables, ['shop'], {}, [('shop', 'big', 'id', [(None, 5), (5, None)])],
                        [[('shop', 'a'), ('shop', 'b')]])
    assert copier.streams == 3
    assert copier.coordinates['position'] == 77
    assert lock.statements == ['UNLOCK TABLES']
    assert copier.queries[-1] == 'UNLOCK TABLES' and len(copier.queries) == 4
    assert copier.commands[1][-3:] == ['--where=`id` < 5', 'shop', 'big']


# ------------------------------------------------------------------------------ failure messages
def test_a_failed_load_names_the_statement_head_and_the_error_never_the_rows():
    dump_filter = DumpFilter()
    row = b'(1,0x' + b'61' * 500000 + b');\n'
    for data in (b'-- header\n', b'DROP TABLE IF EXISTS `t`;\n', b'INSERT INTO `t` VALUES\n', row):
        dump_filter.line(data)
    echoed = '--------------\nINSERT INTO `t` VALUES\n%s\n--------------\n' % row.decode().strip()
    result = StreamResult(0, 0, 1, '', echoed + 'ERROR 1062 (23000) at line 3: Duplicate entry \'1\' for key \'PRIMARY\'')
    with pytest.raises(dc.CopyFailed) as caught:
        dc.fail_stream('copy', result, ['pw'], dump_filter)
    msg = caught.value.result['msg']
    assert msg.startswith('copy: dump | filter | load failed at line 3 (INSERT INTO `t` VALUES) (dump exit 0, load exit 1)')
    assert msg.endswith("ERROR 1062 (23000) at line 3: Duplicate entry '1' for key 'PRIMARY'") and '6161' not in msg


def test_error_output_is_cut_per_line_and_in_all():
    text = dc.excerpt('\n'.join(['x' * 1000] * 20), [])
    assert len(text) <= dc.MESSAGE_MAX + 10 and text.endswith('...[cut]')
    assert all(len(part) <= dc.LINE_MAX + 10 for part in text.split(' | '))
    assert 'pw' not in dc.excerpt('denied for pw\n\n', ['pw'])


def test_sigterm_during_the_copy_raises_interrupted_and_the_handlers_come_back():
    import os
    import signal
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(dc.Interrupted, match='interrupted by signal %d' % signal.SIGTERM):
        with dc.interruptible():
            os.kill(os.getpid(), signal.SIGTERM)
            for _index in range(1000):
                pass
    assert signal.getsignal(signal.SIGTERM) == before
