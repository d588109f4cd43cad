# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Events at the cutover: the copy creates them on RDS disabled for a replica (so they do not run
twice while RDS replicates); once RDS is promoted they are enabled there. The frozen old source
keeps its own as they are."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.mysql_rds.replication.plugins.module_utils.connection import run


def replica_disabled_events(cursor, status):
    """``schema.name`` of the events whose status is ``status`` (disabled on a replica)."""
    if not status:
        return []
    rows = run(cursor, 'SELECT EVENT_SCHEMA AS db, EVENT_NAME AS name FROM information_schema.EVENTS '
                       'WHERE STATUS = %s ORDER BY EVENT_SCHEMA, EVENT_NAME', [status])
    return [(row['db'], row['name']) for row in rows]


def enable_events(cursor, dialect, status, execute=run):
    """Enable every event disabled on a replica; returns their names (``schema.name``)."""
    enabled = []
    for schema, name in replica_disabled_events(cursor, status):
        execute(cursor, *dialect.enable_event_statement(schema, name))
        enabled.append('%s.%s' % (schema, name))
    return enabled
