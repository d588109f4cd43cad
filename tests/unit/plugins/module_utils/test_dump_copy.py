# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The copy: the dump options of each step, what is recorded, the choice of one stream or several."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import sys

import pymysql
import pytest

from ansible_collections.mysql_rds.replication.plugins.module_utils import dump_copy as dc
from ansible_collections.mysql_rds.replication.plugins.module_utils.dump_dialect import COORDINATE_OPTIONS
from ansible_collections.mysql_rds.replication.plugins.module_utils.errors import SqlError
from ansible_collections.mysql_rds.replication.plugins.module_utils.stream_pipe import StreamResult
from ansible_collections.mysql_rds.replication.tests.unit.plugins.fake_cursor import FakeCursor

DUMP = ['mariadb-dump', '--defaults-extra-file=/tmp/x/source.cnf']
LOAD = ['mariadb', '--defaults-extra-file=/tmp/x/target.cnf', '--binary-mode', '--batch']


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
    assert text == ("mariadb-dump --defaults-extra-file=<tmp> '--where=`id` < 5' | dump_filter | "
                    "mariadb --defaults-extra-file=<tmp> --binary-mode --batch '--init-command=SET SESSION sql_log_bin=0'")


def test_one_stream_records_commands_queries_and_coordinates(monkeypatch):
    def fake_load(dump_cmd, load_cmd, dump_filter, secrets, keep_path=None, step='copy'):
        dump_filter.line(b"-- CHANGE MASTER TO MASTER_LOG_FILE='bin.000002', MASTER_LOG_POS=4;\n")
        dump_filter.line(b'CREATE DEFINER=`x`@`%` PROCEDURE p() SELECT 1;\n')
        return 99
    monkeypatch.setattr(dc, 'load', fake_load)
    copier = dc.Copy(Module(), DUMP, LOAD, ['pw'], 'admin@%')
    copier.one_stream(['shop'], ['--add-drop-database'])
    assert copier.coordinates == dict(file='bin.000002', position=4, gtid='')
    assert copier.written == 99 and copier.definers == 1
    assert copier.commands == [['mariadb-dump', '--defaults-extra-file=<tmp>'] + dc.one_stream_options()
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

    def step(self, name, command, keep_path):
        self.steps.append(name)

    def one_stream(self, databases, drop_options):
        self.steps.append('one stream')

    def data_streams(self, lock_cursor, tables, databases, keep_paths, chunked, groups):
        self.steps.append('data streams')


def source(version):
    tables = [dict(db='shop', tbl='a', size=100), dict(db='shop', tbl='b', size=100)]
    return FakeCursor([('VERSION()', [dict(version=version, comment='')]), ('information_schema.TABLES', tables),
                       ('@@aurora_version', pymysql.err.InternalError(1193, 'Unknown system variable')),
                       ('information_schema.STATISTICS', [])])


class Connection(object):
    def __init__(self, cursor):
        self._cursor = cursor

    def cursor(self):
        return self._cursor

    def close(self):
        pass


@pytest.mark.parametrize('version, read_coordinates, steps, warned', [
    ('10.11.9-MariaDB-log', True, ['schema step', 'data streams', 'trigger step'], False),
    ('8.0.36', True, ['one stream'], True),
    ('8.0.36', False, ['schema step', 'data streams', 'trigger step'], False),
])
def test_copy_picks_several_streams_when_the_source_allows(monkeypatch, version, read_coordinates, steps, warned):
    cursor = source(version)
    monkeypatch.setattr(dc, 'connect', lambda module, options=None: Connection(cursor))
    module = Module(parallel=2)
    copier = Recorder(module, read_coordinates)
    dc.copy(module, copier, ['shop'], [], dict(login_host='h'))
    assert copier.steps == steps
    assert bool(module.warnings) is warned


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
