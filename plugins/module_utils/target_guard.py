# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The preflight of a load, before anything changes (also in check mode; reads only):

- the overwrite guard: the schemas to load that already hold objects on the target, and a refusal
  that says what was found there (objects per schema, and whom the target replicates from);
- the packet guard: the largest row to copy against the target's max_allowed_packet. A dumped row
  is one statement of up to twice the row's bytes (binary columns in hex, text escaped) that the
  target must accept. Only the tables whose declared row size could exceed the target's limit are
  read, once, and only their long columns; a self-managed target gets the size the load needs
  (load_settings.py, put back after), an RDS target (its master user cannot change it) fails here,
  naming the parameter group setting and the size.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.mysql_rds.replication.plugins.module_utils.checksum import quote_identifier as quote
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


MIB = 1024 * 1024
PACKET_MAX = 1024 * MIB      # the largest max_allowed_packet a server accepts
STATEMENT_MARGIN = MIB        # the rest of a one-row statement (other columns, INSERT INTO ...)
GEOMETRY_TYPES = ('geometry', 'point', 'linestring', 'polygon', 'multipoint', 'multilinestring', 'multipolygon',
                  'geometrycollection')
COLUMNS_SQL = ("SELECT c.TABLE_SCHEMA AS db, c.TABLE_NAME AS tbl, c.COLUMN_NAME AS col,"
               " COALESCE(c.CHARACTER_OCTET_LENGTH, IF(c.DATA_TYPE IN (%s), 4294967295, 64)) AS octets"
               " FROM information_schema.COLUMNS c JOIN information_schema.TABLES t"
               " ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME"
               " WHERE c.TABLE_SCHEMA IN (%%s) AND t.TABLE_TYPE = 'BASE TABLE'"
               " ORDER BY c.TABLE_SCHEMA, c.TABLE_NAME, c.ORDINAL_POSITION"
               % ', '.join("'%s'" % kind for kind in GEOMETRY_TYPES))
# The target's limit, and whether this login may change it (SUPER, or MySQL's SYSTEM_VARIABLES_ADMIN).
TARGET_PACKET_SQL = ("SELECT @@GLOBAL.max_allowed_packet AS packet, (SELECT COUNT(*) FROM information_schema.USER_PRIVILEGES"
                     " WHERE PRIVILEGE_TYPE IN ('SUPER', 'SYSTEM_VARIABLES_ADMIN') AND GRANTEE = CONCAT(\"'\","
                     " SUBSTRING_INDEX(CURRENT_USER(), '@', 1), \"'@'\", SUBSTRING_INDEX(CURRENT_USER(), '@', -1), \"'\"))"
                     " AS may_set")


def statement_size(row_bytes):
    """The max_allowed_packet a dumped row of ``row_bytes`` needs (whole MiB)."""
    needed = 2 * int(row_bytes) + STATEMENT_MARGIN
    return -(-needed // MIB) * MIB


def tables_to_measure(rows, limit):
    """{(db, tbl): [columns to measure]} of the tables whose declared row size could need more than
    ``limit`` (``rows``: COLUMNS_SQL's): their long columns (that may hold more than 64 KiB)."""
    declared, columns = {}, {}
    for row in rows:
        key, octets = (row['db'], row['tbl']), int(row['octets'] or 0)
        declared[key] = declared.get(key, 0) + octets
        if octets > 65535:
            columns.setdefault(key, []).append(row['col'])
    return dict((key, columns[key]) for key in sorted(declared)
                if statement_size(declared[key]) > limit and columns.get(key))


def largest_row_sql(db, tbl, columns):
    return 'SELECT MAX(%s) AS biggest FROM %s.%s' % (
        ' + '.join('COALESCE(LENGTH(%s), 0)' % quote(column) for column in columns), quote(db), quote(tbl))


def largest_row(cursor, databases, limit):
    """(bytes, 'db.tbl') of the largest row among the tables that could need more than ``limit``
    (read on the source: one pass over each such table's long columns), or (0, None)."""
    if not databases:
        return 0, None
    columns = run(cursor, COLUMNS_SQL % ', '.join(['%s'] * len(databases)), list(databases))
    biggest, where = 0, None
    for (db, tbl), long_columns in tables_to_measure(columns, limit).items():
        size = int(run(cursor, largest_row_sql(db, tbl, long_columns))[0]['biggest'] or 0)
        if size > biggest:
            biggest, where = size, '%s.%s' % (db, tbl)
    return biggest, where


def target_packet(cursor):
    """(the target's max_allowed_packet, whether this login may change it)."""
    row = run(cursor, TARGET_PACKET_SQL)[0]
    return int(row['packet']), bool(int(row['may_set'] or 0))


def packet_guard(module, packet, may_set, biggest, where):
    """The settings the load needs ({'max_allowed_packet': n} or {}) for a row of ``biggest`` bytes
    in ``where``; fails the module (nothing changed yet) when the target's limit ``packet`` is too
    small and this login cannot raise it, or when no server could take the row."""
    needed = statement_size(biggest) if where else 0
    if needed <= packet:
        return {}
    report = dict(needed=needed, target=packet, largest_row=biggest, table=where)
    size = '%s holds a row of %d bytes: its statement needs max_allowed_packet >= %d (%d MiB)' % (
        where, biggest, needed, needed // MIB)
    if needed > PACKET_MAX:
        module.fail_json(msg='%s, more than any server accepts (1 GiB): such rows cannot be copied by a dump. Nothing '
                             'was changed.' % size, max_allowed_packet=report)
    if not may_set:
        module.fail_json(msg="%s; the target allows %d. Set max_allowed_packet to %d or more in the target's parameter "
                             "group (RDS: the master user cannot change it) and run again. Nothing was changed."
                         % (size, packet, needed), max_allowed_packet=report)
    return dict(max_allowed_packet=needed)
