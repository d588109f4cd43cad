# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read normalized replica status, compute lag, wait until replication is healthy."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re
import time

from ansible_collections.mysql_rds.replication.plugins.module_utils.connection import run
from ansible_collections.mysql_rds.replication.plugins.module_utils.dialect import normalize_status
from ansible_collections.mysql_rds.replication.plugins.module_utils.errors import hint_for

# IO errors the IO thread keeps retrying but that never heal without a fix.
PERMANENT_IO_ERRORS = frozenset([1045, 1130, 1236, 2026, 2061, 3159])


class ReplicationWaitError(Exception):
    def __init__(self, message, status):
        super(ReplicationWaitError, self).__init__(message)
        self.status = status


def read_status(cursor, dialect, connection_name='', as_rds_master_user=False):
    """Normalized status of this replica (configured=False when it has no source)."""
    if as_rds_master_user:
        sql, params = dialect.rds_status_statement()
    else:
        sql, params = dialect.status_statement(connection_name)
    rows = run(cursor, sql, params)
    return normalize_status(rows[0] if rows else None)


def lag(status):
    """Seconds behind the source, or None when unknown (threads stopped)."""
    return status.get('seconds_behind_source')


def healthy(status):
    return status.get('io_running') == 'Yes' and status.get('sql_running') == 'Yes'


def _log_number(name):
    match = re.search(r'(\d+)$', name or '')
    return int(match.group(1)) if match else -1


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


def wait_until_caught_up(read, timeout, max_lag=0, target=None, interval=1.0,
                         sleep=time.sleep, clock=time.monotonic):
    """Poll ``read()`` until both threads run, lag <= max_lag and ``target`` is reached.

    ``target`` is an optional (source_log_file, source_log_pos). Returns the last
    status; raises ReplicationWaitError with the last IO/SQL errors otherwise.
    """
    deadline = clock() + timeout
    while True:
        status = read()
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
                   ' and position %s:%s' % target if target else '', detail), status)
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
            raise ReplicationWaitError('replication started but stopped with an error; %s'
                                       % error_summary(status), status)
        healthy_reads = healthy_reads + 1 if healthy(status) else 0
        if healthy_reads >= 2:
            return status
        sleep(interval)
        status = read()
    if broken(status):
        raise ReplicationWaitError('replication started but stopped with an error; %s'
                                   % error_summary(status), status)
    return status
