from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.mysql_rds.replication.plugins.module_utils import load_settings
from ansible_collections.mysql_rds.replication.plugins.module_utils.errors import SqlError
from ansible_collections.mysql_rds.replication.tests.unit.plugins.module_harness import Exit, FakeConnection


class Cursor(object):
    """Answers SELECT @@GLOBAL.x from ``values``; SET GLOBAL of a name in ``readonly`` fails."""

    def __init__(self, values, readonly=()):
        self.values = dict(values)
        self.readonly = readonly
        self.statements = []
        self.description = None
        self._rows = []

    def execute(self, sql, params=None):
        self.statements.append(sql)
        if sql.startswith('SELECT @@GLOBAL.'):
            name = sql.split('.', 1)[1].split()[0]
            if name not in self.values:
                raise SqlError('Unknown system variable', errno=1193)
            self.description = [('value',)]
            self._rows = [dict(value=self.values[name])]
        elif sql.startswith('SET GLOBAL '):
            name, value = sql[len('SET GLOBAL '):].split(' = ')
            if name in self.readonly:
                raise SqlError('Variable is a read only variable', errno=1238)
            self.values[name] = value.strip("'")
            self.description, self._rows = None, []

    def fetchall(self):
        return self._rows

    def nextset(self):
        return None


def test_plan_raises_sizes_only_and_skips_equal_values():
    current = dict(innodb_log_file_size=1073741824, innodb_flush_log_at_trx_commit=1, sync_binlog=0)
    wanted = dict(innodb_log_file_size=536870912, innodb_flush_log_at_trx_commit=2, sync_binlog=0)
    assert load_settings.plan(current, wanted) == [('innodb_flush_log_at_trx_commit', 1, 2)]


def test_apply_then_restore_puts_every_value_back():
    cursor = Cursor(dict(innodb_log_file_size=16777216, innodb_flush_log_at_trx_commit=1))
    applied, warnings = load_settings.apply(cursor, dict(innodb_log_file_size=536870912, innodb_flush_log_at_trx_commit=2,
                                                         no_such_thing=1))
    assert applied == [('innodb_flush_log_at_trx_commit', 1, 2), ('innodb_log_file_size', 16777216, 536870912)]
    assert warnings == ['no_such_thing: not a variable of this server, left alone']
    assert cursor.values['innodb_log_file_size'] == '536870912'
    assert load_settings.restore(cursor, applied) == []
    assert cursor.values == dict(innodb_log_file_size='16777216', innodb_flush_log_at_trx_commit='1')


def test_a_setting_the_server_cannot_change_is_skipped_with_a_warning():
    cursor = Cursor(dict(innodb_log_file_size=16777216), readonly=('innodb_log_file_size',))
    applied, warnings = load_settings.apply(cursor, dict(innodb_log_file_size=536870912))
    assert applied == [] and 'cannot be changed while the server runs' in warnings[0]


def test_names_are_checked_before_anything_runs():
    cursor = Cursor({})
    with pytest.raises(ValueError, match='not a server variable name'):
        load_settings.apply(cursor, {'x = 1; DROP TABLE t; --': 1})
    assert cursor.statements == []


def test_string_values_are_quoted():
    cursor = Cursor(dict(binlog_format='MIXED'))
    load_settings.apply(cursor, dict(binlog_format="RO'W"))
    assert cursor.statements[-1] == "SET GLOBAL binlog_format = 'RO\\'W'"


class Module(object):
    def __init__(self, wanted, check_mode=False):
        self.params = dict(target_load_settings=wanted)
        self.check_mode = check_mode
        self.warnings = []
        self.failed = None

    def warn(self, warning):
        self.warnings.append(warning)

    def fail_json(self, **result):
        self.failed = result
        raise Exit()


def test_load_settings_set_then_put_back_and_report_the_statements():
    cursor = Cursor(dict(innodb_flush_log_at_trx_commit=1))
    conn = FakeConnection(cursor)
    settings = load_settings.LoadSettings(Module(dict(innodb_flush_log_at_trx_commit=2, nope=1)), lambda: conn, 'h:1')
    settings.set()
    assert cursor.values['innodb_flush_log_at_trx_commit'] == '2'
    settings.put_back()
    assert cursor.values['innodb_flush_log_at_trx_commit'] == '1' and conn.closed
    assert settings.set_queries == ['SET GLOBAL innodb_flush_log_at_trx_commit = 2']
    assert settings.restore_queries == ['SET GLOBAL innodb_flush_log_at_trx_commit = 1']
    assert settings.report() == [dict(name='innodb_flush_log_at_trx_commit', old=1, new=2)]
    assert settings.module.warnings == ['target_load_settings: nope: not a variable of this server, left alone']


def test_load_settings_in_check_mode_only_read():
    cursor = Cursor(dict(innodb_flush_log_at_trx_commit=1))
    conn = FakeConnection(cursor)
    settings = load_settings.LoadSettings(Module(dict(innodb_flush_log_at_trx_commit=2), check_mode=True),
                                          lambda: conn, 'h:1')
    settings.set()
    settings.put_back()
    assert not any(sql.startswith('SET') for sql in cursor.statements) and conn.closed
    assert settings.set_queries == ['SET GLOBAL innodb_flush_log_at_trx_commit = 2']
    assert settings.restore_queries == ['SET GLOBAL innodb_flush_log_at_trx_commit = 1']


def test_load_settings_without_settings_connect_to_nothing():
    settings = load_settings.LoadSettings(Module({}), lambda: pytest.fail('connected'), 'h:1')
    settings.set()
    settings.put_back()
    assert settings.report() == [] and settings.set_queries == []


@pytest.mark.parametrize('check_mode', [False, True])
def test_load_settings_bad_names_fail_the_module(check_mode):
    conn = FakeConnection(Cursor({}))
    module = Module({'a b': 1}, check_mode=check_mode)
    with pytest.raises(Exit):
        load_settings.LoadSettings(module, lambda: conn, 'h:1').set()
    assert 'not a server variable name' in module.failed['msg'] and conn.closed


class RecordingCursor(Cursor):
    """A Cursor with the durable record (a dict) of load_settings.RECORD."""

    def __init__(self, values, record=None, readonly=()):
        super(RecordingCursor, self).__init__(values, readonly)
        self.record = dict(record or {})
        self.exists = record is not None

    def execute(self, sql, params=None):
        if 'information_schema.TABLES' in sql:
            self.statements.append(sql)
            self.description, self._rows = [('n',)], [dict(n=1 if self.exists else 0)]
        elif sql.startswith('SELECT name, old_value'):
            self.statements.append(sql)
            self._rows = [dict(name=name, old_value=old, new_value=new) for name, (old, new) in self.record.items()]
        elif sql.startswith('INSERT IGNORE INTO %s' % load_settings.RECORD):
            self.statements.append(sql)
            self.record.setdefault(params[0], (params[1], params[2]))
        elif sql.startswith('CREATE TABLE IF NOT EXISTS %s' % load_settings.RECORD):
            self.statements.append(sql)
            self.exists = True
        elif sql.startswith('DROP TABLE IF EXISTS %s' % load_settings.RECORD):
            self.statements.append(sql)
            self.exists, self.record = False, {}
        else:
            super(RecordingCursor, self).execute(sql, params)


def test_the_originals_are_recorded_before_anything_changes():
    cursor = RecordingCursor(dict(innodb_flush_log_at_trx_commit=1, max_allowed_packet=16777216))
    applied, warnings = load_settings.apply(cursor, dict(innodb_flush_log_at_trx_commit=2),
                                            lambda cur, changes: load_settings.record(cur, changes) or [])
    assert warnings == [] and applied == [('innodb_flush_log_at_trx_commit', 1, 2)]
    first_set = [index for index, sql in enumerate(cursor.statements) if sql.startswith('SET GLOBAL')][0]
    assert cursor.statements.index('SET SESSION sql_log_bin = 0') < first_set
    assert [sql for sql in cursor.statements[:first_set] if sql.startswith('INSERT IGNORE')]
    assert cursor.record == {'innodb_flush_log_at_trx_commit': ('1', '2')}


@pytest.mark.parametrize('check_mode', [False, True])
def test_the_next_run_puts_back_what_a_killed_run_left(check_mode):
    cursor = RecordingCursor(dict(innodb_flush_log_at_trx_commit='2', sync_binlog='5'),
                             record={'innodb_flush_log_at_trx_commit': ('1', '2'), 'sync_binlog': ('1', '0')})
    statements, warnings = load_settings.recover(cursor, check_mode)
    assert statements == ['SET GLOBAL innodb_flush_log_at_trx_commit = 1']
    assert any('put back to 1, left at 2 by an interrupted earlier load' in warning for warning in warnings)
    assert any(warning.startswith('sync_binlog is 5, not the 0') and 'left alone' in warning for warning in warnings)
    assert cursor.values['innodb_flush_log_at_trx_commit'] == ('2' if check_mode else '1')
    assert cursor.exists is check_mode


def test_nothing_recorded_nothing_to_do():
    cursor = RecordingCursor(dict(innodb_flush_log_at_trx_commit='2'))
    assert load_settings.recover(cursor) == ([], [])
    assert not [sql for sql in cursor.statements if not sql.startswith('SELECT')]


def test_max_allowed_packet_is_only_raised():
    assert load_settings.plan(dict(max_allowed_packet=67108864), dict(max_allowed_packet=33554432)) == []
