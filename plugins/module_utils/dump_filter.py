# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make a mysqldump/mariadb-dump stream loadable by an RDS master user.

The RDS master user has no SUPER, so a plain dump of a self-managed server fails to load on:
``DEFINER=`other`@`host``` clauses, ``SET @@GLOBAL.GTID_PURGED``, ``SET @@SESSION.SQL_LOG_BIN``
and the other statements that need SUPER (``SET GLOBAL``, ``CHANGE MASTER``, ``START SLAVE``...).
``DumpFilter`` rewrites the stream line by line (bytes in, bytes out, nothing buffered but the
current line) and reads the binary log coordinates that ``--master-data=2 --gtid`` writes as
comments, so the caller can start replication from them.

Data lines (``INSERT INTO``, and the row lines that follow it in newer mariadb-dump output) are
passed through untouched: a row value that happens to contain ``DEFINER=`` is never changed.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

DEFINER_MODES = ('strip', 'rewrite', 'keep')

_QUOTED = br"(?:`(?:[^`]|``)*`|'(?:[^'\\]|\\.|'')*'|\"[^\"]*\"|[A-Za-z0-9_.$%-]+)"
_DEFINER_RE = re.compile(br'DEFINER\s*=\s*(?:CURRENT_USER(?:\s*\(\s*\))?|' + _QUOTED + br'\s*@\s*' + _QUOTED + br')',
                         re.IGNORECASE)

# Statements the RDS master user may not run. Matched at the start of a line, optionally inside
# a versioned comment (/*!40000 ... */); a match drops the whole statement (to its ';').
_SUPER_ONLY_RE = re.compile(
    br'^\s*(?:/\*!?M?!?\d*\s*)?(?:'
    br'SET\s+(?:@@GLOBAL\.|GLOBAL\s+)'                      # SET GLOBAL x / SET @@GLOBAL.GTID_PURGED
    br'|SET\s+(?:@@SESSION\.|@@|SESSION\s+)?SQL_LOG_BIN\s*='  # SET @@SESSION.SQL_LOG_BIN= 0
    br'|CHANGE\s+(?:MASTER|REPLICATION\s+SOURCE)\s+TO\b'
    br'|(?:START|STOP)\s+(?:ALL\s+)?(?:SLAVE|REPLICA)S?\b'
    br'|RESET\s+(?:MASTER|SLAVE|REPLICA|BINARY\s+LOGS)\b'
    br'|PURGE\s+(?:BINARY|MASTER)\s+LOGS\b'
    br')',
    re.IGNORECASE)

_FILE_POS_RE = re.compile(
    br"^--\s*CHANGE\s+(?:MASTER|REPLICATION\s+SOURCE)\s+TO\s+(?:MASTER|SOURCE)_LOG_FILE\s*=\s*'([^']+)'\s*,"
    br"\s*(?:MASTER|SOURCE)_LOG_POS\s*=\s*(\d+)", re.IGNORECASE)
_GTID_RE = re.compile(br"^--\s*SET\s+GLOBAL\s+gtid_slave_pos\s*=\s*'([^']*)'", re.IGNORECASE)

_INSERT_PREFIX = b'INSERT INTO '


class DumpFilter(object):
    """Line filter; call :meth:`line` for every line (with its newline), write what it returns."""

    def __init__(self, definer='strip', definer_user=None):
        if definer not in DEFINER_MODES:
            raise ValueError('definer must be one of %s' % ', '.join(DEFINER_MODES))
        if definer == 'rewrite' and not definer_user:
            raise ValueError('definer=rewrite needs definer_user')
        self.definer = definer
        self._replacement = b''
        if definer == 'rewrite':
            self._replacement = b'DEFINER=' + _definer_literal(definer_user)
        self.log_file = None
        self.log_pos = None
        self.gtid = None
        self.dropped = []          # first line of every dropped statement (for the report)
        self.definers = 0          # DEFINER clauses stripped or rewritten
        self._dropping = False
        self._in_insert = False

    @property
    def coordinates(self):
        return dict(log_file=self.log_file, log_pos=self.log_pos, gtid=self.gtid)

    def line(self, data):
        """Return the bytes to write for the dump line ``data`` (b'' when dropped)."""
        if self._dropping:
            self._dropping = not _ends_statement(data)
            return b''
        if self._in_insert:
            self._in_insert = not data.rstrip().endswith(b');')
            return data
        if data.startswith(_INSERT_PREFIX):
            # mariadb-dump 10.11.8+ writes one row per line after 'INSERT INTO `t` VALUES'.
            self._in_insert = not data.rstrip().endswith(b';')
            return data
        if data.startswith(b'--'):
            self._read_coordinates(data)
            return data
        if _SUPER_ONLY_RE.match(data):
            self.dropped.append(data.strip()[:200].decode('utf-8', 'replace'))
            self._dropping = not _ends_statement(data)
            return b''
        if self.definer != 'keep' and b'DEFINER' in data.upper():
            data, count = _DEFINER_RE.subn(self._replacement, data)
            self.definers += count
        return data

    def _read_coordinates(self, data):
        match = _FILE_POS_RE.match(data)
        if match:
            self.log_file = match.group(1).decode('utf-8')
            self.log_pos = int(match.group(2))
            return
        match = _GTID_RE.match(data)
        if match:
            self.gtid = match.group(1).decode('utf-8')


def _ends_statement(data):
    stripped = data.rstrip()
    return stripped.endswith(b';') or stripped.endswith(b';;')


def _definer_literal(user):
    """'admin' or 'admin@%' -> b'`admin`@`%`' (host defaults to '%', as the RDS master user's)."""
    name, _sep, host = user.partition('@')
    host = host or '%'
    return ('`%s`@`%s`' % (name.replace('`', '``'), host.replace('`', '``'))).encode('utf-8')


def filter_stream(source, sink, dump_filter):
    """Copy ``source`` (a binary file object) to ``sink`` through ``dump_filter``; return bytes written."""
    written = 0
    for data in iter(source.readline, b''):
        out = dump_filter.line(data)
        if out:
            sink.write(out)
            written += len(out)
    return written
