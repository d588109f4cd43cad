# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make a dump stream loadable by an RDS master user.

The RDS master user has no SUPER, so a plain dump of a self-managed server fails to load on
``DEFINER=`other`@`host``` clauses and on the statements that need SUPER (the list is in
dump_dialect.py). ``DumpFilter`` rewrites the stream line by line (bytes in, bytes out, nothing
buffered but the current line) and reads the binlog coordinates the dump writes as comments, so
the caller can start replication from them.

Data lines (``INSERT INTO``, and the row lines that follow it in newer mariadb-dump output) are
passed through untouched: a row value that happens to contain ``DEFINER=`` is never changed.

With ``event_clause`` (the target dialect's words for "disabled on a replica"), every enabled
event is created with that status instead: it keeps its definition but does not run on a replica
(whose event scheduler may be on) until it is enabled there, at the cutover.

With ``defer_keys`` (the schema step of a parallel copy), tables are created without their plain
secondary keys (dump_dialect.without_plain_keys; a CREATE TABLE statement is held until its end)
and ``deferred`` lists them, for the copy to add once the rows are in.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import collections

from ansible_collections.mysql_rds.replication.plugins.module_utils import dump_dialect

HEAD = 100         # bytes of a statement kept for an error message (never more of its row data)
HEADS_KEPT = 4096  # the last statement starts remembered (the loader fails a few behind the filter)

DEFINER_MODES = ('strip', 'rewrite', 'keep')


class DumpFilter(object):
    """Line filter; call :meth:`line` for every line (with its newline), write what it returns."""

    def __init__(self, definer='strip', definer_user=None, event_clause=None, defer_keys=False):
        if definer not in DEFINER_MODES:
            raise ValueError('definer must be one of %s' % ', '.join(DEFINER_MODES))
        if definer == 'rewrite' and not definer_user:
            raise ValueError('definer=rewrite needs definer_user')
        self.definer = definer
        self.definer_user = definer_user
        self._replacement = b''
        if definer == 'rewrite':
            self._replacement = b'DEFINER=' + dump_dialect.definer_literal(definer_user)
        self.event_clause = event_clause  # set: enabled events are created disabled on a replica with it
        self.events_disabled = []  # 'schema.event' of those
        self.defer_keys = defer_keys
        self.deferred = []         # (schema, table, [key clause (bytes)]) of the keys left out
        self._table = None         # the lines of the CREATE TABLE statement being held
        self._schema = None
        self.coordinates = dict(file=None, position=None, gtid='')  # {file, position, gtid} of the snapshot
        self.snapshot_open = False  # the dump wrote its position or its body: its snapshot is open
        self.dropped = []          # first line of every dropped statement (for the report)
        self.definers = 0          # DEFINER clauses stripped or rewritten
        self._dropping = False
        self._in_insert = False
        self.lines = 0             # lines written so far (the loader's 'at line N')
        self._heads = collections.deque(maxlen=HEADS_KEPT)  # (first line, head) of recent statements
        self._between = True       # the last line written ended a statement

    def fresh(self):
        """A filter with the same settings and nothing seen yet."""
        return DumpFilter(self.definer, self.definer_user, self.event_clause, self.defer_keys)

    def line(self, data):
        """Return the bytes to write for the dump line ``data`` (b'' when dropped)."""
        out = self._line(data)
        if out:
            self.lines += out.count(b'\n')
            if self._between and not out.startswith(b'--') and out.strip():
                self._heads.append((self.lines - out.count(b'\n') + 1, out[:HEAD]))
            if out.strip():
                self._between = out.startswith(b'--') or _ends_statement(out)
        return out

    def statement_at(self, number):
        """The head (at most HEAD bytes, as text) of the statement that holds written line ``number``, or ''."""
        found = ''
        for first, head in self._heads:
            if first > number:
                break
            found = head.split(b'\n')[0].decode('utf-8', 'replace')
        return found

    def _line(self, data):
        if self._dropping:
            self._dropping = not _ends_statement(data)
            return b''
        if self._in_insert:
            self._in_insert = not data.rstrip().endswith(b');')
            return data
        if self._table is not None:
            return self._create_table(data)
        if data.startswith(dump_dialect.DATA_PREFIX):
            # mariadb-dump 10.11.8+ writes one row per line after 'INSERT INTO `t` VALUES'.
            self._in_insert = not data.rstrip().endswith(b';')
            return data
        if data.startswith(b'--'):
            found = dump_dialect.header_coordinates(data)
            self.coordinates.update(found)
            if 'file' in found or dump_dialect.opens_body(data):
                self.snapshot_open = True
            return data
        if dump_dialect.refused(data):
            self.dropped.append(data.strip()[:200].decode('utf-8', 'replace'))
            self._dropping = not _ends_statement(data)
            return b''
        if data.startswith(b'USE '):
            self._schema = dump_dialect.used_schema(data) or self._schema
        if self.defer_keys and dump_dialect.created_table(data) is not None:
            self._table = []
            return self._create_table(data)
        if self.event_clause and b'EVENT' in data.upper():
            data, event = dump_dialect.disable_event_on_replica(data, self.event_clause)
            if event is not None:
                self.events_disabled.append('%s.%s' % (self._schema, event))
        if self.definer != 'keep' and b'DEFINER' in data.upper():
            data, count = dump_dialect.DEFINER_RE.subn(self._replacement, data)
            self.definers += count
        return data

    def _create_table(self, data):
        """Hold the lines of a CREATE TABLE statement; at its end, return it without its deferred keys."""
        self._table.append(data)
        if not _ends_statement(data):
            return b''
        lines, keys = dump_dialect.without_plain_keys(self._table)
        self._table = None
        if keys:
            self.deferred.append((self._schema, dump_dialect.created_table(lines[0]), keys))
        return b''.join(lines)


def _ends_statement(data):
    stripped = data.rstrip()
    return stripped.endswith(b';') or stripped.endswith(b';;')


def filter_stream(source, sink, dump_filter):
    """Copy ``source`` (a binary file object) to ``sink`` through ``dump_filter``; return bytes written."""
    written = 0
    for data in iter(source.readline, b''):
        out = dump_filter.line(data)
        if out:
            sink.write(out)
            written += len(out)
    return written
