# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read and normalize the replica's status and a server's binlog position; wait until replication is healthy.

This module is part of the dialect layer: the engines' column names live here (normalize_status)
and in dialect.py (the statements). It never imports dialect.py (dialect.py re-exports
normalize_status and STATUS_KEYS from here); the ``dialect`` arguments are Dialect objects.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re
import time

from ansible_collections.mysql_rds.replication.plugins.module_utils.connection import run
from ansible_collections.mysql_rds.replication.plugins.module_utils.errors import hint_for

# IO errors the IO thread keeps retrying (io_running=Connecting) but that never heal without a fix:
# refused login (1045, 1130), no REPLICATION SLAVE on the source (1597 "command COM_REGISTER_... failed",
# 1227), purged/unknown binlog (1236), TLS (2026, 2061, 3159).
PERMANENT_IO_ERRORS = frozenset([1045, 1130, 1227, 1236, 1597, 2026, 2061, 3159])


class ReplicationWaitError(Exception):
    def __init__(self, message, status):
        super(ReplicationWaitError, self).__init__(message)
        self.status = status


# --- normalization ------------------------------------------------------------

STATUS_KEYS = (
    'configured', 'io_running', 'sql_running', 'source_host', 'source_port', 'source_user',
    'source_log_file', 'read_source_log_pos', 'relay_source_log_file', 'exec_source_log_pos',
    'seconds_behind_source', 'last_io_errno', 'last_io_error', 'last_sql_errno', 'last_sql_error',
    'ssl_allowed', 'ssl_ca_file', 'ssl_cert_file', 'ssl_key_file', 'ssl_verify_server_cert', 'using_gtid', 'gtid_io_pos',
    'auto_position', 'sql_delay', 'connect_retry', 'replicate_wild_ignore_table', 'replicate_wild_do_table',
    'source_server_id',
)


def _pick(row, *names):
    for name in names:
        if name in row:
            return row[name]
    return None


def _int(value):
    if value is None or value == '':
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _yes(value):
    return str(value or '').strip().lower() == 'yes'


def _text(value):
    if value is None:
        return ''
    if isinstance(value, bytes):
        value = value.decode('utf-8', 'replace')
    return str(value)


def _running(value):
    """Yes/No/Connecting, as the server says it (NULL -> No)."""
    text = _text(value).strip()
    return text or 'No'


def _gtid_text(value):
    """A GTID set as one line (MySQL prints multi-server sets over several lines)."""
    return re.sub(r'\s+', '', _text(value))


def normalize_status(row):
    """One key set (docs/design.md) from any engine's status row (or None/{} = not configured)."""
    row = dict(row or {})
    host = _text(_pick(row, 'Source_Host', 'Master_Host'))
    auto_position = _int(_pick(row, 'Auto_Position')) == 1
    if 'Using_Gtid' in row:
        using_gtid = _text(row['Using_Gtid']).lower() or 'no'
        gtid_io_pos = _text(_pick(row, 'Gtid_IO_Pos'))
    else:
        using_gtid = 'auto_position' if auto_position else 'no'
        gtid_io_pos = _text(_pick(row, 'Retrieved_Gtid_Set'))
    ignore = _text(_pick(row, 'Replicate_Wild_Ignore_Table'))
    wild_do = _text(_pick(row, 'Replicate_Wild_Do_Table'))
    return dict(
        configured=bool(host),
        io_running=_running(_pick(row, 'Replica_IO_Running', 'Slave_IO_Running')) if row else 'No',
        sql_running=_running(_pick(row, 'Replica_SQL_Running', 'Slave_SQL_Running')) if row else 'No',
        source_host=host,
        source_port=_int(_pick(row, 'Source_Port', 'Master_Port')),
        source_user=_text(_pick(row, 'Source_User', 'Master_User')),
        source_log_file=_text(_pick(row, 'Source_Log_File', 'Master_Log_File')),
        read_source_log_pos=_int(_pick(row, 'Read_Source_Log_Pos', 'Read_Master_Log_Pos')),
        relay_source_log_file=_text(_pick(row, 'Relay_Source_Log_File', 'Relay_Master_Log_File')),
        exec_source_log_pos=_int(_pick(row, 'Exec_Source_Log_Pos', 'Exec_Master_Log_Pos')),
        seconds_behind_source=_int(_pick(row, 'Seconds_Behind_Source', 'Seconds_Behind_Master')),
        last_io_errno=_int(_pick(row, 'Last_IO_Errno')) or 0,
        last_io_error=_text(_pick(row, 'Last_IO_Error')),
        last_sql_errno=_int(_pick(row, 'Last_SQL_Errno')) or 0,
        last_sql_error=_text(_pick(row, 'Last_SQL_Error')),
        ssl_allowed=_yes(_pick(row, 'Source_SSL_Allowed', 'Master_SSL_Allowed')),
        ssl_ca_file=_text(_pick(row, 'Source_SSL_CA_File', 'Master_SSL_CA_File')),
        ssl_cert_file=_text(_pick(row, 'Source_SSL_Cert', 'Master_SSL_Cert')),
        ssl_key_file=_text(_pick(row, 'Source_SSL_Key', 'Master_SSL_Key')),
        ssl_verify_server_cert=_yes(_pick(row, 'Source_SSL_Verify_Server_Cert',
                                          'Master_SSL_Verify_Server_Cert')),
        using_gtid=using_gtid,
        gtid_io_pos=gtid_io_pos,
        auto_position=auto_position,
        sql_delay=_int(_pick(row, 'SQL_Delay')) or 0,
        connect_retry=_int(_pick(row, 'Connect_Retry')),
        replicate_wild_ignore_table=[part for part in ignore.split(',') if part],
        replicate_wild_do_table=[part for part in wild_do.split(',') if part],
        source_server_id=_int(_pick(row, 'Source_Server_Id', 'Master_Server_Id')),
    )


# --- reading ------------------------------------------------------------------

def read_status(cursor, dialect, connection_name='', as_rds_master_user=False):
    """Normalized status of this replica (configured=False when it has no source)."""
    if as_rds_master_user:
        sql, params = dialect.rds_status_statement()
    else:
        sql, params = dialect.status_statement(connection_name)
    rows = run(cursor, sql, params)
    return normalize_status(rows[0] if rows else None)


def read_binlog_position(cursor, dialect):
    """This server's binlog coordinates {file, position, gtid}, or None when binary logging is off.

    MySQL's status row carries the executed GTID set (consistent with file/position);
    MariaDB's does not, so its binlog GTID position is read next ('' when the engine has none).
    """
    sql, params = dialect.binlog_status_statement()
    rows = run(cursor, sql, params)
    row = rows[0] if rows else {}
    if not _text(row.get('File')):
        return None
    if 'Executed_Gtid_Set' in row:
        gtid = _gtid_text(row['Executed_Gtid_Set'])
    else:
        sql, params = dialect.binlog_gtid_statement()
        gtid_rows = run(cursor, sql, params)
        gtid = _gtid_text(gtid_rows[0].get('gtid')) if gtid_rows else ''
    return dict(file=_text(row['File']), position=int(row['Position']), gtid=gtid)


def read_replica_gtid(cursor, dialect):
    """The GTID position this replica has applied ('' when none)."""
    sql, params = dialect.replica_gtid_statement()
    rows = run(cursor, sql, params)
    return _gtid_text(rows[0].get('gtid')) if rows else ''


def executed_coordinates(status):
    """Where the applier is in the source's binlog, as coordinates (position 0 when unknown)."""
    return dict(file=status.get('relay_source_log_file') or '',
                position=status.get('exec_source_log_pos') or 0, gtid='')


# --- judging --------------------------------------------------------------------

def lag(status):
    """Seconds behind the source, or None when unknown (threads stopped)."""
    return status.get('seconds_behind_source')


def healthy(status):
    return status.get('io_running') == 'Yes' and status.get('sql_running') == 'Yes'


def _log_number(name):
    match = re.search(r'(\d+)$', name or '')
    return int(match.group(1)) if match else -1


def _file_position(target):
    """(file, position) from a coordinates dict or a (file, position) pair."""
    if isinstance(target, dict):
        return target.get('file'), int(target.get('position') or 0)
    return target[0], int(target[1])


def reached(status, target_file, target_pos):
    """True when the applier executed up to (file, pos) of the source."""
    current = (_log_number(status.get('relay_source_log_file')), status.get('exec_source_log_pos') or 0)
    return current >= (_log_number(target_file), int(target_pos))


def error_summary(status):
    """The last IO/SQL error texts with the fix for known codes (no secrets: server texts only)."""
    parts = []
    for kind in ('io', 'sql'):
        errno = status.get('last_%s_errno' % kind)
        if errno:
            text = 'last %s error (%s): %s' % (kind.upper(), errno, status.get('last_%s_error' % kind))
            hint = hint_for(errno, status.get('last_%s_error' % kind), replication=True)
            if hint:
                text += ' -- fix: ' + hint
            parts.append(text)
    return '; '.join(parts)


def broken(status):
    """A stopped thread with an error, or an IO error that retrying cannot fix."""
    if status.get('sql_running') == 'No' and status.get('last_sql_errno'):
        return True
    if status.get('io_running') == 'No' and status.get('last_io_errno'):
        return True
    return status.get('last_io_errno') in PERMANENT_IO_ERRORS


def progress_line(status, elapsed):
    """One line per poll: '12s: io=Yes sql=Yes lag=3s executed=mysql-bin.000003:1234'."""
    seconds = lag(status)
    executed = executed_coordinates(status)
    line = '%ds: io=%s sql=%s lag=%s executed=%s' % (
        int(round(elapsed or 0)), status.get('io_running', 'No'), status.get('sql_running', 'No'),
        '%ss' % seconds if seconds is not None else 'unknown',
        '%s:%s' % (executed['file'], executed['position']) if executed['file'] else 'none')
    for kind in ('io', 'sql'):
        if status.get('last_%s_errno' % kind):
            line += ' %s_errno=%s' % (kind, status['last_%s_errno' % kind])
    return line


def wait_until_caught_up(read, timeout, max_lag=0, target=None, interval=1.0, on_poll=None,
                         sleep=time.sleep, clock=time.monotonic):
    """Poll ``read()`` until both threads run, lag <= max_lag and ``target`` is reached.

    ``target`` is optional coordinates ({file, position}; a (file, position) pair is
    accepted too). ``on_poll(status, elapsed)`` is called after every read. Returns the
    last status; raises ReplicationWaitError with the last IO/SQL errors otherwise.
    """
    target = _file_position(target) if target else None
    started = clock()
    deadline = started + timeout
    while True:
        status = read()
        if on_poll is not None:
            on_poll(status, clock() - started)
        seconds = lag(status)
        done = healthy(status) and seconds is not None and seconds <= max_lag
        if done and target:
            done = reached(status, target[0], target[1])
        if done:
            return status
        if broken(status):
            raise ReplicationWaitError('replication failed: io_running=%s sql_running=%s; %s'
                                       % (status['io_running'], status['sql_running'],
                                          error_summary(status)), status)
        if clock() >= deadline:
            detail = error_summary(status) or 'no error reported'
            raise ReplicationWaitError(
                'replication did not catch up within %ss (io_running=%s sql_running=%s lag=%s, '
                'wanted lag <= %s%s); %s. Raise wait_timeout or max_lag if it is only slow.'
                % (timeout, status['io_running'], status['sql_running'], seconds, max_lag,
                   ' and position %s:%s' % (target[0], target[1]) if target else '', detail), status)
        sleep(interval)


def threads_running(status):
    """Any replication thread alive (RDS refuses to start or set the source then)."""
    return status.get('io_running', 'No') != 'No' or status.get('sql_running', 'No') != 'No'


def run_state(status):
    """'absent', 'stopped' or 'running', for diffs and results."""
    if not status.get('configured'):
        return 'absent'
    return 'running' if threads_running(status) else 'stopped'


def check_started(read, attempts=8, interval=1.0, sleep=time.sleep):
    """Right after a start: give the IO thread a few seconds to fail fast.

    Healthy twice in a row counts as started (the IO thread shows Yes for a
    moment before the source refuses an unknown binlog). Returns the last
    status; raises ReplicationWaitError when it broke (bad password,
    purged/unknown binlog, TLS refused...).
    """
    healthy_reads = 0
    status = read()
    for _attempt in range(attempts):
        if broken(status):
            raise ReplicationWaitError(start_failure(status), status)
        healthy_reads = healthy_reads + 1 if healthy(status) else 0
        if healthy_reads >= 2:
            return status
        sleep(interval)
        status = read()
    if broken(status):
        raise ReplicationWaitError(start_failure(status), status)
    return status


def start_failure(status):
    """Why a just-started replica does not replicate (io_running Connecting/No with an error)."""
    if status.get('io_running') == 'Connecting':
        what = ('replication started but the IO thread cannot replicate from the source (io_running=Connecting, '
                'it keeps retrying and failing)')
    else:
        what = 'replication started but stopped with an error (io_running=%s sql_running=%s)' % (
            status.get('io_running'), status.get('sql_running'))
    return '%s; %s' % (what, error_summary(status))
