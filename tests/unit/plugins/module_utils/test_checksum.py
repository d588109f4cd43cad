# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from decimal import Decimal

import pytest

from ansible_collections.mysql_rds.replication.plugins.module_utils import checksum as cs
from ansible_collections.mysql_rds.replication.tests.unit.plugins.fake_cursor import FakeCursor

ROW = "CONCAT_WS('#', CAST(`id` AS BINARY), CAST(`name` AS BINARY), CONCAT(ISNULL(`id`), ISNULL(`name`)))"


def test_quote_identifier_doubles_backquotes():
    assert cs.quote_identifier('a`b') == '`a``b`'


def test_row_string_marks_nulls_and_casts_every_column():
    assert cs.row_string_expression(['id', 'name']) == ROW


def test_row_hash_marks_nulls_and_casts_every_column():
    assert cs.row_hash_expression(['id', 'name']) == 'MD5(%s)' % ROW


def test_crc32_is_the_default():
    assert cs.DEFAULT_ALGORITHM == 'crc32'
    assert cs.checksum_query('shop', 'items', ['id', 'name']) == cs.checksum_query('shop', 'items', ['id', 'name'], 'crc32')


def test_crc32_query_xors_one_crc_and_sums_the_other_over_the_reversed_bytes():
    assert cs.checksum_query('shop', 'items', ['id', 'name'], 'crc32') == (
        'SELECT COUNT(*) AS row_count, '
        'COALESCE(BIT_XOR(CRC32(s)), 0) AS xor_part, '
        'COALESCE(SUM(CRC32(REVERSE(s))), 0) AS sum_part '
        'FROM (SELECT %s AS s FROM `shop`.`items`) AS row_strings' % ROW)


def test_md5_query_is_the_original_one():
    assert cs.checksum_query('shop', 'items', ['id', 'name'], 'md5') == (
        'SELECT COUNT(*) AS row_count, '
        'COALESCE(BIT_XOR(CAST(CONV(LEFT(h, 16), 16, 10) AS UNSIGNED)), 0) AS xor_part, '
        'COALESCE(SUM(CAST(CONV(RIGHT(h, 16), 16, 10) AS UNSIGNED)), 0) AS sum_part '
        'FROM (SELECT MD5(%s) AS h FROM `shop`.`items`) AS row_hashes' % ROW)


@pytest.mark.parametrize('algorithm', ['crc32', 'md5'])
def test_checksum_query_reads_the_table_once(algorithm):
    sql = cs.checksum_query('shop', 'order`s', ['id'], algorithm)
    assert 'FROM `shop`.`order``s`' in sql
    assert sql.count('FROM') == 2 and 'COUNT(*)' in sql and 'BIT_XOR' in sql and 'SUM(' in sql


def test_unknown_algorithm_is_refused():
    with pytest.raises(ValueError):
        cs.checksum_query('shop', 'items', ['id'], 'sha1')
    with pytest.raises(ValueError):
        cs.checksum_tables(FakeCursor([]), ['shop'], [], 'crc')


def _table_server(row):
    return FakeCursor([
        ('information_schema.SCHEMATA', [{'name': 'shop'}]),
        ('information_schema.TABLES', [{'db': 'shop', 'tbl': 'items', 'engine': 'InnoDB'}]),
        ('information_schema.COLUMNS', [{'col': 'id'}]),
        ('AS row_count', [row]),
    ])


@pytest.mark.parametrize('algorithm, needle, checksum', [
    ('crc32', 'CRC32(REVERSE(s))', 'crc32:4294967295-12884901885'),
    ('md5', 'MD5(', '4294967295-12884901885'),
])
def test_checksum_tables_uses_the_algorithm_and_its_prefix(algorithm, needle, checksum):
    # SUM() of unsigned integers comes back as an exact DECIMAL, BIT_XOR() as an int
    cursor = _table_server({'row_count': 3, 'xor_part': 4294967295, 'sum_part': Decimal('12884901885')})
    selected, tables = cs.checksum_tables(cursor, [], [], algorithm)
    assert selected == ['shop']
    assert tables == {'shop.items': {'rows': 3, 'checksum': checksum, 'engine': 'InnoDB', 'transactional': True}}
    sums = [sql for sql in cursor.statements if 'AS row_count' in sql]
    assert len(sums) == 1 and needle in sums[0]


def test_checksums_of_two_algorithms_never_compare_equal():
    row = {'row_count': 1, 'xor_part': 5, 'sum_part': 6}
    crc = cs.checksum_tables(_table_server(row), ['shop'], [], 'crc32')[1]
    md5 = cs.checksum_tables(_table_server(row), ['shop'], [], 'md5')[1]
    assert cs.compare(crc, md5) == ([], [{'table': 'shop.items', 'rows': 1, 'compare_rows': 1}])


def test_default_databases_skip_system_and_loadgen():
    schemas = ['mysql', 'information_schema', 'performance_schema', 'sys', 'loadgen', 'shop', 'app']
    assert cs.select_databases(schemas, [], ['loadgen']) == ['app', 'shop']


def test_listed_databases_win_over_exclusions():
    assert cs.select_databases(['loadgen', 'shop'], ['loadgen'], ['loadgen']) == ['loadgen']


def test_compare_lists_equal_and_different_tables():
    mine = {'a.t': {'rows': 2, 'checksum': '1-2'}, 'a.u': {'rows': 3, 'checksum': '5-6'},
            'a.only_here': {'rows': 1, 'checksum': '0-0'}}
    other = {'a.t': {'rows': 2, 'checksum': '1-2'}, 'a.u': {'rows': 3, 'checksum': '5-7'},
             'a.only_there': {'rows': 4, 'checksum': '0-0'}}
    equal, different = cs.compare(mine, other)
    assert equal == ['a.t']
    assert different == [
        {'table': 'a.only_here', 'rows': 1, 'compare_rows': None},
        {'table': 'a.only_there', 'rows': None, 'compare_rows': 4},
        {'table': 'a.u', 'rows': 3, 'compare_rows': 3},
    ]


def test_checksum_tables_only_reads_the_tables_asked_for():
    class Cursor(object):
        description = [('x',)]

        def __init__(self):
            self.statements = []
            self._rows = []

        def execute(self, sql, params=None):
            self.statements.append(sql)
            if 'SCHEMATA' in sql:
                self._rows = [dict(name='shop')]
            elif 'information_schema.TABLES' in sql:
                self._rows = [dict(db='shop', tbl='items', engine='InnoDB'), dict(db='shop', tbl='log', engine='InnoDB')]
            elif 'information_schema.COLUMNS' in sql:
                self._rows = [dict(col='id')]
            else:
                self._rows = [dict(row_count=1, xor_part=2, sum_part=3)]

        def fetchall(self):
            return self._rows

        def nextset(self):
            return None

    cursor = Cursor()
    _selected, tables = cs.checksum_tables(cursor, [], [], only={"shop.log"})
    assert list(tables) == ['shop.log']
    assert not any('`items`' in sql for sql in cursor.statements)
