# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Freeze the source for the cutover, and undo or release that freeze.

``read_only=ON`` (refuses the writes of accounts without the privilege to bypass it), a grace period
for open writer transactions, then a global read lock held by this connection (blocks every account;
statements that keep it waiting are killed and it is tried once more). ``release()`` drops the lock
and keeps ``read_only``; ``undo()`` also restores the previous ``read_only``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time

from ansible_collections.mysql_rds.replication.plugins.module_utils.connection import SqlError, run
from ansible_collections.mysql_rds.replication.plugins.module_utils.cutover_sessions import kill_others

READ_ONLY_ON = 'SET GLOBAL read_only = ON'
READ_ONLY_OFF = 'SET GLOBAL read_only = OFF'
GLOBAL_LOCK = 'FLUSH TABLES WITH READ LOCK'
UNLOCK = 'UNLOCK TABLES'


def read_only(cursor):
    return int(run(cursor, 'SELECT @@global.read_only AS ro')[0]['ro'])


def writer_transactions(cursor):
    """Open transactions of other sessions that modified rows."""
    rows = run(cursor, 'SELECT COUNT(*) AS n FROM information_schema.innodb_trx '
                       'WHERE trx_rows_modified > 0 AND trx_mysql_thread_id <> CONNECTION_ID()')
    return int(rows[0]['n'])


class Freeze(object):
    """The freeze of one source connection. ``execute(cursor, sql, params=None)`` runs (and records)
    the statements that change the server."""

    def __init__(self, cursor, timeline, execute=run, sleep=time.sleep, clock=time.time):
        self.cursor = cursor
        self.timeline = timeline
        self.execute = execute
        self.sleep = sleep
        self.clock = clock
        self.previous_read_only = None
        self.locked = False

    def start(self, grace_period, before=None):
        """read_only=ON, then up to ``grace_period`` seconds for open writers; returns the start time.
        ``before(previous_read_only, started)`` runs right before read_only=ON (to record the freeze)."""
        self.previous_read_only = read_only(self.cursor)
        started = self.timeline.mark('freeze_read_only')
        if before is not None:
            before(self.previous_read_only, started)
        self.execute(self.cursor, READ_ONLY_ON)
        deadline = self.clock() + grace_period
        while writer_transactions(self.cursor) and self.clock() < deadline:
            self.sleep(0.05)
        self.timeline.mark('writers_drained', open_writer_transactions=writer_transactions(self.cursor))
        return started

    def lock(self, lock_wait_timeout):
        """Take the global read lock; returns how many sessions that blocked it were killed."""
        run(self.cursor, 'SET SESSION lock_wait_timeout = %s', [int(lock_wait_timeout)])
        killed = 0
        try:
            self.execute(self.cursor, GLOBAL_LOCK)
        except SqlError:
            # Long statements hold table locks: kill them, then once more.
            killed = kill_others(self.cursor, running_only=True, execute=self.execute)
            self.timeline.mark('killed_lock_blockers', sessions=killed)
            self.execute(self.cursor, GLOBAL_LOCK)
        self.locked = True
        return killed

    def server_clock(self):
        """The source's NOW(6): rows written later are not part of the cutover."""
        return str(run(self.cursor, 'SELECT NOW(6) AS now')[0]['now'])

    def release(self):
        """Drop the global read lock; read_only stays ON."""
        if self.locked:
            self.execute(self.cursor, UNLOCK)
            self.locked = False

    def undo(self):
        """Drop the lock and give read_only back its value from before the freeze."""
        if self.previous_read_only is None:
            return
        self.execute(self.cursor, UNLOCK)
        self.locked = False
        if not self.previous_read_only:
            self.execute(self.cursor, READ_ONLY_OFF)
