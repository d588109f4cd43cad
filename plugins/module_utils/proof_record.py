# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The record of the last passed proof of a source/replica pair, so that a re-run that changed
nothing does not read every row again.

Kept on a self-managed server of the pair (the replica in direction 1, the source in direction 2),
in the table RECORD of the ``mysql`` schema, written with sql_log_bin=0 (it never replicates),
as load_settings.py keeps its record. A record holds where the replica's applier was in the
source's binlog when the proof passed (file, position, GTID) and whom it replicated from. It is
reused (:func:`still_valid`) only while the replica still replicates from that source, both of
its threads run without an error, its applier is at or beyond the recorded position, and it
logged no transaction of its own since, but RDS's bookkeeping (binlog_events.py: its heartbeat
and history in mysql.rds_%): the rows proven equal then have only been changed by the replication
that was proven.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import json
import re

from ansible_collections.mysql_rds.replication.plugins.module_utils import binlog_events
from ansible_collections.mysql_rds.replication.plugins.module_utils.connection import SqlError, run
from ansible_collections.mysql_rds.replication.plugins.module_utils.dialect import SKIP_BINLOG
from ansible_collections.mysql_rds.replication.plugins.module_utils.replication_status import (
    executed_coordinates, read_replica_gtid, read_status)

RECORD = 'mysql.mysql_rds_replication_proof'
RECORD_DDL = ('CREATE TABLE IF NOT EXISTS %s (pair VARCHAR(255) NOT NULL PRIMARY KEY, source_server_id BIGINT,'
              ' log_file VARCHAR(255), log_pos BIGINT, gtid TEXT, own_writes BIGINT, tables INT, proved_at TIMESTAMP'
              ' DEFAULT CURRENT_TIMESTAMP) ENGINE=InnoDB' % RECORD)
_MARIADB_GTID = re.compile(r'^(\d+)-(\d+)-(\d+)$')
OWN_WRITES = 'the replica logged writes of its own since the last proof'


def _binlog_order(name, position):
    base, _dot, number = (name or '').rpartition('.')
    return (base, int(number) if number.isdigit() else 0, int(position or 0))


def gtid_covers(current, recorded):
    """Whether the GTID position ``current`` is at or beyond ``recorded`` (MariaDB domain-server-seq
    lists; True when either is empty or not in that form: the binlog position decides then)."""
    def parse(text):
        found = {}
        for part in (text or '').replace(' ', '').split(','):
            match = _MARIADB_GTID.match(part)
            if not match:
                return None
            found[match.group(1)] = int(match.group(3))
        return found
    now, then = parse(current), parse(recorded)
    if not now or not then:
        return True
    return all(domain in now and now[domain] >= seq for domain, seq in then.items())


def own_writes(gtid, server_id):
    """The highest sequence number of the transactions server ``server_id`` logged itself, in its
    binlog GTID state (MariaDB domain-server-seq; 0 otherwise): it grows with every write made on the
    replica itself, which replication's positions do not show."""
    found = 0
    for part in (gtid or '').replace(' ', '').split(','):
        match = _MARIADB_GTID.match(part)
        if match and int(match.group(2)) == int(server_id or 0):
            found = max(found, int(match.group(3)))
    return found


def replica_state(cursor, dialect, rds=False):
    """{status, coordinates (file, position, gtid) of the applier, own_writes, server_id, gtid_state (its binlog
    GTID state, MariaDB; '' otherwise)} of the replica behind ``cursor``."""
    status = read_status(cursor, dialect, as_rds_master_user=rds)
    where = executed_coordinates(status)
    try:
        where['gtid'] = read_replica_gtid(cursor, dialect)
    except SqlError:
        where['gtid'] = ''
    server_id, gtid_state = None, ''
    try:
        server_id = run(cursor, 'SELECT @@global.server_id AS id')[0]['id']
        # Per domain AND server id: the binlog position keeps one GTID per domain only, so a
        # replica's own write would hide behind the next replicated one there.
        statement = dialect.binlog_gtid_state_statement()
        gtid_state = run(cursor, *statement)[0]['gtid'] if statement else ''
    except SqlError:
        pass  # no such state (MySQL, binary log off): the positions alone decide
    return dict(status=status, coordinates=where, own_writes=own_writes(gtid_state, server_id), server_id=server_id,
                gtid_state=gtid_state or '')


def read(cursor, pair):
    """The record of ``pair`` or None (none yet, or no record table)."""
    try:
        rows = run(cursor, 'SELECT source_server_id, log_file, log_pos, gtid, own_writes, tables, proved_at FROM %s'
                   ' WHERE pair = %%s' % RECORD, [pair])
    except SqlError as exc:
        if exc.errno in (1146, 1142, 1054):  # no table yet, not allowed to read it, an older layout: no record
            return None
        raise
    if not rows:
        return None
    row = rows[0]
    return dict(source_server_id=row['source_server_id'], file=row['log_file'], position=int(row['log_pos'] or 0),
                gtid=row['gtid'] or '', own_writes=int(row['own_writes'] or 0), tables=int(row['tables'] or 0),
                proved_at=str(row['proved_at']))


def write(cursor, pair, state, tables):
    """Record that ``pair`` was proven with the replica's applier at ``state`` (replica_state())."""
    where, status = state['coordinates'], state['status']
    run(cursor, SKIP_BINLOG)
    run(cursor, RECORD_DDL)
    run(cursor, 'REPLACE INTO %s (pair, source_server_id, log_file, log_pos, gtid, own_writes, tables) VALUES (%%s,'
                ' %%s, %%s, %%s, %%s, %%s, %%s)' % RECORD, [pair, status.get('source_server_id'), where['file'],
                                                            int(where['position']), where['gtid'],
                                                            int(state.get('own_writes') or 0), int(tables)])


def still_valid(record, state):
    """'' when ``record`` still holds for the replica's ``state``, else why not (a sentence)."""
    status, where = state['status'], state['coordinates']
    if record is None:
        return 'no proof recorded for this pair yet'
    if not status.get('configured'):
        return 'the replica has no source configured'
    if status.get('io_running') != 'Yes' or status.get('sql_running') != 'Yes' or status.get('last_sql_errno') \
            or status.get('last_io_errno'):
        return 'replication on the replica is not running cleanly'
    if record['source_server_id'] and status.get('source_server_id') \
            and int(record['source_server_id']) != int(status['source_server_id']):
        return 'the replica replicates from another server than at the last proof'
    if _binlog_order(where['file'], where['position']) < _binlog_order(record['file'], record['position']):
        return "the replica's applier is behind the position of the last proof (replication was reset)"
    if not gtid_covers(where['gtid'], record['gtid']):
        return "the replica's GTID position does not contain the one of the last proof"
    if int(state.get('own_writes') or 0) > int(record.get('own_writes') or 0):
        return OWN_WRITES
    return ''


def own_writes_reason(cursor, dialect, record, state):
    """When only the own-writes mark moved (still_valid() said OWN_WRITES): '' if every transaction
    the replica logged itself since the record was RDS's bookkeeping, else why the proof runs again."""
    if not binlog_events.supported(dialect) or not state.get('server_id'):
        return OWN_WRITES
    kind, detail = binlog_events.own_transactions(
        cursor, state['server_id'], record['own_writes'], state['own_writes'], state.get('gtid_state', ''))
    if kind == binlog_events.BOOKKEEPING:
        return ''
    if kind == binlog_events.WRITE:
        return '%s (%s)' % (OWN_WRITES, detail)
    return 'the replica logged transactions of its own since the last proof, and %s' % detail


def mark_own_writes(cursor, pair, own):
    """Move the record's own-writes mark to ``own`` (the replica's own transactions up to it were
    bookkeeping): the next re-run reads the binlog from there. Its proof and time stay."""
    run(cursor, SKIP_BINLOG)
    run(cursor, 'UPDATE %s SET own_writes = %%s, proved_at = proved_at WHERE pair = %%s AND own_writes < %%s' % RECORD,
        [int(own), pair, int(own)])


def pair_key(params):
    """The record's key: the pair's name and a digest of the schemas selected (another selection, another record)."""
    scope = json.dumps([sorted(params['databases']), sorted(params['exclude_databases'])])
    return '%s %s' % (params['proof_record'][:200], hashlib.sha1(scope.encode('utf-8')).hexdigest()[:16])


def _on_replica(params, connect, dialect_of, work):
    """work(cursor, dialect) on the replica (O(replica_login), else the module's login: RDS when O(rds))."""
    conn = connect(params['replica_login'])
    try:
        cursor = conn.cursor()
        return work(cursor, dialect_of(cursor))
    finally:
        conn.close()


def _replica_state_now(params, connect, dialect_of):
    """replica_state() of the replica."""
    rds = params['rds'] and params['replica_login'] is None
    return _on_replica(params, connect, dialect_of, lambda cursor, dialect: replica_state(cursor, dialect, rds=rds))


def record_step(module, connect, params, dialect_of):
    """table_checksum's proof record (O(proof_record)): returns (result to exit with when the last proof
    still holds or only the record was asked for, else None; the reason a proof runs again).

    ``connect(options)`` opens a connection (None: the module's login); ``dialect_of(cursor)`` detects."""
    reprove = params['reprove']
    state = _replica_state_now(params, connect, dialect_of)
    conn = connect(params['proof_record_login'] or params['replica_login'])
    try:
        cursor = conn.cursor()
        if reprove == 'record_only':
            if not module.check_mode:
                write(cursor, pair_key(params), state, params['proof_tables'])
            return dict(changed=False, reused=False, recorded=not module.check_mode, record=state['coordinates'],
                        queries=[]), ''
        record = read(cursor, pair_key(params))
        reason = 'reprove=always' if reprove == 'always' else still_valid(record, state)
        if reason == OWN_WRITES:
            reason = _on_replica(params, connect, dialect_of,
                                 lambda replica, dialect: own_writes_reason(replica, dialect, record, state))
            if not reason and not module.check_mode:
                mark_own_writes(cursor, pair_key(params), state['own_writes'])
    finally:
        conn.close()
    if reason and reprove == 'check':
        return dict(changed=False, reused=False, recorded=False, reprove_reason=reason, queries=[]), reason
    if reason:
        return None, reason
    return dict(changed=False, reused=True, recorded=False, record=record, applier=state['coordinates'],
                databases=[], tables={}, table_count=record['tables'], total_rows=0, queries=[]), ''


def record_proof(params, connect, dialect_of, tables):
    """After a proof that found no difference: record it (on the record server) with the replica's state now."""
    state = _replica_state_now(params, connect, dialect_of)
    conn = connect(params['proof_record_login'] or params['replica_login'])
    try:
        write(conn.cursor(), pair_key(params), state, tables)
    finally:
        conn.close()
    return state['coordinates']
