# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A PyMySQL-like cursor for module tests: canned answers, every statement recorded."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class FakeCursor(object):
    """Answers queries by the first matching substring; records every statement.

    ``answers`` is a list of (needle, rows); rows is a list of dicts, a callable
    ``(sql, params) -> rows``, or an exception to raise. ``executed`` keeps (sql, params),
    ``statements`` the statements with their parameters filled in.
    """

    def __init__(self, answers):
        self.answers = answers
        self.executed = []
        self.description = None
        self._rows = []

    @property
    def statements(self):
        return [sql % tuple(params) if params else sql for sql, params in self.executed]

    def execute(self, sql, params=None):
        self.executed.append((sql, params))
        for needle, rows in self.answers:
            if needle in sql:
                if isinstance(rows, Exception):
                    raise rows
                self._rows = rows(sql, params) if callable(rows) else rows
                self.description = [('x',)] if self._rows else None
                return
        self._rows, self.description = [], None

    def fetchall(self):
        return self._rows

    def nextset(self):
        return None
