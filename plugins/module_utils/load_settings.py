# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Global server settings that speed up a bulk load on a self-managed target, set for the load and
put back afterwards.

A size (redo log, buffer pool, max_allowed_packet) is only ever raised: a server configured bigger
keeps its value. A setting the server does not have, or cannot change while running, is skipped
with a warning.

Put back even after a kill: before changing anything, the original values are recorded on the
target itself, in the table RECORD (in the ``mysql`` schema, written with sql_log_bin=0 so that
it never replicates, dropped once the values are back). The next run on that target, whatever
its options, puts back what the record says (:func:`recover`) before it does anything else, if
the setting still has the value the interrupted run gave it, and warns.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.mysql_rds.replication.plugins.module_utils.connection import SqlError, run
from ansible_collections.mysql_rds.replication.plugins.module_utils.dialect import SKIP_BINLOG

RAISE_ONLY = ('innodb_log_file_size', 'innodb_redo_log_capacity', 'innodb_buffer_pool_size', 'max_allowed_packet')
RECORD = 'mysql.mysql_rds_replication_load_settings'
RECORD_DDL = ('CREATE TABLE IF NOT EXISTS %s (name VARCHAR(64) NOT NULL PRIMARY KEY, old_value VARCHAR(1024), '
              'new_value VARCHAR(1024), recorded_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP) ENGINE=InnoDB' % RECORD)
RECORD_EXISTS = ("SELECT COUNT(*) AS n FROM information_schema.TABLES"
                 " WHERE TABLE_SCHEMA = 'mysql' AND TABLE_NAME = 'mysql_rds_replication_load_settings'")
_NAME_RE = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*$')


def _same(current, wanted):
    return str(current).strip().lower() == str(wanted).strip().lower()


def _literal(value):
    text = str(value).strip()
    if re.match(r'^-?\d+$', text):
        return text
    return "'%s'" % text.replace('\\', '\\\\').replace("'", "\\'")


def plan(current, wanted):
    """[(name, old, new)] of the settings to change, given {name: current} and {name: wanted}."""
    changes = []
    for name in sorted(wanted):
        if name not in current:
            continue
        old, new = current[name], wanted[name]
        if _same(old, new):
            continue
        if name.lower() in RAISE_ONLY and int(old) >= int(new):
            continue
        changes.append((name, old, new))
    return changes


def read(cursor, names):
    """{name: value} of the global variables of ``names`` the server has."""
    values = {}
    for name in names:
        try:
            rows = run(cursor, 'SELECT @@GLOBAL.%s AS value' % name)
        except SqlError:
            continue  # unknown on this server
        values[name] = rows[0]['value']
    return values


def apply(cursor, wanted, before=None):
    """Set ``wanted`` ({name: value}); returns (applied [(name, old, new)], warnings). ``before(cursor,
    changes)`` runs first (the durable record), a list of warnings back."""
    bad = [name for name in wanted if not _NAME_RE.match(name)]
    if bad:
        raise ValueError('not a server variable name: %s' % ', '.join(sorted(bad)))
    current = read(cursor, list(wanted))
    warnings = ['%s: not a variable of this server, left alone' % name for name in sorted(set(wanted) - set(current))]
    applied = []
    changes = plan(current, wanted)
    if before is not None and changes:
        warnings.extend(before(cursor, changes))
    for name, old, new in changes:
        try:
            run(cursor, 'SET GLOBAL %s = %s' % (name, _literal(new)))
        except SqlError as exc:
            warnings.append('%s: cannot be changed while the server runs (%s), left at %s' % (name, exc.message, old))
            continue
        applied.append((name, old, new))
    return applied, warnings


def restore(cursor, applied):
    """Put back what :func:`apply` changed, last first; returns warnings for what could not be."""
    warnings = []
    for name, old, _new in reversed(applied):
        try:
            run(cursor, 'SET GLOBAL %s = %s' % (name, _literal(old)))
        except SqlError as exc:
            warnings.append('%s: could not be put back to %s (%s): set it by hand' % (name, old, exc.message))
    return warnings


def record(cursor, changes):
    """Record [(name, old, new)] durably before they are made (a record left by an earlier run keeps
    its original value: INSERT IGNORE)."""
    run(cursor, SKIP_BINLOG)
    run(cursor, RECORD_DDL)
    for name, old, new in changes:
        run(cursor, 'INSERT IGNORE INTO %s (name, old_value, new_value) VALUES (%%s, %%s, %%s)' % RECORD,
            [name, str(old), str(new)])


def forget(cursor):
    """Drop the record (the values are back)."""
    run(cursor, SKIP_BINLOG)
    run(cursor, 'DROP TABLE IF EXISTS %s' % RECORD)


def recover(cursor, check_mode=False):
    """Put back what an interrupted run left (its record); returns (statements run or to run, warnings)."""
    try:
        found = run(cursor, RECORD_EXISTS)
        if not found or not int(found[0]['n']):
            return [], []
        rows = run(cursor, 'SELECT name, old_value, new_value FROM %s ORDER BY recorded_at DESC, name' % RECORD)
    except SqlError as exc:
        return [], ['cannot read the load settings an interrupted run recorded in %s: %s' % (RECORD, exc.message)]
    statements, warnings, left = [], [], []
    current = read(cursor, [row['name'] for row in rows if _NAME_RE.match(row['name'])])
    for row in rows:
        name, old, new = row['name'], row['old_value'], row['new_value']
        if name not in current:
            continue
        if not _same(current[name], new):
            warnings.append('%s is %s, not the %s an interrupted earlier load set: left alone (the original was %s)'
                            % (name, current[name], new, old))
            continue
        statements.append(statement(name, old))
        warnings.append('%s: %s back to %s, left at %s by an interrupted earlier load'
                        % (name, 'would be put' if check_mode else 'put', old, new))
        if not check_mode:
            try:
                run(cursor, statements[-1])
            except SqlError as exc:
                warnings[-1] = '%s: could not be put back to %s (%s): set it by hand' % (name, old, exc.message)
                left.append(name)
    if not check_mode and not left:
        forget(cursor)
    return statements, warnings


def statement(name, value):
    """The statement that sets ``name`` to ``value`` (for the report of what ran)."""
    return 'SET GLOBAL %s = %s' % (name, _literal(value))


def planned(cursor, wanted):
    """[(name, old, new)] that :func:`apply` would change (reads only; for check mode)."""
    bad = [name for name in wanted if not _NAME_RE.match(name)]
    if bad:
        raise ValueError('not a server variable name: %s' % ', '.join(sorted(bad)))
    return plan(read(cursor, list(wanted)), wanted)


class LoadSettings(object):
    """target_load_settings of a module run on its target: ``set()`` before the load (or, in check
    mode, what it would set), ``put_back()`` afterwards, in a finally. Fails the module on bad
    names or an unreachable target; warnings go to module.warn()."""

    def __init__(self, module, connect, target, raise_to=None):
        self.module = module
        self.wanted = dict(module.params['target_load_settings'] or {})
        for name, value in (raise_to or {}).items():  # sizes the data needs (only ever raised)
            if int(self.wanted.get(name) or 0) < int(value):
                self.wanted[name] = value
        self.connect = connect      # () -> a connection to the target
        self.target = target        # endpoint text for messages
        self.conn = None
        self.applied = []           # [(name, old, new)]
        self.set_queries = []       # statements run (or that would run) before the load
        self.restore_queries = []   # and after it
        self.recorded = False       # the originals are in RECORD on the target

    def set(self):
        if not self.wanted:
            return
        self.conn = self.connect()
        try:
            if self.module.check_mode:
                self.applied = planned(self.conn.cursor(), self.wanted)
                warnings = []
            else:
                self.applied, warnings = apply(self.conn.cursor(), self.wanted, self._record)
        except ValueError as exc:
            self.close()
            self.module.fail_json(msg='target_load_settings: %s' % exc)
        except SqlError as exc:
            self.close()
            self.module.fail_json(msg='cannot change the load settings of %s: %s' % (self.target, exc.message))
        self.set_queries = [statement(name, new) for name, _old, new in self.applied]
        for warning in warnings:
            self.module.warn('target_load_settings: %s' % warning)
        if self.module.check_mode:
            self.restore_queries = [statement(name, old) for name, old, _new in reversed(self.applied)]
            self.close()

    def _record(self, cursor, changes):
        try:
            record(cursor, changes)
            self.recorded = True
        except SqlError as exc:
            return ['cannot record the original values in %s (%s): they are put back at the end, but not after '
                    'a kill' % (RECORD, exc.message)]
        return []

    def put_back(self):
        if self.conn is None:
            return
        try:
            self.restore_queries = [statement(name, old) for name, old, _new in reversed(self.applied)]
            warnings = restore(self.conn.cursor(), self.applied)
            for warning in warnings:
                self.module.warn('target_load_settings: %s' % warning)
            if self.recorded and not warnings:
                forget(self.conn.cursor())
        except SqlError as exc:
            self.module.warn('target_load_settings: cannot put the settings back (%s); the next run will' % exc.message)
        finally:
            self.close()

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def report(self):
        return [dict(name=name, old=old, new=new) for name, old, new in self.applied]
