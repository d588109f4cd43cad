# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every row of the dialect's statement table, for every engine/version the collection meets.

Facts (checked against the manuals): MySQL 8.0.22 added START/STOP/RESET REPLICA and SHOW
REPLICA STATUS; 8.0.23 CHANGE REPLICATION SOURCE TO and the SOURCE_LOG_FILE/SOURCE_LOG_POS
words of START ... UNTIL (WL#14189); 8.2.0 SHOW BINARY LOG STATUS; 8.4 removed SHOW MASTER STATUS
and the SLAVE/MASTER statements. MariaDB keeps the SLAVE/MASTER statements (REPLICA aliases
since 10.5.1), reports its GTIDs in gtid_binlog_pos (own binlog), gtid_slave_pos (applied as a
replica) and gtid_current_pos (either, newest); MySQL in gtid_executed. Aurora MySQL v2 is
5.7.12-compatible, v3 8.0.23+-compatible (8.0-based: no SHOW BINARY LOG STATUS).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.mysql_rds.replication.plugins.module_utils.dialect import (
    STATEMENTS, Dialect, DialectError, resolve_row)

SERVERS = {
    'mariadb-10.4': Dialect.from_server('10.4.34-MariaDB-log', 'Source distribution'),
    'mariadb-10.5': Dialect.from_server('10.5.27-MariaDB-log', 'managed by https://aws.amazon.com/rds/'),
    'mariadb-10.11': Dialect.from_server('10.11.9-MariaDB-log', 'managed by https://aws.amazon.com/rds/'),
    'mariadb-11.4': Dialect.from_server('11.4.4-MariaDB-log', 'MariaDB Server'),
    'mysql-5.6': Dialect.from_server('5.6.51-log', 'MySQL Community Server (GPL)'),
    'mysql-5.7': Dialect.from_server('5.7.44-log', 'MySQL Community Server (GPL)'),
    'mysql-8.0.21': Dialect.from_server('8.0.21', 'MySQL Community Server - GPL'),
    'mysql-8.0.22': Dialect.from_server('8.0.22', 'MySQL Community Server - GPL'),
    'mysql-8.0.23': Dialect.from_server('8.0.23', 'MySQL Community Server - GPL'),
    'mysql-8.0.26': Dialect.from_server('8.0.26', 'Source distribution'),
    'mysql-8.2': Dialect.from_server('8.2.0', 'MySQL Community Server - GPL'),
    'mysql-8.4': Dialect.from_server('8.4.3', 'Source distribution'),
    'aurora-v2': Dialect.from_server('5.7.12-log', 'MySQL Community Server (GPL)', '2.11.2'),
    'aurora-v3': Dialect.from_server('8.0.mysql_aurora.3.05.2', 'Source distribution', '3.05.2'),
}

SLAVE = dict(status='SHOW SLAVE STATUS', start='START SLAVE', stop='STOP SLAVE', reset='RESET SLAVE ALL')
REPLICA = dict(status='SHOW REPLICA STATUS', start='START REPLICA', stop='STOP REPLICA', reset='RESET REPLICA ALL')
MASTER_UNTIL = ' SQL_THREAD UNTIL MASTER_LOG_FILE = %s, MASTER_LOG_POS = %s'
SOURCE_UNTIL = ' SQL_THREAD UNTIL SOURCE_LOG_FILE = %s, SOURCE_LOG_POS = %s'

# server: (thread statements, UNTIL clause, change-source head + option prefix, binlog status)
WORDS = {
    'mariadb-10.4': (SLAVE, MASTER_UNTIL, 'CHANGE MASTER TO MASTER_HOST = %s', 'SHOW MASTER STATUS'),
    'mariadb-10.5': (SLAVE, MASTER_UNTIL, 'CHANGE MASTER TO MASTER_HOST = %s', 'SHOW MASTER STATUS'),
    'mariadb-10.11': (SLAVE, MASTER_UNTIL, 'CHANGE MASTER TO MASTER_HOST = %s', 'SHOW MASTER STATUS'),
    'mariadb-11.4': (SLAVE, MASTER_UNTIL, 'CHANGE MASTER TO MASTER_HOST = %s', 'SHOW MASTER STATUS'),
    'mysql-5.6': (SLAVE, MASTER_UNTIL, 'CHANGE MASTER TO MASTER_HOST = %s', 'SHOW MASTER STATUS'),
    'mysql-5.7': (SLAVE, MASTER_UNTIL, 'CHANGE MASTER TO MASTER_HOST = %s', 'SHOW MASTER STATUS'),
    'mysql-8.0.21': (SLAVE, MASTER_UNTIL, 'CHANGE MASTER TO MASTER_HOST = %s', 'SHOW MASTER STATUS'),
    'mysql-8.0.22': (REPLICA, MASTER_UNTIL, 'CHANGE MASTER TO MASTER_HOST = %s', 'SHOW MASTER STATUS'),
    'mysql-8.0.23': (REPLICA, SOURCE_UNTIL, 'CHANGE REPLICATION SOURCE TO SOURCE_HOST = %s', 'SHOW MASTER STATUS'),
    'mysql-8.0.26': (REPLICA, SOURCE_UNTIL, 'CHANGE REPLICATION SOURCE TO SOURCE_HOST = %s', 'SHOW MASTER STATUS'),
    'mysql-8.2': (REPLICA, SOURCE_UNTIL, 'CHANGE REPLICATION SOURCE TO SOURCE_HOST = %s', 'SHOW BINARY LOG STATUS'),
    'mysql-8.4': (REPLICA, SOURCE_UNTIL, 'CHANGE REPLICATION SOURCE TO SOURCE_HOST = %s', 'SHOW BINARY LOG STATUS'),
    'aurora-v2': (SLAVE, MASTER_UNTIL, 'CHANGE MASTER TO MASTER_HOST = %s', 'SHOW MASTER STATUS'),
    'aurora-v3': (REPLICA, SOURCE_UNTIL, 'CHANGE REPLICATION SOURCE TO SOURCE_HOST = %s', 'SHOW MASTER STATUS'),
}

MARIADB_GTIDS = ('SELECT @@global.gtid_binlog_pos AS gtid', 'SELECT @@global.gtid_slave_pos AS gtid')
MYSQL_GTIDS = ('SELECT @@global.gtid_executed AS gtid', 'SELECT @@global.gtid_executed AS gtid')

# server: (rds procedure word, rds status statement, delay procedure?, auto-position procedure?)
RDS = {
    'mariadb-10.4': ('master', 'SHOW SLAVE STATUS', False, False),
    'mariadb-10.5': ('master', 'CALL mysql.rds_replica_status()', False, False),
    'mariadb-10.11': ('master', 'CALL mysql.rds_replica_status()', False, False),
    'mariadb-11.4': ('master', 'CALL mysql.rds_replica_status()', False, False),
    'mysql-5.6': ('master', 'SHOW SLAVE STATUS', False, False),
    'mysql-5.7': ('master', 'SHOW SLAVE STATUS', True, True),
    'mysql-8.0.21': ('master', 'SHOW SLAVE STATUS', False, False),
    'mysql-8.0.22': ('master', 'SHOW REPLICA STATUS', False, False),
    'mysql-8.0.23': ('master', 'SHOW REPLICA STATUS', False, False),
    'mysql-8.0.26': ('master', 'SHOW REPLICA STATUS', True, True),
    'mysql-8.2': ('master', 'SHOW REPLICA STATUS', True, True),
    'mysql-8.4': ('source', 'SHOW REPLICA STATUS', True, True),
    'aurora-v2': ('master', 'SHOW SLAVE STATUS', False, True),
    'aurora-v3': ('source', 'SHOW REPLICA STATUS', False, True),
}

NAMES = sorted(SERVERS)
COORDINATES = dict(file='mysql-bin-changelog.000042', position=1337, gtid='')


def test_the_matrix_names_every_server():
    assert sorted(WORDS) == sorted(RDS) == NAMES


@pytest.mark.parametrize('name', NAMES)
def test_thread_statements(name):
    dialect, words = SERVERS[name], WORDS[name][0]
    assert dialect.status_statement() == (words['status'], [])
    assert dialect.start_statement() == (words['start'], [])
    assert dialect.stop_statement() == (words['stop'], [])
    assert dialect.reset_statement() == (words['reset'], [])
    assert dialect.start_statement(thread='io') == (words['start'] + ' IO_THREAD', [])
    assert dialect.start_statement(thread='sql') == (words['start'] + ' SQL_THREAD', [])
    assert dialect.stop_statement(thread='io') == (words['stop'] + ' IO_THREAD', [])
    assert dialect.stop_statement(thread='sql') == (words['stop'] + ' SQL_THREAD', [])
    assert dialect.replica_words == (words is REPLICA)


@pytest.mark.parametrize('name', NAMES)
def test_start_until_coordinates(name):
    dialect, (words, until) = SERVERS[name], WORDS[name][:2]
    expected = (words['start'] + until, ['mysql-bin-changelog.000042', 1337])
    assert dialect.start_statement(thread='sql', until=COORDINATES) == expected
    assert dialect.start_statement(thread='sql', until=('mysql-bin-changelog.000042', '1337')) == expected


@pytest.mark.parametrize('name', NAMES)
def test_change_source_head_and_words(name):
    dialect, head = SERVERS[name], WORDS[name][2]
    assert dialect.change_statement(dict(host='db1')) == (head, ['db1'])
    assert dialect.source_words == head.startswith('CHANGE REPLICATION SOURCE')


@pytest.mark.parametrize('name', NAMES)
def test_binlog_statements(name):
    dialect = SERVERS[name]
    assert dialect.binlog_status_statement() == (WORDS[name][3], [])
    own, applied = MARIADB_GTIDS if dialect.is_mariadb else MYSQL_GTIDS
    assert dialect.binlog_gtid_statement() == (own, [])
    assert dialect.replica_gtid_statement() == (applied, [])


@pytest.mark.parametrize('name', NAMES)
def test_gtid_position_and_snapshot_are_mariadb_features(name):
    dialect = SERVERS[name]
    if dialect.is_mariadb:
        assert dialect.set_replica_gtid_statement('0-1-2') == ('SET GLOBAL gtid_slave_pos = %s', ['0-1-2'])
        assert dialect.gtid_slave_pos_statement('0-1-2') == dialect.set_replica_gtid_statement('0-1-2')
        assert dialect.snapshot_position_statement() == ("SHOW STATUS LIKE 'binlog_snapshot_%'", [])
        assert dialect.has_lockless_snapshot is True
        return
    with pytest.raises(DialectError, match='source_auto_position'):
        dialect.set_replica_gtid_statement('0-1-2')
    with pytest.raises(DialectError, match='MariaDB only'):
        dialect.gtid_slave_pos_statement('0-1-2')
    with pytest.raises(DialectError, match='read replica|FLUSH TABLES WITH READ LOCK'):
        dialect.snapshot_position_statement()
    assert dialect.has_lockless_snapshot is False


@pytest.mark.parametrize('name', NAMES)
def test_wild_ignore(name):
    dialect = SERVERS[name]
    if dialect.is_mariadb:
        assert dialect.wild_ignore_statement(['a.%']) == ('SET GLOBAL replicate_wild_ignore_table = %s', ['a.%'])
    elif name == 'mysql-5.6':
        with pytest.raises(DialectError, match='my.cnf'):
            dialect.wild_ignore_statement(['a.%'])
    else:
        assert dialect.wild_ignore_statement(['a.%']) == (
            'CHANGE REPLICATION FILTER REPLICATE_WILD_IGNORE_TABLE = (%s)', ['a.%'])


@pytest.mark.parametrize('name', NAMES)
def test_wild_do(name):
    dialect = SERVERS[name]
    if dialect.is_mariadb:
        assert dialect.wild_do_statement(['a.%']) == ('SET GLOBAL replicate_wild_do_table = %s', ['a.%'])
    elif name == 'mysql-5.6':
        with pytest.raises(DialectError, match='replicate-wild-do-table in my.cnf'):
            dialect.wild_do_statement(['a.%'])
    else:
        assert dialect.wild_do_statement(['a.%']) == (
            'CHANGE REPLICATION FILTER REPLICATE_WILD_DO_TABLE = (%s)', ['a.%'])


@pytest.mark.parametrize('name', NAMES)
def test_rds_procedures(name):
    dialect = SERVERS[name]
    word, status, delay, auto_position = RDS[name]
    assert dialect.rds_source_words == (word == 'source')
    assert dialect.rds_status_statement() == (status, [])
    assert dialect.rds_procedure('set_external') == 'mysql.rds_set_external_%s' % word
    assert dialect.rds_procedure('reset_external') == 'mysql.rds_reset_external_%s' % word
    assert dialect.rds_procedure('next_log') == 'mysql.rds_next_%s_log' % word
    assert dialect.rds_call('start') == ('CALL mysql.rds_start_replication()', [])
    assert dialect.rds_call('stop') == ('CALL mysql.rds_stop_replication()', [])
    assert dialect.rds_call('reset_external') == ('CALL mysql.rds_reset_external_%s()' % word, [])
    if delay:
        assert dialect.rds_procedure('set_external_with_delay') == 'mysql.rds_set_external_%s_with_delay' % word
    else:
        with pytest.raises(DialectError, match='omit delay'):
            dialect.rds_procedure('set_external_with_delay')
    if auto_position:
        assert dialect.rds_procedure('set_external_auto_position') == (
            'mysql.rds_set_external_%s_with_auto_position' % word)
    else:
        with pytest.raises(DialectError, match='source_gtid' if dialect.is_mariadb else '8.0.26'):
            dialect.rds_procedure('set_external_auto_position')
    if dialect.is_mariadb:
        assert dialect.rds_procedure('set_external_gtid') == 'mysql.rds_set_external_master_gtid'
    else:
        with pytest.raises(DialectError, match='source_auto_position'):
            dialect.rds_procedure('set_external_gtid')
    if status.startswith('CALL'):
        assert dialect.rds_call('replica_status') == (status, [])
    else:
        with pytest.raises(DialectError, match='10.5'):
            dialect.rds_call('replica_status')


# Events kept but not run on a replica: MySQL 8.2.0 added DISABLE ON REPLICA and the
# REPLICA_SIDE_DISABLED status (8.0's manual: DISABLE ON SLAVE / SLAVESIDE_DISABLED only).
SLAVE_EVENTS = ('DISABLE ON SLAVE', 'SLAVESIDE_DISABLED')
REPLICA_EVENTS = ('DISABLE ON REPLICA', 'REPLICA_SIDE_DISABLED')
EVENTS = dict((name, REPLICA_EVENTS if name in ('mysql-8.2', 'mysql-8.4') else SLAVE_EVENTS) for name in NAMES)


@pytest.mark.parametrize('name', NAMES)
def test_event_words(name):
    dialect, (clause, status) = SERVERS[name], EVENTS[name]
    assert dialect.event_disable_on_replica_clause() == clause
    assert dialect.replica_disabled_event_status() == status
    assert dialect.disable_event_on_replica_statement('app-db', 'tick') == (
        'ALTER EVENT `app-db`.`tick` %s' % clause, [])
    assert dialect.enable_event_statement('app-db', 'tick') == ('ALTER EVENT `app-db`.`tick` ENABLE', [])


def test_event_statements_quote_identifiers():
    dialect = SERVERS['mariadb-10.11']
    assert dialect.enable_event_statement('we`ird', u'caf\u00e9 ev') == (u'ALTER EVENT `we``ird`.`caf\u00e9 ev` ENABLE', [])
    assert dialect.disable_event_on_replica_statement('s', 'e`; DROP') == (
        'ALTER EVENT `s`.`e``; DROP` DISABLE ON SLAVE', [])


def test_every_row_of_every_table_is_used_by_a_server():
    """Adding a row for a new version means adding a server to this matrix."""
    unused = []
    for kind, table in sorted(STATEMENTS.items()):
        used = set(resolve_row(table, dialect.flavor, dialect.version) for dialect in SERVERS.values())
        unused.extend('%s: %r' % (kind, row) for row in table if row not in used)
    assert not unused, 'rows no server in SERVERS uses:\n' + '\n'.join(unused)


def test_mariadb_connection_name_goes_before_thread_and_until():
    dialect = SERVERS['mariadb-10.11']
    assert dialect.start_statement('east', thread='sql', until=COORDINATES) == (
        'START SLAVE %s SQL_THREAD UNTIL MASTER_LOG_FILE = %s, MASTER_LOG_POS = %s',
        ['east', 'mysql-bin-changelog.000042', 1337])
    assert dialect.stop_statement('east', thread='io') == ('STOP SLAVE %s IO_THREAD', ['east'])


def test_start_statement_refuses_bad_arguments():
    dialect = SERVERS['mysql-8.4']
    with pytest.raises(DialectError, match="'io' or 'sql'"):
        dialect.start_statement(thread='both')
    with pytest.raises(DialectError, match='file and position'):
        dialect.start_statement(thread='sql', until=dict(file='', position=4, gtid='0-1-2'))
    with pytest.raises(DialectError, match='MariaDB multi-source'):
        dialect.stop_statement('east')


def test_rds_call_only_for_parameterless_procedures():
    with pytest.raises(DialectError, match='parameterless'):
        SERVERS['mysql-8.4'].rds_call('set_external')
    with pytest.raises(DialectError, match='unknown RDS action'):
        SERVERS['mysql-8.4'].rds_procedure('status')
    assert SERVERS['mariadb-10.11'].rds_call('skip_error') == ('CALL mysql.rds_skip_repl_error()', [])


def test_aurora_versions_map_to_their_mysql_base():
    assert SERVERS['aurora-v2'].version == (5, 7, 12)
    assert SERVERS['aurora-v3'].version == (8, 0, 23)
    assert Dialect.from_server('8.0.32', '', '3.06.0').version == (8, 0, 32)
