# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Global server settings that speed up a bulk load on a self-managed target, set for the load and
put back afterwards.

A size (redo log, buffer pool) is only ever raised: a server configured bigger keeps its value. A
setting the server does not have, or cannot change while running, is skipped with a warning.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.mysql_rds.replication.plugins.module_utils.connection import SqlError, run

RAISE_ONLY = ('innodb_log_file_size', 'innodb_redo_log_capacity', 'innodb_buffer_pool_size')
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


def apply(cursor, wanted):
    """Set ``wanted`` ({name: value}); returns (applied [(name, old, new)], warnings)."""
    bad = [name for name in wanted if not _NAME_RE.match(name)]
    if bad:
        raise ValueError('not a server variable name: %s' % ', '.join(sorted(bad)))
    current = read(cursor, list(wanted))
    warnings = ['%s: not a variable of this server, left alone' % name for name in sorted(set(wanted) - set(current))]
    applied = []
    for name, old, new in plan(current, wanted):
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

    def __init__(self, module, connect, target):
        self.module = module
        self.wanted = module.params['target_load_settings'] or {}
        self.connect = connect      # () -> a connection to the target
        self.target = target        # endpoint text for messages
        self.conn = None
        self.applied = []           # [(name, old, new)]
        self.set_queries = []       # statements run (or that would run) before the load
        self.restore_queries = []   # and after it

    def set(self):
        if not self.wanted:
            return
        self.conn = self.connect()
        try:
            if self.module.check_mode:
                self.applied = planned(self.conn.cursor(), self.wanted)
                warnings = []
            else:
                self.applied, warnings = apply(self.conn.cursor(), self.wanted)
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

    def put_back(self):
        if self.conn is None:
            return
        try:
            self.restore_queries = [statement(name, old) for name, old, _new in reversed(self.applied)]
            for warning in restore(self.conn.cursor(), self.applied):
                self.module.warn('target_load_settings: %s' % warning)
        finally:
            self.close()

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def report(self):
        return [dict(name=name, old=old, new=new) for name, old, new in self.applied]
