# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a MariaDB server wrote itself into its binary log since a GTID sequence number: only
RDS's own bookkeeping (its tables ``mysql.rds_%``: heartbeat, history, replication status, the
tables a replica of RDS ignores with replicate-wild-ignore-table=mysql.rds\\_%), or anything else.

Dialect layer for proof_record.py: the statements (SHOW BINARY LOGS, SHOW BINLOG EVENTS, which
the RDS master user may run: BINLOG MONITOR), event types and Info formats are MariaDB's. Each
binlog file starts with a Gtid_list event (Info ``[0-1-10,0-2-5]``: the last GTID per domain and
server before the file), so the scan starts at the last file whose list is at or below the
sequence number, and in it (when the server logs in one GTID domain only) past the events before
that sequence, which the server skips itself (SHOW BINLOG EVENTS ... LIMIT offset, count).

A transaction starts at its Gtid event (Info ``BEGIN GTID 0-2-6``, a DDL's ``GTID 0-2-7``); one of
the server's own counts as bookkeeping only when it is complete (Xid or COMMIT) and every table it
maps (Table_map Info ``table_id: 30 (mysql.rds_heartbeat2)``) is ``mysql.rds_*``: row-based
changes of those tables (the proof never reads the mysql schema). Any other event in it (a DDL or
a statement logged as a Query, Intvar, User var, ...) makes it a write of its own.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re
import time

from ansible_collections.mysql_rds.replication.plugins.module_utils.connection import SqlError, run

LIST_FILES = 'SHOW BINARY LOGS'
LIST_EVENTS = 'SHOW BINLOG EVENTS IN %s FROM %s LIMIT %s'
SKIP_EVENTS = 'SHOW BINLOG EVENTS IN %s FROM %s LIMIT %s, %s'  # the server skips the first ones itself
FIRST_POSITION = 4  # the first event of every binlog file (after the magic bytes)
MAX_EVENTS = 200000
MAX_SECONDS = 10.0
CHUNK = 10000
SKIP_FIRST, SKIP_LOOK = 4096, 64

_GTID = re.compile(r'^(?:BEGIN )?GTID (\d+)-(\d+)-(\d+)(?:\s|$)')
_LIST_ITEM = re.compile(r'(\d+)-(\d+)-(\d+)')
_TABLE_MAP = re.compile(r'^table_id: \d+ \((.*)\)$', re.S)
_BOOKKEEPING_TABLE = re.compile(r'^mysql\.rds_[^.]*$')
_ROW_EVENT = re.compile(r'^(Write|Update|Delete)_rows(_compressed)?(_v1)?$')
_FILE_EVENTS = ('Format_desc', 'Gtid_list', 'Binlog_checkpoint', 'Rotate', 'Stop', 'Start_encryption')

BOOKKEEPING, WRITE, UNREAD = 'bookkeeping', 'write', 'unread'


def supported(dialect):
    """Whether this reading applies: MariaDB binlogs (MySQL's GTIDs carry no server id)."""
    return bool(dialect.is_mariadb)


def gtid_of(info):
    """(domain, server id, sequence) of a Gtid event's Info, or None."""
    match = _GTID.match(info or '')
    return tuple(int(n) for n in match.groups()) if match else None


def listed_sequence(info, server_id):
    """The highest sequence of ``server_id`` in a Gtid_list event's Info (0: none)."""
    return max([int(seq) for _domain, server, seq in _LIST_ITEM.findall(info or '') if int(server) == server_id] or [0])


class Transaction(object):
    """One transaction of the server's own, classified event by event."""

    def __init__(self, gtid):
        self.gtid = gtid
        self.tables = 0
        self.complete = False
        self.other = None  # what made it a write of its own

    def add(self, event_type, info):
        info = info or ''
        if event_type == 'Table_map':
            match = _TABLE_MAP.match(info)
            table = match.group(1) if match else info
            if _BOOKKEEPING_TABLE.match(table):
                self.tables += 1
            else:
                self.other = self.other or 'writes %s' % table
        elif event_type == 'Xid' or (event_type == 'Query' and info.strip().upper() == 'COMMIT'):
            self.complete = True
        elif event_type == 'Annotate_rows' or _ROW_EVENT.match(event_type) \
                or (event_type == 'Query' and info.strip().upper() == 'BEGIN'):
            pass  # the statement's text, rows of the tables mapped above, the transaction's start
        else:
            self.other = self.other or '%s %s' % (event_type, ' '.join(info.split())[:80])

    def verdict(self):
        """None when only bookkeeping, else what it did (a phrase)."""
        if self.other:
            return self.other
        if not self.complete or not self.tables:
            return 'an incomplete transaction or one without a table'
        return None


def own_transactions(cursor, server_id, since, upto, gtid_state, max_events=MAX_EVENTS, max_seconds=MAX_SECONDS,
                     clock=time.monotonic):
    """Classify the transactions server ``server_id`` logged with a sequence in (``since``, ``upto``];
    ``gtid_state``: its binlog GTID state as read with ``upto`` (the domains it logged in).

    Returns (BOOKKEEPING, ''), (WRITE, 'GTID d-s-n: writes db.table') for the first own write, or
    (UNREAD, why) when the binlogs holding them are purged or unreadable, or the scan ran out of
    its bounds (``max_events`` events, ``max_seconds`` seconds)."""
    server_id, since, upto = int(server_id), int(since), int(upto)
    try:
        files = [row['Log_name'] for row in run(cursor, LIST_FILES)]
        start = _first_file(cursor, files, server_id, since)
        if start is None:
            return UNREAD, 'the binary logs holding them were purged'
        scan = _Scan(server_id, since, upto)
        started, read = clock(), 0
        domain = _own_domain(gtid_state, server_id)
        for name in files[start:]:
            position = FIRST_POSITION
            if domain is not None and name == files[start]:
                position = _skip_to(cursor, name, domain, since)
            while True:
                if read >= max_events or clock() - started > max_seconds:
                    return UNREAD, ('reading them stopped at its bound (%d binlog events, %g seconds)'
                                    % (max_events, max_seconds))
                limit = min(CHUNK, max_events - read)
                rows = run(cursor, LIST_EVENTS, [name, int(position), limit])
                read += len(rows)
                found = scan.feed(rows)
                if found:
                    return WRITE, found
                if len(rows) < limit:
                    break
                position = rows[-1]['End_log_pos']
        found = scan.close()
        if found:
            return WRITE, found
        if not scan.seen_upto:
            return UNREAD, 'the binary logs do not hold its transaction with sequence %d' % upto
        return BOOKKEEPING, ''
    except SqlError as exc:
        return UNREAD, 'its binary log could not be read: %s' % exc.message


def _own_domain(gtid_state, server_id):
    """The one GTID domain the server ever logged in (its binlog GTID state), else None."""
    domains = set(int(domain) for domain, server, _seq in _LIST_ITEM.findall(gtid_state or '')
                  if int(server) == server_id)
    return domains.pop() if len(domains) == 1 else None


def _skip_to(cursor, name, domain, since):
    """A position in binlog ``name`` before which the server's own transactions all have a sequence
    <= ``since``: the Gtid event of a transaction of its (only) ``domain`` with a sequence <= ``since``
    (sequences grow within a domain in binlog order). Galloping strides the server skips itself, so the
    events before the proof are not read one by one."""
    position, stride = FIRST_POSITION, SKIP_FIRST
    while stride >= SKIP_LOOK:
        ahead = None
        for row in run(cursor, SKIP_EVENTS, [name, int(position), stride, SKIP_LOOK]):
            gtid = gtid_of(row['Info']) if row['Event_type'] == 'Gtid' else None
            if gtid is not None and gtid[0] == domain:
                ahead = row['Pos'] if gtid[2] <= since else None
                break
        if ahead is None:
            stride //= 2
        else:
            position, stride = ahead, stride * 2
    return position


def _first_file(cursor, files, server_id, since):
    """Index in ``files`` of the last file whose Gtid_list is at or below ``since`` for the server
    (its later transactions are in it or after it), None when even the first one is beyond (purged)."""
    for index in range(len(files) - 1, -1, -1):
        head = [row for row in run(cursor, LIST_EVENTS, [files[index], FIRST_POSITION, 3])
                if row['Event_type'] == 'Gtid_list']
        if head and listed_sequence(head[0]['Info'], server_id) <= since:
            return index
    return None


class _Scan(object):
    """Events in binlog order: the server's own transactions with a sequence in (since, upto]."""

    def __init__(self, server_id, since, upto):
        self.server_id, self.since, self.upto = server_id, since, upto
        self.current = None
        self.seen_upto = False

    def feed(self, rows):
        """The first own write among ``rows`` (a phrase with its GTID) or None."""
        for row in rows:
            gtid = gtid_of(row['Info']) if row['Event_type'] == 'Gtid' else None
            if gtid is not None or row['Event_type'] in _FILE_EVENTS + ('Gtid',):
                found = self.close()
                if found:
                    return found
            if row['Event_type'] == 'Gtid' and gtid is None and int(row['Server_id'] or 0) == self.server_id:
                return 'a Gtid event not understood: %s' % row['Info']  # another form (XA, ...): no guess
            if gtid is not None and gtid[1] == self.server_id and self.since < gtid[2] <= self.upto:
                self.current = Transaction(gtid)
                self.seen_upto = self.seen_upto or gtid[2] == self.upto
            elif gtid is None and self.current is not None:
                self.current.add(row['Event_type'], row['Info'])
        return None

    def close(self):
        """Ends the transaction being read: what made it an own write, or None."""
        transaction, self.current = self.current, None
        if transaction is None:
            return None
        what = transaction.verdict()
        return 'GTID %s: %s' % ('-'.join(str(n) for n in transaction.gtid), what) if what else None
