# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a server is, for the decisions of the roles (module replication_server_info).

Three reads, all read-only and the same on every engine:
- read_variables(): a few global variables (absent ones are simply missing, never an error);
- read_schemas(): objects per non-system schema, and whether the time zone tables are loaded;
- read_missing_definers(): definers of views, routines, triggers and events that have no account.
The binlog position and the replica's status come from the dialect layer (replication_status).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.mysql_rds.replication.plugins.module_utils.connection import run

SYSTEM_SCHEMAS = ('mysql', 'information_schema', 'performance_schema', 'sys')

VARIABLES = ('server_id', 'read_only', 'log_bin', 'binlog_format', 'log_bin_basename',
             'log_bin_trust_function_creators', 'event_scheduler', 'max_allowed_packet', 'gtid_strict_mode')

# Object kinds of a schema, in the order of the `counts` text, with their singular word.
KINDS = (('tables', 'table'), ('views', 'view'), ('routines', 'routine'), ('events', 'event'),
         ('triggers', 'trigger'))

_SCHEMA_HOLDERS = ', '.join(['%s'] * len(SYSTEM_SCHEMAS))

# Schema names and definers are compared as bytes: information_schema and mysql.user columns do not
# share one collation on every engine, and a UNION or comparison of them may be refused otherwise.
# The row with a NULL schema counts the time zone names (one round trip for both).
OBJECTS_SQL = (
    "SELECT o.db, o.kind, COUNT(*) AS n FROM ("
    " SELECT CAST(SCHEMA_NAME AS BINARY) AS db, 'schema' AS kind FROM information_schema.SCHEMATA"
    " UNION ALL SELECT CAST(TABLE_SCHEMA AS BINARY), IF(TABLE_TYPE = 'VIEW', 'views', 'tables')"
    " FROM information_schema.TABLES"
    " UNION ALL SELECT CAST(ROUTINE_SCHEMA AS BINARY), 'routines' FROM information_schema.ROUTINES"
    " UNION ALL SELECT CAST(EVENT_SCHEMA AS BINARY), 'events' FROM information_schema.EVENTS"
    " UNION ALL SELECT CAST(TRIGGER_SCHEMA AS BINARY), 'triggers' FROM information_schema.TRIGGERS"
    " UNION ALL SELECT NULL, 'time_zones' FROM mysql.time_zone_name"
    ") AS o WHERE o.db IS NULL OR o.db NOT IN (" + _SCHEMA_HOLDERS + ")"
    " GROUP BY o.db, o.kind ORDER BY o.db, o.kind")

MISSING_DEFINERS_SQL = (
    "SELECT DISTINCT d.definer FROM ("
    " SELECT CAST(DEFINER AS BINARY) AS definer, CAST(TABLE_SCHEMA AS BINARY) AS db FROM information_schema.VIEWS"
    " UNION ALL SELECT CAST(DEFINER AS BINARY), CAST(ROUTINE_SCHEMA AS BINARY) FROM information_schema.ROUTINES"
    " UNION ALL SELECT CAST(DEFINER AS BINARY), CAST(TRIGGER_SCHEMA AS BINARY) FROM information_schema.TRIGGERS"
    " UNION ALL SELECT CAST(DEFINER AS BINARY), CAST(EVENT_SCHEMA AS BINARY) FROM information_schema.EVENTS"
    ") AS d WHERE d.db NOT IN (" + _SCHEMA_HOLDERS + ")"
    " AND d.definer NOT IN (SELECT CAST(CONCAT(User, '@', Host) AS BINARY) FROM mysql.user)"
    " ORDER BY d.definer")


def text(value):
    if value is None:
        return ''
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode('utf-8', 'replace')
    return str(value)


def flag(value):
    """ON/OFF, 1/0, YES/NO as a bool."""
    return text(value).strip().upper() in ('ON', '1', 'YES', 'TRUE')


def number(value):
    try:
        return int(text(value).strip())
    except ValueError:
        return None


def read_variables(cursor):
    """{name: text value} of VARIABLES this server has (lower-case names)."""
    holders = ', '.join(['%s'] * len(VARIABLES))
    rows = run(cursor, 'SHOW GLOBAL VARIABLES WHERE Variable_name IN (%s)' % holders, list(VARIABLES))
    return dict((text(row['Variable_name']).lower(), text(row['Value'])) for row in rows)


def describe_variables(raw):
    """The module's `server_id`, `read_only`, `binlog` (without position) and `variables`."""
    variables = dict(
        log_bin_trust_function_creators=flag(raw.get('log_bin_trust_function_creators')),
        event_scheduler=raw.get('event_scheduler', '').upper(),
        max_allowed_packet=number(raw.get('max_allowed_packet')),
    )
    if 'gtid_strict_mode' in raw:
        variables['gtid_strict_mode'] = flag(raw['gtid_strict_mode'])
    binlog = dict(enabled=flag(raw.get('log_bin')), format=raw.get('binlog_format', '').upper(),
                  basename=raw.get('log_bin_basename', ''), position=None)
    return dict(server_id=number(raw.get('server_id')), read_only=flag(raw.get('read_only')),
                binlog=binlog, variables=variables)


def counts_text(counts):
    """'2 tables, 1 view' (kinds with none left out; '' for an empty schema)."""
    parts = []
    for kind, singular in KINDS:
        amount = counts.get(kind, 0)
        if amount:
            parts.append('%d %s' % (amount, singular if amount == 1 else kind))
    return ', '.join(parts)


def schema_entry(name, counts):
    entry = dict(name=name)
    for kind, _singular in KINDS:
        entry[kind] = counts.get(kind, 0)
    entry['objects'] = sum(entry[kind] for kind, _singular in KINDS)
    entry['counts'] = counts_text(entry)
    return entry


def read_schemas(cursor):
    """(schemas, time_zones_loaded): every non-system schema with its object counts, by name."""
    per_schema = {}
    zones = 0
    for row in run(cursor, OBJECTS_SQL, list(SYSTEM_SCHEMAS)):
        kind, amount = text(row['kind']), int(row['n'] or 0)
        if row['db'] is None:
            zones = amount if kind == 'time_zones' else zones
            continue
        counts = per_schema.setdefault(text(row['db']), {})
        if kind != 'schema':
            counts[kind] = counts.get(kind, 0) + amount
    schemas = [schema_entry(name, per_schema[name]) for name in sorted(per_schema)]
    return schemas, zones > 0


def read_missing_definers(cursor):
    """Definers (user@host) of non-system views, routines, triggers and events with no account here."""
    return [text(row['definer']) for row in run(cursor, MISSING_DEFINERS_SQL, list(SYSTEM_SCHEMAS))]


def stored_programs(schemas):
    """Routines and triggers of the non-system schemas (what needs log_bin_trust_function_creators)."""
    return sum(item['routines'] + item['triggers'] for item in schemas)
