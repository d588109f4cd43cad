# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.mysql_rds.replication.plugins.module_utils import checksum as cs


def test_quote_identifier_doubles_backquotes():
    assert cs.quote_identifier('a`b') == '`a``b`'


def test_row_hash_marks_nulls_and_casts_every_column():
    expr = cs.row_hash_expression(['id', 'name'])
    assert expr == ("MD5(CONCAT_WS('#', CAST(`id` AS BINARY), CAST(`name` AS BINARY), "
                    "CONCAT(ISNULL(`id`), ISNULL(`name`))))")


def test_checksum_query_reads_the_table_once():
    sql = cs.checksum_query('shop', 'order`s', ['id'])
    assert 'FROM `shop`.`order``s`' in sql
    assert 'COUNT(*)' in sql and 'BIT_XOR' in sql and 'SUM(' in sql


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
