# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The overwrite guard of a load: the schemas to load that already hold objects on the target, and
a refusal that says what was found there (objects per schema, and whom the target replicates from).
Reads only; runs before anything changes, also in check mode."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.mysql_rds.replication.plugins.module_utils.connection import SqlError, run
from ansible_collections.mysql_rds.replication.plugins.module_utils.dialect import DialectError, detect
from ansible_collections.mysql_rds.replication.plugins.module_utils.replication_status import read_status

OBJECT_KINDS = ('tables', 'views', 'routines', 'events')
TARGET_OBJECTS_SQL = (
    "SELECT s.SCHEMA_NAME AS name,"
    " (SELECT COUNT(*) FROM information_schema.TABLES t"
    "   WHERE t.TABLE_SCHEMA = s.SCHEMA_NAME AND t.TABLE_TYPE <> 'VIEW') AS tables,"
    " (SELECT COUNT(*) FROM information_schema.TABLES t"
    "   WHERE t.TABLE_SCHEMA = s.SCHEMA_NAME AND t.TABLE_TYPE = 'VIEW') AS views,"
    " (SELECT COUNT(*) FROM information_schema.ROUTINES r WHERE r.ROUTINE_SCHEMA = s.SCHEMA_NAME) AS routines,"
    " (SELECT COUNT(*) FROM information_schema.EVENTS e WHERE e.EVENT_SCHEMA = s.SCHEMA_NAME) AS events"
    " FROM information_schema.SCHEMATA s WHERE s.SCHEMA_NAME IN (%s) ORDER BY s.SCHEMA_NAME")


def target_objects(cursor, databases):
    """{schema: {tables, views, routines, events}} for those of ``databases`` that exist on the target."""
    if not databases:
        return {}
    rows = run(cursor, TARGET_OBJECTS_SQL % ', '.join(['%s'] * len(databases)), list(databases))
    return dict((row['name'], dict((kind, int(row[kind] or 0)) for kind in OBJECT_KINDS)) for row in rows)


def occupied_schemas(objects):
    """The schemas of ``target_objects()`` that hold at least one object (an empty schema is harmless)."""
    return dict((name, counts) for name, counts in objects.items() if sum(counts.values()) > 0)


def describe_counts(counts):
    """'12 tables, 1 view' from {tables: 12, views: 1, routines: 0, events: 0}."""
    parts = []
    for kind in OBJECT_KINDS:
        number = counts.get(kind, 0)
        if number:
            parts.append('%d %s' % (number, kind if number > 1 else kind[:-1]))
    return ', '.join(parts)


def replication_of(cursor):
    """The target's normalized replica status, or None when it cannot be read (no privilege...).
    Tries the status statement, then the RDS procedure the master user may call."""
    try:
        dialect = detect(cursor)
    except (SqlError, DialectError):
        return None
    for as_rds_master_user in (False, True):
        try:
            return read_status(cursor, dialect, as_rds_master_user=as_rds_master_user)
        except (SqlError, DialectError):
            continue
    return None


def replication_found(status, source):
    """What the target's status says of its replication, for the refusal (None: unknown).
    ``source`` is the host and port the dump reads ({'host', 'port'} or {'unix_socket'})."""
    if status is None:
        return None
    if not status.get('configured'):
        return 'it does not replicate from any source'
    where = '%s:%s' % (status.get('source_host'), status.get('source_port'))
    same = status.get('source_host') == source.get('host') and str(status.get('source_port')) == str(source.get('port'))
    state = 'running' if status.get('io_running') != 'No' or status.get('sql_running') != 'No' else 'stopped'
    return 'it replicates from %s%s (replication %s)' % (where, ', the source of this dump' if same else '', state)


def refusal_message(occupied, target, found=None):
    """Why the load is refused and what to do; ``found``: replication_found() (None: not said)."""
    listed = '; '.join('%s (%s)' % (name, describe_counts(occupied[name])) for name in sorted(occupied))
    return ('refusing to load into %s: %salready holds data in schema(s) the dump would replace: %s. The dump '
            'drops and recreates every table it carries, so loading would overwrite that data. If this target '
            'already replicates from this source, it has its copy: do not load it again. If it was promoted '
            '(cutover done) or took writes of its own: do not load it again, it is the primary now. If it is a '
            'leftover of a failed or interrupted load: set overwrite=true (role variable '
            'rds_replica_of_source_overwrite or replica_of_rds_overwrite: true) to drop and reload these schemas.'
            % (target, found + ' and ' if found else 'it ', listed))


def guard(module, cursor, databases, target, source):
    """The occupied schemas ({schema: counts}); fails the module (before anything changed) when
    there are any and overwrite is false, warns when overwrite is true. ``target``: its endpoint
    text; ``source``: the dump's pymysql kwargs (host/port), to say whether it is the one replicated."""
    try:
        occupied = occupied_schemas(target_objects(cursor, databases))
    except SqlError as exc:
        module.fail_json(msg='cannot read the schemas of the target: %s' % exc.message, databases=databases)
    if occupied and not module.params['overwrite']:
        found = replication_found(replication_of(cursor), source)
        module.fail_json(msg=refusal_message(occupied, target, found), databases=databases, occupied=occupied)
    if occupied:
        module.warn('overwrite=true: dropping and reloading schema(s) that held data on the target: %s'
                    % ', '.join(sorted(occupied)))
    return occupied
