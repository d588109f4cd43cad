# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One copy at a time into a server: a named lock on the target, held by a connection of the copy for
as long as it runs.

A second copy into the same server while one still runs (a re-run after the controller was killed
while the module, detached by its async wrapper, goes on; two jobs started at once) would put back
the load settings the first one uses, drop the tables it fills, and race it row by row. The lock
makes the second refuse before it changes anything. The server releases the lock with the
connection, so a copy killed by any signal never leaves it held. The load settings are global to
the server, hence one lock per server, not per schema.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.mysql_rds.replication.plugins.module_utils.connection import SqlError, run

LOCK_NAME = 'mysql_rds.replication.rds_load_dump'
# The server drops an idle connection after wait_timeout (8 hours by default, also on RDS), and a lock
# with it: the holder's session waits as long as the server allows (a year) while the copy runs.
HOLD_SECONDS = 31536000


def busy_message(holder):
    return ('another copy (rds_load_dump) is loading into this server: its connection %s holds the lock %r. Wait '
            'for it to end, or end it (KILL %s; on RDS CALL mysql.rds_kill(%s)) and run again; nothing was '
            'changed.' % (holder, LOCK_NAME, holder, holder))


def holder(cursor):
    """The connection id holding the lock, None when no copy runs."""
    return run(cursor, 'SELECT IS_USED_LOCK(%s) AS holder', [LOCK_NAME])[0]['holder']


def take(cursor):
    """Take the lock for this session without waiting; raise SqlError naming the holder when a copy runs."""
    run(cursor, 'SET SESSION wait_timeout = %d' % HOLD_SECONDS)
    if run(cursor, 'SELECT GET_LOCK(%s, 0) AS taken', [LOCK_NAME])[0]['taken'] != 1:
        raise SqlError(busy_message(holder(cursor) or 'unknown'))
