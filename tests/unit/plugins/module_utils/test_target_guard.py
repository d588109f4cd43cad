# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The overwrite guard: occupied schemas of the target, and a refusal that says what it found."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.mysql_rds.replication.plugins.module_utils import target_guard as tg
from ansible_collections.mysql_rds.replication.plugins.module_utils.errors import SqlError
from ansible_collections.mysql_rds.replication.tests.unit.plugins.fake_cursor import FakeCursor

MARIADB = ('VERSION()', [dict(version='10.11.9-MariaDB-log', comment='MariaDB Server')])
SOURCE = dict(host='10.0.0.5', port=3306)


def counts(tables=0, views=0, routines=0, events=0):
    return dict(tables=tables, views=views, routines=routines, events=events)


def test_target_objects_asks_only_for_the_schemas_to_load():
    cursor = FakeCursor([('information_schema.SCHEMATA', [
        dict(name='billing', tables=0, views=0, routines=2, events=0),
        dict(name='shop', tables=12, views=1, routines=0, events=None)])])
    found = tg.target_objects(cursor, ['shop', 'billing', 'absent'])
    assert found == {'billing': counts(routines=2), 'shop': counts(tables=12, views=1)}
    sql, params = cursor.executed[0]
    assert params == ['shop', 'billing', 'absent']
    assert 'IN (%s, %s, %s)' in sql  # names are parameters, never spliced into the statement


def test_target_objects_without_schemas_queries_nothing():
    cursor = FakeCursor([])
    assert tg.target_objects(cursor, []) == {}
    assert cursor.executed == []


@pytest.mark.parametrize('objects, occupied', [
    ({}, {}),
    ({'empty': counts()}, {}),  # an existing but empty schema loses nothing
    ({'t': counts(tables=1)}, {'t': counts(tables=1)}),
    ({'v': counts(views=1)}, {'v': counts(views=1)}),
    ({'r': counts(routines=1)}, {'r': counts(routines=1)}),
    ({'e': counts(events=1)}, {'e': counts(events=1)}),
    ({'empty': counts(), 'shop': counts(tables=3)}, {'shop': counts(tables=3)}),
])
def test_occupied_schemas(objects, occupied):
    assert tg.occupied_schemas(objects) == occupied


@pytest.mark.parametrize('value, text', [
    (counts(tables=1), '1 table'),
    (counts(tables=12, views=1), '12 tables, 1 view'),
    (counts(routines=2, events=1), '2 routines, 1 event'),
])
def test_describe_counts(value, text):
    assert tg.describe_counts(value) == text


def test_refusal_message_names_schemas_counts_and_fix_but_claims_nothing_unknown():
    msg = tg.refusal_message({'shop': counts(tables=12, views=1), 'billing': counts(routines=2)},
                             'rds.example.com:3306')
    assert msg.startswith('refusing to load into rds.example.com:3306: it already holds data in schema(s)')
    assert 'billing (2 routines); shop (12 tables, 1 view)' in msg
    assert 'not replicating' not in msg
    assert 'promoted' in msg and 'do not load it again' in msg
    assert 'overwrite=true' in msg and 'rds_replica_of_source_overwrite' in msg and 'replica_of_rds_overwrite' in msg


def test_refusal_message_says_what_was_found():
    found = 'it replicates from 10.0.0.5:3306, the source of this dump (replication running)'
    msg = tg.refusal_message({'shop': counts(tables=1)}, 'rds:3306', found)
    assert 'rds:3306: it replicates from 10.0.0.5:3306, the source of this dump (replication running) and ' \
           'already holds data' in msg


@pytest.mark.parametrize('status, text', [
    (None, None),
    (dict(configured=False), 'it does not replicate from any source'),
    (dict(configured=True, source_host='10.0.0.5', source_port=3306, io_running='Yes', sql_running='Yes'),
     'it replicates from 10.0.0.5:3306, the source of this dump (replication running)'),
    (dict(configured=True, source_host='10.0.0.5', source_port=3306, io_running='Connecting', sql_running='No'),
     'it replicates from 10.0.0.5:3306, the source of this dump (replication running)'),
    (dict(configured=True, source_host='10.0.0.6', source_port=3306, io_running='No', sql_running='No'),
     'it replicates from 10.0.0.6:3306 (replication stopped)'),
])
def test_replication_found(status, text):
    assert tg.replication_found(status, SOURCE) == text


def test_replication_of_falls_back_to_the_rds_procedure():
    row = dict(Master_Host='10.0.0.5', Master_Port=3306, Slave_IO_Running='Yes', Slave_SQL_Running='Yes')
    cursor = FakeCursor([MARIADB, ('SHOW SLAVE STATUS', SqlError('denied', errno=1227)),
                         ('rds_replica_status', [row])])
    status = tg.replication_of(cursor)
    assert status['configured'] and status['source_host'] == '10.0.0.5'
    assert 'CALL mysql.rds_replica_status()' in cursor.statements


def test_replication_of_is_none_when_nothing_can_be_read():
    cursor = FakeCursor([MARIADB, ('SHOW SLAVE STATUS', SqlError('denied', errno=1227)),
                         ('rds_replica_status', SqlError('denied', errno=1370))])
    assert tg.replication_of(cursor) is None
    assert tg.replication_of(FakeCursor([('VERSION()', SqlError('gone', errno=2013))])) is None


# ------------------------------------------------------------------------------------ the packet guard
def test_statement_size_is_twice_the_row_and_a_mib_in_whole_mib():
    assert tg.statement_size(0) == 1024 * 1024
    assert tg.statement_size(16 * 1024 * 1024) == 33 * 1024 * 1024
    assert tg.statement_size(1) == 2 * 1024 * 1024


def test_only_tables_that_could_exceed_the_limit_are_measured_on_their_long_columns():
    rows = [dict(db='s', tbl='files', col='id', octets=64), dict(db='s', tbl='files', col='body', octets=4294967295),
            dict(db='s', tbl='files', col='name', octets=1020), dict(db='s', tbl='notes', col='v', octets=65535),
            dict(db='s', tbl='docs', col='doc', octets=16777215)]
    assert tg.tables_to_measure(rows, 16 * 1024 * 1024) == {('s', 'docs'): ['doc'], ('s', 'files'): ['body']}
    assert tg.tables_to_measure(rows, 64 * 1024 * 1024) == {('s', 'files'): ['body']}
    assert tg.largest_row_sql('s', 'files', ['body', 'x']) == (
        'SELECT MAX(COALESCE(LENGTH(`body`), 0) + COALESCE(LENGTH(`x`), 0)) AS biggest FROM `s`.`files`')


class Refused(Exception):
    pass


class Module(object):
    def fail_json(self, **result):
        raise Refused(result)


def test_the_packet_guard_raises_refuses_or_lets_pass():
    mib = 1024 * 1024
    assert tg.packet_guard(Module(), 64 * mib, False, 16 * mib, 's.files') == {}
    assert tg.packet_guard(Module(), 16 * mib, True, 16 * mib, 's.files') == dict(max_allowed_packet=33 * mib)
    with pytest.raises(Refused) as caught:
        tg.packet_guard(Module(), 16 * mib, False, 16 * mib, 's.files')
    assert "max_allowed_packet to 34603008 or more in the target's parameter group" in caught.value.args[0]['msg']
    with pytest.raises(Refused) as caught:
        tg.packet_guard(Module(), 16 * mib, True, 600 * mib, 's.files')
    assert 'more than any server accepts (1 GiB)' in caught.value.args[0]['msg']
