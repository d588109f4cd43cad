# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pymysql
import pytest

from ansible_collections.mysql_rds.replication.plugins.module_utils.dialect import Dialect
from ansible_collections.mysql_rds.replication.plugins.module_utils.errors import SqlError
from ansible_collections.mysql_rds.replication.plugins.module_utils.status_reader import (
    RDS_PROCEDURE, STATEMENT, StatusReader, rds_mode, refused)
from ansible_collections.mysql_rds.replication.tests.unit.plugins.fake_cursor import FakeCursor
from ansible_collections.mysql_rds.replication.tests.unit.plugins.module_utils.status_rows import (
    MARIADB1011_SLAVE_STATUS, MYSQL80_REPLICA_STATUS)

MARIADB = Dialect.from_server('10.11.9-MariaDB-log', 'Source distribution')
MARIADB104 = Dialect.from_server('10.4.34-MariaDB-log', 'Source distribution')
MYSQL80 = Dialect.from_server('8.0.36', 'MySQL Community Server - GPL')

DENIED = pymysql.err.OperationalError(1227, 'Access denied; you need (at least one of) the SUPER, SLAVE MONITOR '
                                            'privilege(s) for this operation')


def statements(cursor):
    return [sql for sql, _params in cursor.executed]


@pytest.mark.parametrize('value, mode', [
    (None, 'auto'), ('auto', 'auto'), ('AUTO', 'auto'), (True, True), (False, False),
    ('true', True), ('yes', True), ('False', False), ('no', False), ('0', False),
])
def test_rds_mode(value, mode):
    assert rds_mode(value) == mode


def test_rds_mode_refuses_other_words():
    with pytest.raises(ValueError, match='auto, true or false'):
        rds_mode('maybe')


def test_refused_codes():
    assert refused(SqlError('x', errno=1227)) and refused(SqlError('x', errno=1142))
    assert refused(SqlError('x', errno=1044))
    assert not refused(SqlError('x', errno=2013)) and not refused(ValueError('x'))


def test_auto_uses_the_statement_when_allowed():
    cursor = FakeCursor([('SHOW SLAVE STATUS', [MARIADB1011_SLAVE_STATUS])])
    reader = StatusReader(cursor, MARIADB)
    status = reader.read()
    assert status['configured'] is True and status['io_running'] == 'Yes'
    assert reader.source == STATEMENT
    assert statements(cursor) == ['SHOW SLAVE STATUS']


def test_auto_falls_back_to_the_procedure_once_and_remembers():
    cursor = FakeCursor([('SHOW SLAVE STATUS', DENIED), ('rds_replica_status', [MARIADB1011_SLAVE_STATUS])])
    reader = StatusReader(cursor, MARIADB, rds='auto')
    assert reader.read()['source_port'] == 13401
    assert reader.source == RDS_PROCEDURE
    reader.read()
    assert statements(cursor) == ['SHOW SLAVE STATUS', 'CALL mysql.rds_replica_status()',
                                  'CALL mysql.rds_replica_status()']


def test_auto_fallback_that_fails_names_both_errors():
    missing = pymysql.err.OperationalError(1305, 'PROCEDURE mysql.rds_replica_status does not exist')
    cursor = FakeCursor([('SHOW SLAVE STATUS', DENIED), ('rds_replica_status', missing)])
    with pytest.raises(SqlError) as caught:
        StatusReader(cursor, MARIADB).read()
    assert caught.value.errno == 1227
    assert 'SLAVE MONITOR' in caught.value.message and 'RDS way' in caught.value.message
    assert 'does not exist' in caught.value.message


def test_auto_does_not_fall_back_on_other_errors():
    lost = pymysql.err.OperationalError(2013, 'Lost connection to server during query')
    cursor = FakeCursor([('SHOW SLAVE STATUS', lost), ('rds_replica_status', [MARIADB1011_SLAVE_STATUS])])
    with pytest.raises(SqlError, match='2013'):
        StatusReader(cursor, MARIADB).read()
    assert statements(cursor) == ['SHOW SLAVE STATUS']


def test_auto_does_not_retry_the_same_statement():
    """Where the RDS way is the statement itself (MySQL, MariaDB < 10.5), a refusal is final."""
    for dialect, statement in ((MYSQL80, 'SHOW REPLICA STATUS'), (MARIADB104, 'SHOW SLAVE STATUS')):
        cursor = FakeCursor([(statement, DENIED)])
        with pytest.raises(SqlError, match='1227'):
            StatusReader(cursor, dialect).read()
        assert statements(cursor) == [statement]


def test_auto_with_a_connection_name_does_not_fall_back():
    cursor = FakeCursor([('SHOW SLAVE', DENIED), ('rds_replica_status', [MARIADB1011_SLAVE_STATUS])])
    with pytest.raises(SqlError):
        StatusReader(cursor, MARIADB, connection_name='east').read()
    assert cursor.executed == [('SHOW SLAVE %s STATUS', ['east'])]


def test_true_goes_to_the_procedure_directly():
    cursor = FakeCursor([('rds_replica_status', [MARIADB1011_SLAVE_STATUS])])
    reader = StatusReader(cursor, MARIADB, rds=True)
    assert reader.read()['configured'] is True
    assert reader.source == RDS_PROCEDURE
    assert statements(cursor) == ['CALL mysql.rds_replica_status()']


def test_true_on_mysql_is_the_statement():
    cursor = FakeCursor([('SHOW REPLICA STATUS', [MYSQL80_REPLICA_STATUS])])
    reader = StatusReader(cursor, MYSQL80, rds='true')
    assert reader.read()['seconds_behind_source'] == 12
    assert reader.source == STATEMENT


def test_true_refuses_a_connection_name():
    with pytest.raises(ValueError, match='connection_name'):
        StatusReader(FakeCursor([]), MARIADB, connection_name='east', rds=True)


def test_false_never_falls_back():
    cursor = FakeCursor([('SHOW SLAVE STATUS', DENIED), ('rds_replica_status', [MARIADB1011_SLAVE_STATUS])])
    with pytest.raises(SqlError, match='1227'):
        StatusReader(cursor, MARIADB, rds=False).read()
    assert statements(cursor) == ['SHOW SLAVE STATUS']


def test_no_row_is_not_configured():
    reader = StatusReader(FakeCursor([('SHOW SLAVE STATUS', [])]), MARIADB)
    status = reader()
    assert status['configured'] is False and status['io_running'] == 'No'
