# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Copy schemas with several ``dump | filter | load`` streams that read one and the same snapshot.

Each data stream is a ``mariadb-dump --single-transaction`` of its share of the tables. MariaDB
reports, inside each stream's snapshot, the binlog position that snapshot matches; the stream's
header carries it. While the streams open their snapshots the caller holds ``LOCK TABLES ... READ``
on every copied table (the RDS master user may; it may not run FLUSH TABLES WITH READ LOCK), so all
snapshots see the same rows of those tables, and writes to them wait only until every stream
showed that its snapshot is open (its position, or without one the first line of its body).
Events between the streams' positions can only touch other tables, so replication starts from
the earliest position (:func:`earliest`) and loses nothing.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import threading
import time

from ansible_collections.mysql_rds.replication.plugins.module_utils.checksum import quote_identifier as quote
from ansible_collections.mysql_rds.replication.plugins.module_utils.dump_filter import filter_stream
from ansible_collections.mysql_rds.replication.plugins.module_utils.dump_dialect import DATA_PREFIX, opens_body
from ansible_collections.mysql_rds.replication.plugins.module_utils.stream_pipe import Meter, stream_between, stream_direct

# Objects that hold rows (views and the like are created by the schema stream only).
DATA_TABLE_TYPES = ('BASE TABLE', 'SYSTEM VERSIONED', 'SEQUENCE')


class SnapshotOpenTimeout(Exception):
    """A stream did not report its snapshot's position in time."""


def tables_sql(databases):
    """Query (one %s per schema) for (db, tbl, size) of the tables that hold rows."""
    return ("SELECT TABLE_SCHEMA AS db, TABLE_NAME AS tbl,"
            " COALESCE(DATA_LENGTH, 0) + COALESCE(INDEX_LENGTH, 0) AS size FROM information_schema.TABLES"
            " WHERE TABLE_SCHEMA IN (%s) AND TABLE_TYPE IN (%s) ORDER BY TABLE_SCHEMA, TABLE_NAME"
            % (', '.join(['%s'] * len(databases)), ', '.join("'%s'" % kind for kind in DATA_TABLE_TYPES)))


def assign(tables, streams):
    """Share ``[(db, tbl, size)]`` among at most ``streams`` groups, biggest first into the lightest
    group; returns the non-empty groups as lists of (db, tbl)."""
    groups = [[] for _index in range(max(1, streams))]
    loads = [0] * len(groups)
    for db, tbl, size in sorted(tables, key=lambda item: (-int(item[2] or 0), item[0], item[1])):
        lightest = loads.index(min(loads))
        groups[lightest].append((db, tbl))
        loads[lightest] += int(size or 0)
    return [sorted(group) for group in groups if group]


INTEGER_TYPES = ('tinyint', 'smallint', 'mediumint', 'int', 'bigint')


def integer_keys_sql(databases):
    """Query (one %s per schema) for (db, tbl, col, columns, type) of every primary key."""
    return ("SELECT s.TABLE_SCHEMA AS db, s.TABLE_NAME AS tbl, MIN(s.COLUMN_NAME) AS col, COUNT(*) AS columns,"
            " MIN(c.DATA_TYPE) AS type FROM information_schema.STATISTICS s JOIN information_schema.COLUMNS c"
            " ON c.TABLE_SCHEMA = s.TABLE_SCHEMA AND c.TABLE_NAME = s.TABLE_NAME AND c.COLUMN_NAME = s.COLUMN_NAME"
            " WHERE s.INDEX_NAME = 'PRIMARY' AND s.TABLE_SCHEMA IN (%s) GROUP BY s.TABLE_SCHEMA, s.TABLE_NAME"
            % ', '.join(['%s'] * len(databases)))


def integer_keys(rows):
    """{(db, tbl): column} of the tables whose primary key is one integer column."""
    return dict(((row['db'], row['tbl']), row['col']) for row in rows
                if int(row['columns']) == 1 and str(row['type']).lower() in INTEGER_TYPES)


def plan(tables, keys, streams):
    """Split the work [(db, tbl, size)] among ``streams``: (chunked, groups).

    A table bigger than 1.5 fair shares (total / streams) whose primary key is one integer column
    (``keys``: {(db, tbl): column}) gets streams of its own, one per primary key range: chunked is
    [(db, tbl, column, ranges)]. The other tables are shared among the streams left (at least one
    when there are other tables): groups, as :func:`assign` returns them."""
    total = sum(int(size or 0) for _db, _tbl, size in tables)
    share = float(total) / max(1, streams)
    left = streams
    chunked, rest = [], []
    for db, tbl, size in sorted(tables, key=lambda item: (-int(item[2] or 0), item[0], item[1])):
        others = 1 if len(tables) > len(chunked) + 1 else 0
        ranges = min(int(round(int(size or 0) / share)) if share else 0, left - others)
        if (db, tbl) in keys and int(size or 0) > 1.5 * share and ranges >= 2:
            chunked.append((db, tbl, keys[(db, tbl)], ranges))
            left -= ranges
        else:
            rest.append((db, tbl, size))
    return chunked, assign(rest, max(1, left)) if rest else []


def bounds(low, high, ranges):
    """``ranges`` [from, to) primary key bounds covering low..high; the first starts and the last
    ends open (None), so that rows inserted beyond low..high later are still in one range."""
    low, high = int(low), int(high)
    width = (high - low + 1) / float(ranges)
    cuts = sorted(set(low + int(width * index) for index in range(1, ranges)))
    cuts = [cut for cut in cuts if low < cut <= high]
    edges = [None] + cuts + [None]
    return list(zip(edges[:-1], edges[1:]))


def where(column, start, end):
    """The --where condition of one range (both ends may be open)."""
    parts = []
    if start is not None:
        parts.append('%s >= %d' % (quote(column), start))
    if end is not None:
        parts.append('%s < %d' % (quote(column), end))
    return ' AND '.join(parts) or '1=1'


def ignore_options(tables, mine):
    """--ignore-table for every table of ``tables`` [(db, tbl, size)] not in the group ``mine``."""
    keep = set(mine)
    return ['--ignore-table=%s.%s' % (db, tbl) for db, tbl, _size in tables if (db, tbl) not in keep]


def lock_statement(tables):
    return 'LOCK TABLES %s' % ', '.join('%s.%s READ' % (quote(db), quote(tbl)) for db, tbl, _size in tables)


def _binlog_order(name):
    """mysql-bin.000099 < mysql-bin.1000000: by base name, then by the number after the last dot."""
    base, _dot, number = name.rpartition('.')
    return (base, int(number)) if number.isdigit() else (name, 0)


def earliest(coordinates):
    """The coordinates ({file, position, gtid}) with the smallest (file, position); None without any."""
    present = [item for item in coordinates if item.get('file')]
    if not present:
        return None
    return min(present, key=lambda item: (_binlog_order(item['file']), int(item['position'] or 0)))


def part_paths(dump_path, parts):
    """{part: path} of the kept copies: <stem>.<part><ext> beside ``dump_path`` (None: keep nothing)."""
    if not dump_path:
        return dict((part, None) for part in parts)
    stem, ext = os.path.splitext(dump_path)
    return dict((part, '%s.%s%s' % (stem, part, ext or '.sql')) for part in parts)


class Stream(threading.Thread):
    """One dump into one load in a thread; ``opened`` is set once the dump showed that its snapshot
    is open (DumpFilter.snapshot_open), or once the stream ended, whatever happened.

    ``direct`` (and nothing to keep on disk): the rows go from the dump client to the load client
    through a socket pair, Python reading none of them; only the start of the stream is looked at
    (coordinates, snapshot open). A start that holds a statement the filter would drop (a dump
    client's SUPER statements) sends the whole stream through the filter instead."""

    def __init__(self, name, dump_cmd, load_cmd, dump_filter, keep_path=None, direct=False):
        super(Stream, self).__init__(name=name)
        self.daemon = True
        self.dump_cmd = dump_cmd
        self.load_cmd = load_cmd
        self.dump_filter = dump_filter
        self.keep_path = keep_path
        self.direct = direct and not keep_path
        self.opened = threading.Event()
        self.processes = []
        self.result = None
        self.error = None
        self.meter = Meter()
        self._looked = 0
        self._body = False

    def _transform(self, source, sink):
        written = 0
        for data in iter(source.readline, b''):
            out = self.dump_filter.line(data)
            if out:
                sink.write(out)
                written += len(out)
            if self.dump_filter.snapshot_open:
                break
        self.opened.set()
        return written + filter_stream(source, sink, self.dump_filter)

    def _look(self, data, ended):
        """stream_direct's look: parse the complete lines not seen yet; straight through once the
        body starts (or the dump ended), through the filter when it would drop something."""
        end = len(data) if ended else data.rfind(b'\n') + 1
        for line in data[self._looked:end].splitlines(True):
            self.dump_filter.line(line)
            if self.dump_filter.snapshot_open:
                self.opened.set()
            self._body = self._body or opens_body(line) or line.startswith(DATA_PREFIX)
        self._looked = max(self._looked, end)
        if self.dump_filter.dropped:
            self.dump_filter = self.dump_filter.fresh()
            self.direct = False
            return False
        return True if (self._body or ended) else None

    def run(self):
        try:
            if self.direct:
                self.result = stream_direct(self.dump_cmd, self.load_cmd, self._look, self._transform,
                                            started=self.processes, meter=self.meter)
            else:
                self.result = stream_between(self.dump_cmd, self.load_cmd, self._transform, keep_path=self.keep_path,
                                             started=self.processes, meter=self.meter)
        except (IOError, OSError) as exc:
            self.error = exc
        finally:
            self.opened.set()

    def kill(self):
        for process in self.processes:
            try:
                process.kill()
            except OSError:
                pass


def run_streams(streams, release=None, open_timeout=60):
    """Start ``streams``; call ``release()`` (end the lock) once every snapshot is open, or at the
    first failure. Returns the seconds between start and release. Raises SnapshotOpenTimeout, after
    ending every stream, when a snapshot did not open within ``open_timeout`` seconds."""
    started = time.time()
    for stream in streams:
        stream.start()
    deadline = started + open_timeout
    try:
        try:
            late = [stream for stream in streams if not stream.opened.wait(max(0.0, deadline - time.time()))]
        finally:
            if release is not None:
                release()
        held = time.time() - started
        if late:
            for stream in streams:
                stream.kill()
        for stream in streams:
            stream.join()
    except BaseException:
        for stream in streams:  # interrupted (a signal): no client outlives the module
            stream.kill()
        raise
    if late:
        raise SnapshotOpenTimeout('%s did not open its snapshot within %ss' % (late[0].name, open_timeout))
    return held
