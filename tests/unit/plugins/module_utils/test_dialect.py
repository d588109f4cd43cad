# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.mysql_rds.replication.plugins.module_utils.dialect import (
    AURORA_MYSQL, MARIADB, MYSQL, STATUS_KEYS, Dialect, DialectError, normalize_status, parse_version)

from ansible_collections.mysql_rds.replication.tests.unit.plugins.module_utils.status_rows import (
    MARIADB1011_SLAVE_STATUS, MYSQL57_SLAVE_STATUS, MYSQL80_REPLICA_STATUS, MYSQL84_REPLICA_STATUS_BROKEN)

MYSQL57 = Dialect.from_server('5.7.44-log', 'MySQL Community Server (GPL)')
MYSQL8021 = Dialect.from_server('8.0.21', 'MySQL Community Server - GPL')
MYSQL8022 = Dialect.from_server('8.0.22', 'MySQL Community Server - GPL')
MYSQL8036 = Dialect.from_server('8.0.36', 'Source distribution')
MYSQL84 = Dialect.from_server('8.4.3', 'MySQL Community Server - GPL')
MARIADB1011 = Dialect.from_server('10.11.19-MariaDB-0+deb12u1-log', 'Debian 12')
MARIADB104 = Dialect.from_server('10.4.34-MariaDB-log', 'Source distribution')
AURORA2 = Dialect.from_server('5.7.12-log', 'MySQL Community Server (GPL)', '2.11.2')
AURORA3 = Dialect.from_server('8.0.mysql_aurora.3.05.2', 'Source distribution', '3.05.2')


@pytest.mark.parametrize('text, expected', [
    ('10.11.6-MariaDB-log', (10, 11, 6)),
    ('5.5.5-10.6.16-MariaDB', (10, 6, 16)),
    ('8.0.36', (8, 0, 36)),
    ('5.7.44-log', (5, 7, 44)),
    ('8.4', (8, 4, 0)),
])
def test_parse_version(text, expected):
    assert parse_version(text) == expected


def test_parse_version_rejects_garbage():
    with pytest.raises(DialectError):
        parse_version('not a version')


@pytest.mark.parametrize('dialect, flavor, version', [
    (MYSQL57, MYSQL, (5, 7, 44)),
    (MYSQL84, MYSQL, (8, 4, 3)),
    (MARIADB1011, MARIADB, (10, 11, 19)),
    (AURORA2, AURORA_MYSQL, (5, 7, 12)),
    (AURORA3, AURORA_MYSQL, (8, 0, 23)),
])
def test_detection(dialect, flavor, version):
    assert dialect.flavor == flavor
    assert dialect.version == version


def test_aurora_detected_from_version_string_alone():
    dialect = Dialect.from_server('8.0.mysql_aurora.3.04.1', '')
    assert dialect.is_aurora and dialect.aurora_major == 3


def test_mariadb_detected_from_comment():
    assert Dialect.from_server('10.6.14', 'MariaDB Server').is_mariadb


@pytest.mark.parametrize('dialect, status', [
    (MYSQL57, 'SHOW SLAVE STATUS'),
    (MYSQL8021, 'SHOW SLAVE STATUS'),
    (MYSQL8022, 'SHOW REPLICA STATUS'),
    (MYSQL84, 'SHOW REPLICA STATUS'),
    (AURORA2, 'SHOW SLAVE STATUS'),
    (AURORA3, 'SHOW REPLICA STATUS'),
    (MARIADB1011, 'SHOW SLAVE STATUS'),
])
def test_status_statement(dialect, status):
    assert dialect.status_statement() == (status, [])


def test_mariadb_named_connection_statements():
    assert MARIADB1011.status_statement('east') == ('SHOW SLAVE %s STATUS', ['east'])
    assert MARIADB1011.start_statement('east') == ('START SLAVE %s', ['east'])
    assert MARIADB1011.reset_statement('east') == ('RESET SLAVE %s ALL', ['east'])
    sql, params = MARIADB1011.change_statement({'host': 'db1'}, 'east')
    assert sql == 'CHANGE MASTER %s TO MASTER_HOST = %s'
    assert params == ['east', 'db1']


def test_connection_name_refused_on_mysql():
    with pytest.raises(DialectError, match='MariaDB multi-source'):
        MYSQL84.status_statement('east')


@pytest.mark.parametrize('dialect, start, stop, reset', [
    (MYSQL57, 'START SLAVE', 'STOP SLAVE', 'RESET SLAVE ALL'),
    (MYSQL8022, 'START REPLICA', 'STOP REPLICA', 'RESET REPLICA ALL'),
    (MYSQL84, 'START REPLICA', 'STOP REPLICA', 'RESET REPLICA ALL'),
    (MARIADB1011, 'START SLAVE', 'STOP SLAVE', 'RESET SLAVE ALL'),
])
def test_thread_words(dialect, start, stop, reset):
    assert dialect.start_statement()[0] == start
    assert dialect.stop_statement()[0] == stop
    assert dialect.reset_statement()[0] == reset


def test_mysql84_never_says_slave_or_master():
    sql, _params = MYSQL84.change_statement(dict(host='h', port=3306, user='u', password='p', log_file='f',
                                                 log_pos=4, ssl=1, ssl_verify_server_cert=1, delay=5,
                                                 auto_position=0))
    for statement in (sql, MYSQL84.status_statement()[0], MYSQL84.start_statement()[0],
                      MYSQL84.stop_statement()[0], MYSQL84.reset_statement()[0]):
        assert 'SLAVE' not in statement and 'MASTER' not in statement


def test_change_statement_mysql_8023_uses_source_words():
    dialect = Dialect.from_server('8.0.23', '')
    settings = dict(host='db1', port=3306, user='repl', password='pw', log_file='binlog.000007', log_pos=1968)
    sql, params = dialect.change_statement(settings)
    assert sql == ('CHANGE REPLICATION SOURCE TO SOURCE_HOST = %s, SOURCE_PORT = %s, SOURCE_USER = %s, '
                   'SOURCE_PASSWORD = %s, SOURCE_LOG_FILE = %s, SOURCE_LOG_POS = %s')
    assert params == ['db1', 3306, 'repl', 'pw', 'binlog.000007', 1968]


def test_change_statement_mysql_8022_still_change_master():
    sql, _params = MYSQL8022.change_statement(dict(host='db1', auto_position=1))
    assert sql == 'CHANGE MASTER TO MASTER_HOST = %s, MASTER_AUTO_POSITION = %s'


def test_change_statement_mariadb_gtid_and_tls():
    sql, params = MARIADB1011.change_statement(dict(host='db1', ssl=1, ssl_ca='/etc/ca.pem',
                                                    ssl_verify_server_cert=1, connect_retry=10,
                                                    heartbeat_period=5, use_gtid='slave_pos'))
    assert sql == ('CHANGE MASTER TO MASTER_HOST = %s, MASTER_SSL = %s, MASTER_SSL_CA = %s, '
                   'MASTER_SSL_VERIFY_SERVER_CERT = %s, MASTER_CONNECT_RETRY = %s, '
                   'MASTER_HEARTBEAT_PERIOD = %s, MASTER_USE_GTID = slave_pos')
    assert params == ['db1', 1, '/etc/ca.pem', 1, 10, 5.0]


def test_gtid_modes_are_engine_specific():
    with pytest.raises(DialectError, match='source_auto_position'):
        MYSQL84.change_statement(dict(use_gtid='slave_pos'))
    with pytest.raises(DialectError, match='source_gtid'):
        MARIADB1011.change_statement(dict(auto_position=1))
    with pytest.raises(DialectError):
        MARIADB1011.change_statement(dict(use_gtid='slave_pos; DROP TABLE x'))
    with pytest.raises(DialectError, match='MariaDB only'):
        MYSQL84.gtid_slave_pos_statement('0-1-2')


def test_wild_ignore_statements():
    assert MARIADB1011.wild_ignore_statement(['mysql.rds\\_%']) == (
        'SET GLOBAL replicate_wild_ignore_table = %s', ['mysql.rds\\_%'])
    assert MARIADB1011.wild_ignore_statement(['a.%', 'b.%'], 'east') == (
        'SET GLOBAL `east`.replicate_wild_ignore_table = %s', ['a.%,b.%'])
    assert MYSQL84.wild_ignore_statement(['mysql.rds\\_%', 'x.y%']) == (
        'CHANGE REPLICATION FILTER REPLICATE_WILD_IGNORE_TABLE = (%s, %s)', ['mysql.rds\\_%', 'x.y%'])
    assert MYSQL84.wild_ignore_statement([]) == ('CHANGE REPLICATION FILTER REPLICATE_WILD_IGNORE_TABLE = ()', [])


def test_wild_do_statements():
    assert MARIADB1011.wild_do_statement(['app.%', 'my\\_db.%']) == (
        'SET GLOBAL replicate_wild_do_table = %s', ['app.%,my\\_db.%'])
    assert MARIADB1011.wild_do_statement(['app.%'], 'east') == (
        'SET GLOBAL `east`.replicate_wild_do_table = %s', ['app.%'])
    assert MARIADB1011.wild_do_statement([]) == ('SET GLOBAL replicate_wild_do_table = %s', [''])
    assert MYSQL84.wild_do_statement(['app.%', 'billing.%']) == (
        'CHANGE REPLICATION FILTER REPLICATE_WILD_DO_TABLE = (%s, %s)', ['app.%', 'billing.%'])
    assert MYSQL84.wild_do_statement([]) == ('CHANGE REPLICATION FILTER REPLICATE_WILD_DO_TABLE = ()', [])
    assert MYSQL57.wild_do_statement(['app.%']) == (
        'CHANGE REPLICATION FILTER REPLICATE_WILD_DO_TABLE = (%s)', ['app.%'])


@pytest.mark.parametrize('dialect, set_external, reset, next_log', [
    (MYSQL57, 'mysql.rds_set_external_master', 'mysql.rds_reset_external_master', 'mysql.rds_next_master_log'),
    (MYSQL8036, 'mysql.rds_set_external_master', 'mysql.rds_reset_external_master', 'mysql.rds_next_master_log'),
    (MYSQL84, 'mysql.rds_set_external_source', 'mysql.rds_reset_external_source', 'mysql.rds_next_source_log'),
    (AURORA2, 'mysql.rds_set_external_master', 'mysql.rds_reset_external_master', 'mysql.rds_next_master_log'),
    (AURORA3, 'mysql.rds_set_external_source', 'mysql.rds_reset_external_source', 'mysql.rds_next_source_log'),
    (MARIADB1011, 'mysql.rds_set_external_master', 'mysql.rds_reset_external_master', 'mysql.rds_next_master_log'),
])
def test_rds_procedure_names(dialect, set_external, reset, next_log):
    assert dialect.rds_procedure('set_external') == set_external
    assert dialect.rds_procedure('reset_external') == reset
    assert dialect.rds_procedure('next_log') == next_log
    assert dialect.rds_procedure('start') == 'mysql.rds_start_replication'


def test_rds_set_external_calls():
    sql, params = MARIADB1011.rds_set_external_call('db1', 3306, 'repl', 'pw', log_file='mysql-bin.000042',
                                                    log_pos=1337, ssl=True)
    assert sql == 'CALL mysql.rds_set_external_master(%s, %s, %s, %s, %s, %s, %s)'
    assert params == ['db1', 3306, 'repl', 'pw', 'mysql-bin.000042', 1337, 1]
    sql, params = MARIADB1011.rds_set_external_call('db1', 3306, 'repl', 'pw', gtid='0-1-5', ssl=False)
    assert sql == 'CALL mysql.rds_set_external_master_gtid(%s, %s, %s, %s, %s, %s)'
    assert params == ['db1', 3306, 'repl', 'pw', '0-1-5', 0]
    sql, params = MYSQL84.rds_set_external_call('db1', 3306, 'repl', 'pw', auto_position=True, delay=60)
    assert sql == 'CALL mysql.rds_set_external_source_with_auto_position(%s, %s, %s, %s, %s, %s)'
    assert params[-2:] == [1, 60]
    sql, params = AURORA3.rds_set_external_call('db1', 3306, 'repl', 'pw', auto_position=True)
    assert sql == 'CALL mysql.rds_set_external_source_with_auto_position(%s, %s, %s, %s, %s)'
    sql, params = MYSQL8036.rds_set_external_call('db1', 3306, 'repl', 'pw', log_file='f.000001', log_pos=4,
                                                  delay=3600)
    assert sql == 'CALL mysql.rds_set_external_master_with_delay(%s, %s, %s, %s, %s, %s, %s, %s)'
    assert params[-1] == 3600


@pytest.mark.parametrize('dialect, action, fix', [
    (MYSQL84, 'set_external_gtid', 'source_auto_position'),
    (MARIADB1011, 'set_external_auto_position', 'source_gtid'),
    (MARIADB1011, 'set_external_with_delay', 'omit delay'),
    (Dialect.from_server('8.0.25', ''), 'set_external_auto_position', '8.0.26'),
    (MARIADB104, 'replica_status', '10.5'),
])
def test_rds_procedure_missing_names_the_fix(dialect, action, fix):
    with pytest.raises(DialectError, match=fix):
        dialect.rds_procedure(action)


def test_rds_status_statement():
    assert MARIADB1011.rds_status_statement() == ('CALL mysql.rds_replica_status()', [])
    assert MARIADB104.rds_status_statement() == ('SHOW SLAVE STATUS', [])
    assert MYSQL84.rds_status_statement() == ('SHOW REPLICA STATUS', [])


def test_retention_bounds():
    assert MARIADB1011.retention_max == 168
    assert MYSQL84.retention_max == 168
    assert AURORA3.retention_max == 2160
    assert AURORA2.retention_max == 2160


def test_normalized_keys_are_the_same_for_every_engine():
    rows = [MYSQL57_SLAVE_STATUS, MYSQL80_REPLICA_STATUS, MYSQL84_REPLICA_STATUS_BROKEN,
            MARIADB1011_SLAVE_STATUS, None]
    for row in rows:
        assert tuple(sorted(normalize_status(row))) == tuple(sorted(STATUS_KEYS))


def test_normalize_mysql57():
    status = normalize_status(MYSQL57_SLAVE_STATUS)
    assert status['configured'] is True
    assert (status['io_running'], status['sql_running']) == ('Yes', 'Yes')
    assert (status['source_host'], status['source_port'], status['source_user']) == ('localhost', 13000, 'repl')
    assert status['relay_source_log_file'] == 'source-bin.000002'
    assert status['exec_source_log_pos'] == 1307
    assert status['seconds_behind_source'] == 0
    assert status['auto_position'] is True and status['using_gtid'] == 'auto_position'
    assert status['gtid_io_pos'] == '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5'
    assert status['ssl_allowed'] is False


def test_normalize_mysql80():
    status = normalize_status(MYSQL80_REPLICA_STATUS)
    assert status['source_host'] == '10.0.3.17'
    assert status['source_log_file'] == 'mysql-bin-changelog.000215'
    assert status['read_source_log_pos'] == 4711
    assert status['relay_source_log_file'] == 'mysql-bin-changelog.000214'
    assert status['exec_source_log_pos'] == 98765
    assert status['seconds_behind_source'] == 12
    assert status['ssl_allowed'] is True and status['ssl_verify_server_cert'] is True
    assert status['ssl_ca_file'] == '/etc/mysql/rds-global-bundle.pem'
    assert status['sql_delay'] == 3600
    assert status['connect_retry'] == 30
    assert status['source_server_id'] == 1234567
    assert status['using_gtid'] == 'no' and status['auto_position'] is False
    assert status['replicate_wild_ignore_table'] == ['mysql.rds\\_%', 'mysql.rds_heartbeat2']


def test_normalize_mysql84_broken():
    status = normalize_status(MYSQL84_REPLICA_STATUS_BROKEN)
    assert status['io_running'] == 'No'
    assert status['seconds_behind_source'] is None
    assert status['last_io_errno'] == 13114
    assert 'Could not find first log file' in status['last_io_error']


def test_normalize_mariadb1011():
    status = normalize_status(MARIADB1011_SLAVE_STATUS)
    assert status['using_gtid'] == 'slave_pos'
    assert status['gtid_io_pos'] == '0-13401-53'
    assert status['auto_position'] is False
    assert status['replicate_wild_ignore_table'] == ['mysql.rds\\_%']
    assert status['replicate_wild_do_table'] == []
    assert status['source_server_id'] == 13401
    subset = normalize_status(dict(MARIADB1011_SLAVE_STATUS, Replicate_Wild_Do_Table='app.%,my\\_db.%'))
    assert subset['replicate_wild_do_table'] == ['app.%', 'my\\_db.%']


def test_normalize_not_configured():
    status = normalize_status(None)
    assert status['configured'] is False
    assert status['io_running'] == 'No' and status['sql_running'] == 'No'
    assert status['replicate_wild_ignore_table'] == [] and status['replicate_wild_do_table'] == []
