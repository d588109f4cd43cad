# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Row counts and order-independent checksums of tables, computed by the server in SQL.

Used by the table_checksum module and by rds_cutover (which must checksum inside its own
process while it holds the source's global read lock), so both report comparable values.
Both sides of a comparison must use the same algorithm (crc32 by default, or md5); the
checksum strings carry its prefix ('crc32:<xor>-<sum>', md5 bare '<xor>-<sum>') so that
values of different algorithms never compare equal.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.mysql_rds.replication.plugins.module_utils.connection import run

SYSTEM_SCHEMAS = ('mysql', 'information_schema', 'performance_schema', 'sys')
TRANSACTIONAL_ENGINES = ('InnoDB', 'Aria_transactional', 'TokuDB', 'RocksDB')
ALGORITHMS = ('crc32', 'md5')
DEFAULT_ALGORITHM = 'crc32'
# Put in front of the checksum strings of an algorithm so that two runs with different
# algorithms never compare equal; md5 keeps the bare form of the first releases.
CHECKSUM_PREFIXES = {'crc32': 'crc32:', 'md5': ''}


def quote_identifier(name):
    """Backquote an identifier, doubling embedded backquotes."""
    return '`%s`' % name.replace('`', '``')


def check_algorithm(algorithm):
    if algorithm not in ALGORITHMS:
        raise ValueError('Unknown checksum algorithm %r: use one of %s.' % (algorithm, ', '.join(ALGORITHMS)))
    return algorithm


def row_string_expression(columns):
    """One row as bytes: every column joined by '#', then a NULL marker per column.

    CONCAT_WS skips NULLs, so the trailing ISNULL() markers tell NULL from ''.
    Casting to BINARY avoids collation mixes and keeps the bytes exact (and makes the
    result a binary string, so REVERSE() reverses bytes).
    """
    quoted = [quote_identifier(column) for column in columns]
    values = ['CAST(%s AS BINARY)' % column for column in quoted]
    markers = 'CONCAT(%s)' % ', '.join('ISNULL(%s)' % column for column in quoted)
    return 'CONCAT_WS(%s)' % ', '.join(["'#'"] + values + [markers])


def row_hash_expression(columns):
    """MD5 of one row (the md5 algorithm), over row_string_expression()."""
    return 'MD5(%s)' % row_string_expression(columns)


def checksum_query(schema, table, columns, algorithm=DEFAULT_ALGORITHM):
    """One aggregate over the table: rows, an XOR and a SUM of two 64 or 32 bit row hashes.

    XOR is order-independent; the SUM also catches duplicated rows, which XOR cancels out.
    ``crc32``: XOR of CRC32 of the row bytes, SUM of CRC32 of the same bytes reversed (two
    different 32 bit checks, 64 bits against random corruption), about 3 times cheaper than MD5.
    ``md5``: XOR of the first 64 bits of the row's MD5, SUM of the last 64 bits.
    SUM of unsigned integers is an exact DECIMAL on MySQL and MariaDB (no overflow).
    """
    source = '%s.%s' % (quote_identifier(schema), quote_identifier(table))
    if check_algorithm(algorithm) == 'md5':
        return (
            'SELECT COUNT(*) AS row_count, '
            'COALESCE(BIT_XOR(CAST(CONV(LEFT(h, 16), 16, 10) AS UNSIGNED)), 0) AS xor_part, '
            'COALESCE(SUM(CAST(CONV(RIGHT(h, 16), 16, 10) AS UNSIGNED)), 0) AS sum_part '
            'FROM (SELECT %s AS h FROM %s) AS row_hashes'
            % (row_hash_expression(columns), source))
    return (
        'SELECT COUNT(*) AS row_count, '
        'COALESCE(BIT_XOR(CRC32(s)), 0) AS xor_part, '
        'COALESCE(SUM(CRC32(REVERSE(s))), 0) AS sum_part '
        'FROM (SELECT %s AS s FROM %s) AS row_strings'
        % (row_string_expression(columns), source))


def select_databases(all_schemas, databases, exclude_databases):
    """Schemas to checksum: the listed ones, else every non-system, non-excluded schema."""
    if databases:
        return list(databases)
    skipped = set(SYSTEM_SCHEMAS) | set(exclude_databases or ())
    return sorted(name for name in all_schemas if name.lower() not in skipped and name not in skipped)


def list_schemas(cursor):
    return [row['name'] for row in run(cursor, 'SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA')]


def list_tables(cursor, databases):
    """[(schema, table, engine)] of the base tables of ``databases``, sorted."""
    if not databases:
        return []
    placeholders = ', '.join(['%s'] * len(databases))
    rows = run(cursor,
               'SELECT TABLE_SCHEMA AS db, TABLE_NAME AS tbl, ENGINE AS engine FROM information_schema.TABLES '
               "WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA IN (%s) ORDER BY TABLE_SCHEMA, TABLE_NAME"
               % placeholders, list(databases))
    return [(row['db'], row['tbl'], row['engine']) for row in rows]


def list_columns(cursor, schema, table):
    rows = run(cursor,
               'SELECT COLUMN_NAME AS col FROM information_schema.COLUMNS '
               'WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s ORDER BY ORDINAL_POSITION', [schema, table])
    return [row['col'] for row in rows]


def checksum_table(cursor, schema, table, engine, algorithm=DEFAULT_ALGORITHM):
    """{rows, checksum, engine, transactional}; checksum is '<xor>-<sum>' behind the algorithm's prefix."""
    columns = list_columns(cursor, schema, table)
    row = run(cursor, checksum_query(schema, table, columns, algorithm))[0]
    return dict(rows=int(row['row_count']),
                checksum='%s%s-%s' % (CHECKSUM_PREFIXES[algorithm], int(row['xor_part']), int(row['sum_part'])),
                engine=engine,
                transactional=engine in TRANSACTIONAL_ENGINES)


def checksum_tables(cursor, databases, exclude_databases, algorithm=DEFAULT_ALGORITHM, only=None):
    """(schemas, {'schema.table': {rows, checksum, engine, transactional}}) of every base table selected
    (of those named 'schema.table' in ``only``, when given)."""
    check_algorithm(algorithm)
    selected = select_databases(list_schemas(cursor), databases, exclude_databases)
    tables = {}
    for schema, table, engine in list_tables(cursor, selected):
        name = '%s.%s' % (schema, table)
        if only is None or name in only:
            tables[name] = checksum_table(cursor, schema, table, engine, algorithm)
    return selected, tables


def summary(databases, tables):
    """The keys every checksum result has: schemas read, per-table checksums, their count and rows."""
    return dict(databases=databases, tables=tables, table_count=len(tables),
                total_rows=sum(item['rows'] for item in tables.values()))


def compare(tables, other):
    """(equal, different) between two checksum dicts; a table on one side only differs."""
    equal, different = [], []
    for name in sorted(set(tables) | set(other)):
        mine, theirs = tables.get(name), other.get(name)
        if mine and theirs and mine.get('rows') == theirs.get('rows') \
                and mine.get('checksum') == theirs.get('checksum'):
            equal.append(name)
        else:
            different.append(dict(table=name,
                                  rows=mine.get('rows') if mine else None,
                                  compare_rows=theirs.get('rows') if theirs else None))
    return equal, different
