# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Row counts and order-independent checksums of every table, for the cutover's proof.

The cutover compares the frozen source with the promoted RDS inside one process (while the
source's global read lock is still held), so it cannot call the table_checksum module; the
per-row hash is the same idea: MD5 of the columns joined with a separator plus NULL markers,
summed over the rows as 64-bit numbers (order-independent, exact DECIMAL sum).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.mysql_rds.replication.plugins.module_utils.connection import run

SYSTEM_SCHEMAS = ('mysql', 'information_schema', 'performance_schema', 'sys')


def quote(name):
    return '`%s`' % name.replace('`', '``')


def row_hash(columns):
    values = ', '.join('IFNULL(%s, \'\')' % quote(c) for c in columns)
    markers = 'CONCAT(%s)' % ', '.join('ISNULL(%s)' % quote(c) for c in columns)
    return 'MD5(CONCAT_WS(\'#\', %s, %s))' % (values, markers)


def table_query(schema, table, columns):
    digest = row_hash(columns)
    return ('SELECT COUNT(*) AS row_count, '
            'COALESCE(SUM(CAST(CONV(SUBSTRING(%s, 1, 16), 16, 10) AS UNSIGNED)), 0) AS s1, '
            'COALESCE(SUM(CAST(CONV(SUBSTRING(%s, 17, 16), 16, 10) AS UNSIGNED)), 0) AS s2 '
            'FROM %s.%s' % (digest, digest, quote(schema), quote(table)))


def list_tables(cursor, exclude):
    skip = list(SYSTEM_SCHEMAS) + list(exclude or [])
    sql = ('SELECT table_schema AS s, table_name AS t FROM information_schema.tables '
           "WHERE table_type = 'BASE TABLE' AND table_schema NOT IN (%s) ORDER BY 1, 2"
           % ', '.join(['%s'] * len(skip)))
    return [(row['s'], row['t']) for row in run(cursor, sql, skip)]


def columns_of(cursor, schema, table):
    rows = run(cursor, 'SELECT column_name AS c FROM information_schema.columns WHERE table_schema = %s '
                       'AND table_name = %s ORDER BY ordinal_position', [schema, table])
    return [row['c'] for row in rows]


def checksums(cursor, exclude=None):
    """{'schema.table': {'rows': n, 'checksum': 's1-s2'}} for every base table not excluded."""
    result = {}
    for schema, table in list_tables(cursor, exclude):
        row = run(cursor, table_query(schema, table, columns_of(cursor, schema, table)))[0]
        result['%s.%s' % (schema, table)] = dict(rows=int(row['row_count']),
                                                 checksum='%s-%s' % (row['s1'], row['s2']))
    return result


def compare(source, target):
    """Names of the tables that differ (or exist on one side only), sorted."""
    names = set(source) | set(target)
    return sorted(name for name in names if source.get(name) != target.get(name))
