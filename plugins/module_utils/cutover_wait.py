# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cutover's two waits, each with a deadline that also holds against a server that stopped
answering (every read gets a socket timeout no longer than the time left).

- Before the freeze: until RDS executed the source's binlog up to ``max_backlog_bytes`` of its
  current position (same file; a file behind counts as far), and no longer closes that backlog
  (for at most SETTLE_SECONDS), so the freeze waits for little: RDS catching up after a lag comes
  under the limit with tens of KiB still to apply (0.1-0.45 s of freeze at 1,000 writes/s on a busy
  host), and a few polls later is down to what is in flight.
- During the freeze: until RDS executed exactly the final position, by the freeze's deadline.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time

from ansible_collections.mysql_rds.replication.plugins.module_utils.connection import set_timeouts
from ansible_collections.mysql_rds.replication.plugins.module_utils.cutover_preflight import CutoverError
from ansible_collections.mysql_rds.replication.plugins.module_utils.replication_status import (
    broken, error_summary, executed_coordinates, healthy, lag, wait_until_caught_up)

MIN_READ_TIMEOUT = 0.5
SETTLE_SECONDS = 2.0


def limit(cursor, seconds):
    """Socket read/write timeout of the connection behind ``cursor`` (None: no limit)."""
    connection = getattr(cursor, 'connection', None)
    if connection is not None:
        set_timeouts(connection, seconds, seconds)


def backlog_bytes(executed, position):
    """Bytes of the source's binlog that RDS has not executed yet; None when it is a file behind."""
    if not executed.get('file') or executed['file'] != position['file']:
        return None
    return max(0, int(position['position']) - int(executed['position']))


def wait_for_small_backlog(read_rds, read_source, max_bytes, max_lag, timeout, checkpoint,
                           interval=0.05, clock=time.time, sleep=time.sleep, settle=SETTLE_SECONDS):
    """Poll until RDS is healthy, within ``max_lag`` seconds and ``max_bytes`` of the source's position,
    and its backlog stopped shrinking (for at most ``settle`` seconds, and not past the deadline);
    return the backlog in bytes. Raise CutoverError (nothing changed yet) at the deadline."""
    deadline = clock() + timeout
    previous = small_since = None
    while True:
        status = read_rds()
        position = read_source()
        behind, seconds = backlog_bytes(executed_coordinates(status), position), lag(status)
        now = clock()
        if healthy(status) and behind is not None and behind <= max_bytes and seconds is not None \
                and seconds <= max_lag:
            small_since = now if small_since is None else small_since
            # still shrinking: each poll now is time the freeze will not wait for RDS
            if behind == 0 or (previous is not None and behind >= previous) \
                    or now - small_since >= settle or now >= deadline:
                return behind
            previous = behind
        else:
            previous = small_since = None
            if broken(status):
                raise CutoverError('replication failed before the freeze: %s; nothing was changed.'
                                   % error_summary(status))
            if now >= deadline:
                raise CutoverError(
                    'RDS did not come within max_backlog_bytes=%s of the source within %ss (backlog %s, lag %ss): '
                    'the source writes faster than RDS applies; nothing was changed. Retry at a quieter time or '
                    'raise max_backlog_bytes.' % (max_bytes, timeout, '%s bytes' % behind if behind is not None
                                                  else 'at least one binlog file', seconds))
        checkpoint()
        sleep(interval)


def wait_for_final(read_rds, rds_cursor, target, deadline, checkpoint, clock=time.time):
    """Wait until RDS executed ``target`` (coordinates) by ``deadline`` (epoch seconds); each read of
    RDS may take only the time left (+1 s), so a stalled RDS cannot hold the freeze longer."""
    def read():
        limit(rds_cursor, max(MIN_READ_TIMEOUT, deadline - clock()) + 1)
        return read_rds()
    return wait_until_caught_up(read, max(0.0, deadline - clock()), max_lag=0, target=target, interval=0.02,
                                on_poll=lambda _status, _elapsed: checkpoint())
