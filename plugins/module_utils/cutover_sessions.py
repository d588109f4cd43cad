# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The source's other client sessions during the cutover: find them, kill them.

Replication threads (binlog senders, appliers), daemons and the server's own threads are never
touched: RDS must keep reading the binlog up to the final position.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.mysql_rds.replication.plugins.module_utils.connection import SqlError, run

# processlist COMMAND values of threads that are not client sessions (both engines' spellings).
KEEP_COMMANDS = ('Binlog Dump', 'Binlog Dump GTID', 'Daemon', 'Slave_IO', 'Slave_SQL', 'Slave_worker')
KEEP_USERS = ('system user', 'event_scheduler')


def other_sessions(cursor, running_only=False):
    """Ids of the client sessions but this one (``running_only``: those running a statement)."""
    sql = ('SELECT id FROM information_schema.processlist WHERE id <> CONNECTION_ID() '
           'AND user NOT IN (%s, %s) AND command NOT IN (%s)' % ('%s', '%s', ', '.join(['%s'] * len(KEEP_COMMANDS))))
    if running_only:
        sql += " AND command <> 'Sleep'"
    return [row['id'] for row in run(cursor, sql, list(KEEP_USERS) + list(KEEP_COMMANDS))]


def kill(cursor, ids, execute=run):
    """Kill each session; one already gone is not an error. Returns how many were killed."""
    killed = 0
    for session in ids:
        try:
            execute(cursor, 'KILL CONNECTION %s', [int(session)])
            killed += 1
        except SqlError:
            pass  # ended meanwhile
    return killed


def kill_others(cursor, running_only=False, execute=run):
    """Kill every other client session (or only those running a statement); returns the count."""
    return kill(cursor, other_sessions(cursor, running_only), execute)
