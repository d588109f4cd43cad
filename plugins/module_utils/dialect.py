# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Engine/version detection and every engine-specific word or statement.

Modules ask a Dialect for statements and status; they never branch on the engine.

The knowledge is data: one table per statement kind (``STATEMENTS``), each a tuple of
rows ``(flavor, minimum_version, value)``. A server uses the row of its flavor with the
highest minimum version it reaches; Aurora MySQL falls back to the MySQL rows (at its
MySQL-compatible version) where it has none of its own. Supporting a new server version
means adding rows here (and a test per row in tests/unit/plugins/module_utils/test_dialect*.py).
A value of None means "this engine/version does not have it": the caller gets a
DialectError naming the alternative (``UNSUPPORTED``).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.mysql_rds.replication.plugins.module_utils.connection import run
from ansible_collections.mysql_rds.replication.plugins.module_utils.errors import SqlError
# Normalization moved to replication_status; re-exported here for older imports.
from ansible_collections.mysql_rds.replication.plugins.module_utils.replication_status import (  # noqa: F401 # pylint: disable=unused-import
    STATUS_KEYS, normalize_status)

MYSQL = 'mysql'
MARIADB = 'mariadb'
AURORA_MYSQL = 'aurora_mysql'

RDS_RETENTION_MAX = 168
AURORA_RETENTION_MAX = 2160

MARIADB_GTID_MODES = ('current_pos', 'slave_pos', 'no')
# The session's writes stay out of the binary log: the same statement on every engine and version.
SKIP_BINLOG = 'SET SESSION sql_log_bin = 0'

# Which flavors' rows a server may use, in order of preference.
FLAVOR_ROWS = {
    MYSQL: (MYSQL,),
    MARIADB: (MARIADB,),
    AURORA_MYSQL: (AURORA_MYSQL, MYSQL),
}

# Aurora MySQL major version -> the MySQL version it is compatible with (v2: 5.7.12, v3: 8.0.23+).
AURORA_BASE_VERSIONS = (
    (2, (5, 7, 12)),
    (3, (8, 0, 23)),
)

# Rows: (flavor, minimum version, value). Templates: {name} is the MariaDB connection
# name placeholder (' %s' or ''), {thread} the thread word (SLAVE/REPLICA), {source} the
# option prefix (MASTER/SOURCE); %s are query parameters.
STATEMENTS = {
    # The replica's threads: START/STOP/RESET <word>, SHOW <word> STATUS.
    # MySQL 8.0.22 added the REPLICA statements (8.4 removed the SLAVE ones); MariaDB keeps SLAVE.
    'thread_word': (
        (MARIADB, (0,), 'SLAVE'),
        (MYSQL, (0,), 'SLAVE'),
        (MYSQL, (8, 0, 22), 'REPLICA'),
    ),
    'status': (
        (MARIADB, (0,), 'SHOW SLAVE{name} STATUS'),
        (MYSQL, (0,), 'SHOW SLAVE STATUS'),
        (MYSQL, (8, 0, 22), 'SHOW REPLICA STATUS'),
    ),
    'start': (
        (MARIADB, (0,), 'START SLAVE{name}{thread_type}{until}'),
        (MYSQL, (0,), 'START SLAVE{thread_type}{until}'),
        (MYSQL, (8, 0, 22), 'START REPLICA{thread_type}{until}'),
    ),
    'stop': (
        (MARIADB, (0,), 'STOP SLAVE{name}{thread_type}'),
        (MYSQL, (0,), 'STOP SLAVE{thread_type}'),
        (MYSQL, (8, 0, 22), 'STOP REPLICA{thread_type}'),
    ),
    'reset': (
        (MARIADB, (0,), 'RESET SLAVE{name} ALL'),
        (MYSQL, (0,), 'RESET SLAVE ALL'),
        (MYSQL, (8, 0, 22), 'RESET REPLICA ALL'),
    ),
    # START ... UNTIL <source coordinates>: the SOURCE_ aliases came with CHANGE REPLICATION
    # SOURCE in MySQL 8.0.23 (WL#14189); 8.4 accepts only them. MariaDB: MASTER_ words.
    'until_position': (
        (MARIADB, (0,), ' UNTIL MASTER_LOG_FILE = %s, MASTER_LOG_POS = %s'),
        (MYSQL, (0,), ' UNTIL MASTER_LOG_FILE = %s, MASTER_LOG_POS = %s'),
        (MYSQL, (8, 0, 23), ' UNTIL SOURCE_LOG_FILE = %s, SOURCE_LOG_POS = %s'),
    ),
    # CHANGE MASTER TO / CHANGE REPLICATION SOURCE TO (MySQL 8.0.23+) and its option prefix.
    'change': (
        (MARIADB, (0,), 'CHANGE MASTER{name} TO {clauses}'),
        (MYSQL, (0,), 'CHANGE MASTER TO {clauses}'),
        (MYSQL, (8, 0, 23), 'CHANGE REPLICATION SOURCE TO {clauses}'),
    ),
    'source_word': (
        (MARIADB, (0,), 'MASTER'),
        (MYSQL, (0,), 'MASTER'),
        (MYSQL, (8, 0, 23), 'SOURCE'),
    ),
    # The server's own binlog file/position: SHOW BINARY LOG STATUS from MySQL 8.2 (the old
    # statement is gone in 8.4). MariaDB keeps SHOW MASTER STATUS (SHOW BINLOG STATUS is an alias).
    'binlog_status': (
        (MARIADB, (0,), 'SHOW MASTER STATUS'),
        (MYSQL, (0,), 'SHOW MASTER STATUS'),
        (MYSQL, (8, 2, 0), 'SHOW BINARY LOG STATUS'),
    ),
    # The server's own executed GTID state, as one column `gtid`.
    'binlog_gtid': (
        (MARIADB, (0,), 'SELECT @@global.gtid_binlog_pos AS gtid'),
        (MYSQL, (0,), 'SELECT @@global.gtid_executed AS gtid'),
    ),
    # The GTID position of a binlog file/position of this server, as one column `gtid`.
    'gtid_at_position': (
        (MARIADB, (0,), 'SELECT BINLOG_GTID_POS(%s, %s) AS gtid'),
        (MYSQL, (0,), None),
    ),
    # The last GTID this server logged per domain and server id (a replica's own writes show there).
    'binlog_gtid_state': (
        (MARIADB, (0,), 'SELECT @@global.gtid_binlog_state AS gtid'),
        (MYSQL, (0,), None),
    ),
    # What a replica has applied, as one column `gtid`.
    'replica_gtid': (
        (MARIADB, (0,), 'SELECT @@global.gtid_slave_pos AS gtid'),
        (MYSQL, (0,), 'SELECT @@global.gtid_executed AS gtid'),
    ),
    'set_replica_gtid': (
        (MARIADB, (0,), 'SET GLOBAL gtid_slave_pos = %s'),
        (MYSQL, (0,), None),
    ),
    # A consistent snapshot that knows its binlog position without a global lock.
    'snapshot_position': (
        (MARIADB, (0,), "SHOW STATUS LIKE 'binlog_snapshot_%'"),
        (MYSQL, (0,), None),
    ),
    'wild_ignore': (
        (MARIADB, (0,), 'SET GLOBAL {name}replicate_wild_ignore_table = %s'),
        (MYSQL, (0,), None),
        (MYSQL, (5, 7, 3), 'CHANGE REPLICATION FILTER REPLICATE_WILD_IGNORE_TABLE = ({holders})'),
    ),
    # replicate-wild-do-table: only matching tables replicate (a `db.%` pattern also lets that
    # schema's CREATE/ALTER/DROP DATABASE through). Online as the ignore filter, same versions.
    'wild_do': (
        (MARIADB, (0,), 'SET GLOBAL {name}replicate_wild_do_table = %s'),
        (MYSQL, (0,), None),
        (MYSQL, (5, 7, 3), 'CHANGE REPLICATION FILTER REPLICATE_WILD_DO_TABLE = ({holders})'),
    ),
    # How the RDS master user reads the replica's status (MariaDB 10.5+: no SLAVE MONITOR for it).
    'rds_status': (
        (MARIADB, (0,), None),
        (MARIADB, (10, 5, 0), 'CALL mysql.rds_replica_status()'),
        (MYSQL, (0,), None),
    ),
    # RDS procedure names say master or source: MySQL 8.4+, Aurora MySQL v3.
    'rds_word': (
        (MARIADB, (0,), 'master'),
        (MYSQL, (0,), 'master'),
        (MYSQL, (8, 4, 0), 'source'),
        (AURORA_MYSQL, (0,), 'master'),
        (AURORA_MYSQL, (8, 0, 23), 'source'),
    ),
    # Optional RDS procedures ({word} = rds_word); None: not on this engine/version.
    'rds_replica_status': (
        (MARIADB, (0,), None),
        (MARIADB, (10, 5, 0), 'rds_replica_status'),
        (MYSQL, (0,), None),
    ),
    'rds_set_external_gtid': (
        (MARIADB, (0,), 'rds_set_external_master_gtid'),
        (MYSQL, (0,), None),
    ),
    'rds_set_external_with_delay': (
        (MARIADB, (0,), None),
        (MYSQL, (0,), None),
        (MYSQL, (5, 7, 0), 'rds_set_external_{word}_with_delay'),
        (MYSQL, (5, 8, 0), None),
        (MYSQL, (8, 0, 26), 'rds_set_external_{word}_with_delay'),
        (AURORA_MYSQL, (0,), None),
    ),
    'rds_set_external_auto_position': (
        (MARIADB, (0,), None),
        (MYSQL, (0,), None),
        (MYSQL, (5, 7, 0), 'rds_set_external_{word}_with_auto_position'),
        (MYSQL, (5, 8, 0), None),
        (MYSQL, (8, 0, 26), 'rds_set_external_{word}_with_auto_position'),
        (AURORA_MYSQL, (0,), 'rds_set_external_{word}_with_auto_position'),
    ),
    # Lockless consistent snapshot with its binlog position (Binlog_snapshot_file/position).
    'lockless_snapshot': (
        (MARIADB, (0,), True),
        (MYSQL, (0,), False),
    ),
    # Events: the CREATE/ALTER EVENT clause that keeps an event's definition but does not run it
    # on a replica, and the STATUS information_schema.EVENTS shows for such an event. MySQL 8.2.0
    # added DISABLE ON REPLICA / REPLICA_SIDE_DISABLED (the 8.0 manual knows only the SLAVE words,
    # the 8.3/8.4 ones the REPLICA words; 8.4 still parses DISABLE ON SLAVE). MariaDB keeps SLAVE.
    'event_disable_on_replica': (
        (MARIADB, (0,), 'DISABLE ON SLAVE'),
        (MYSQL, (0,), 'DISABLE ON SLAVE'),
        (MYSQL, (8, 2, 0), 'DISABLE ON REPLICA'),
    ),
    'event_replica_disabled_status': (
        (MARIADB, (0,), 'SLAVESIDE_DISABLED'),
        (MYSQL, (0,), 'SLAVESIDE_DISABLED'),
        (MYSQL, (8, 2, 0), 'REPLICA_SIDE_DISABLED'),
    ),
}

# RDS procedures every engine has; {word} = rds_word.
RDS_PROCEDURES = {
    'set_external': 'rds_set_external_{word}',
    'reset_external': 'rds_reset_external_{word}',
    'next_log': 'rds_next_{word}_log',
    'start': 'rds_start_replication',
    'stop': 'rds_stop_replication',
    'skip_error': 'rds_skip_repl_error',
    'set_configuration': 'rds_set_configuration',
    'show_configuration': 'rds_show_configuration',
}

# Procedures rds_call() may run without arguments.
RDS_PARAMETERLESS = ('start', 'stop', 'reset_external', 'replica_status', 'skip_error', 'show_configuration')

# What to say when a table answers None: the alternative, by statement kind (or by flavor).
UNSUPPORTED = {
    'set_replica_gtid': 'a replica GTID position is MariaDB only: on %(name)s use source_auto_position=true.',
    'snapshot_position': '%(name)s has no lockless consistent snapshot position: pause a read replica or '
                         'use FLUSH TABLES WITH READ LOCK.',
    'wild_ignore': '%(name)s cannot change replication filters online: set replicate-wild-ignore-table '
                   'in my.cnf and restart.',
    'wild_do': '%(name)s cannot change replication filters online: set replicate-wild-do-table '
               'in my.cnf and restart.',
    'rds_replica_status': 'mysql.rds_replica_status exists on RDS for MariaDB 10.5+ only.',
    'rds_set_external_gtid': 'the GTID variant of the set-external procedure exists only on RDS for MariaDB; '
                             'on %(name)s use source_auto_position=true.',
    'rds_set_external_auto_position': {
        MARIADB: 'RDS for MariaDB has no auto-position procedure: use source_gtid.',
        MYSQL: '%(name)s has no auto-position variant of the set-external procedure: upgrade to 8.0.26+ '
               'or use source_log_file/source_log_pos.',
    },
    'rds_set_external_with_delay': '%(name)s has no rds_set_external_%(word)s_with_delay procedure: omit delay '
                                   '(or 0), or apply the delay on the replica later.',
}

THREAD_TYPES = {None: '', 'io': ' IO_THREAD', 'sql': ' SQL_THREAD'}


def quote_identifier(name):
    """Backquote an identifier, doubling embedded backquotes (as checksum.quote_identifier)."""
    return '`%s`' % _text(name).replace('`', '``')


class DialectError(Exception):
    """A feature this engine/version does not have; the message names the alternative."""


def parse_version(text):
    """'10.11.6-MariaDB-log' -> (10, 11, 6); tolerant of the '5.5.5-' prefix."""
    text = (text or '').strip()
    if text.startswith('5.5.5-') and 'mariadb' in text.lower():
        text = text[len('5.5.5-'):]
    numbers = re.match(r'(\d+)\.(\d+)(?:\.(\d+))?', text)
    if not numbers:
        raise DialectError('cannot parse server version %r' % text)
    return tuple(int(part or 0) for part in numbers.groups())


def resolve_row(table, flavor, version):
    """The row for ``flavor`` with the highest minimum version <= ``version``.

    Aurora MySQL uses its own rows when the table has any that apply, else the MySQL rows.
    Raises KeyError when no row applies (a table without a row for a flavor is a bug).
    """
    version = tuple(version)
    for candidate in FLAVOR_ROWS[flavor]:
        rows = [row for row in table if row[0] == candidate and tuple(row[1]) <= version]
        if rows:
            return max(rows, key=lambda row: tuple(row[1]))
    raise KeyError('no row for %s %s' % (flavor, '.'.join(str(n) for n in version)))


def resolve(table, flavor, version):
    """The value of resolve_row()."""
    return resolve_row(table, flavor, version)[2]


def aurora_base_version(aurora_major):
    """The MySQL version an Aurora MySQL major version is compatible with."""
    rows = [base for major, base in AURORA_BASE_VERSIONS if major <= aurora_major]
    return rows[-1] if rows else AURORA_BASE_VERSIONS[0][1]


def _coordinates(until):
    """(file, position) from a coordinates dict or a (file, position) pair."""
    if isinstance(until, dict):
        log_file, position = until.get('file'), until.get('position')
    else:
        log_file, position = until[0], until[1]
    if not log_file or position is None:
        raise DialectError('until needs a binlog file and position (got %r)' % (until,))
    return str(log_file), int(position)


def _text(value):
    if value is None:
        return ''
    if isinstance(value, bytes):
        value = value.decode('utf-8', 'replace')
    return str(value)


class Dialect(object):
    """What to say to one server. Build with Dialect.from_server() or detect(cursor)."""

    def __init__(self, flavor, version, version_string='', aurora_version=None):
        self.flavor = flavor
        self.version = tuple(version)
        self.version_string = version_string
        self.aurora_version = aurora_version

    @classmethod
    def from_server(cls, version_string, version_comment='', aurora_version=None):
        lowered = '%s %s' % (version_string, version_comment or '')
        lowered = lowered.lower()
        if 'mariadb' in lowered:
            return cls(MARIADB, parse_version(version_string), version_string)
        if aurora_version or 'mysql_aurora' in lowered:
            aurora_version = aurora_version or version_string.lower().split('mysql_aurora.')[-1]
            version = aurora_base_version(parse_version(aurora_version)[0])
            base = parse_version(version_string)
            if base[2] and base[:2] == version[:2]:
                version = max(version, base)
            return cls(AURORA_MYSQL, version, version_string, aurora_version)
        return cls(MYSQL, parse_version(version_string), version_string)

    # --- identity -------------------------------------------------------
    @property
    def is_mariadb(self):
        return self.flavor == MARIADB

    @property
    def is_mysql(self):
        """MySQL or Aurora MySQL."""
        return self.flavor in (MYSQL, AURORA_MYSQL)

    @property
    def is_aurora(self):
        return self.flavor == AURORA_MYSQL

    @property
    def aurora_major(self):
        return parse_version(self.aurora_version)[0] if self.aurora_version else None

    @property
    def name(self):
        label = {MYSQL: 'MySQL', MARIADB: 'MariaDB', AURORA_MYSQL: 'Aurora MySQL'}[self.flavor]
        shown = self.aurora_version if self.is_aurora else '.'.join(str(n) for n in self.version)
        return '%s %s' % (label, shown)

    def describe(self):
        return dict(flavor=self.flavor, version='.'.join(str(n) for n in self.version),
                    version_string=self.version_string, aurora_version=self.aurora_version,
                    name=self.name)

    # --- the table ------------------------------------------------------------
    def lookup(self, kind):
        """This server's row value of statement kind ``kind`` (None: not on this server)."""
        return resolve(STATEMENTS[kind], self.flavor, self.version)

    def _require(self, kind, **extra):
        value = self.lookup(kind)
        if value is None:
            values = dict(name=self.name, word=self.lookup('rds_word'))
            values.update(extra)
            message = UNSUPPORTED[kind]
            if isinstance(message, dict):
                message = message.get(self.flavor) or message[MYSQL]
            raise DialectError(message % values)
        return value

    # --- vocabulary -------------------------------------------------------
    @property
    def replica_words(self):
        """MySQL 8.0.22+ says REPLICA (8.4 has no SLAVE words); MariaDB keeps SLAVE."""
        return self.lookup('thread_word') == 'REPLICA'

    @property
    def source_words(self):
        """CHANGE REPLICATION SOURCE TO / SOURCE_* options: MySQL 8.0.23+."""
        return self.lookup('source_word') == 'SOURCE'

    @property
    def rds_source_words(self):
        """RDS procedures named *_source: MySQL 8.4+ and Aurora MySQL v3."""
        return self.lookup('rds_word') == 'source'

    @property
    def has_lockless_snapshot(self):
        """True when a consistent snapshot reports its binlog position without a global lock (MariaDB)."""
        return bool(self.lookup('lockless_snapshot'))

    def _thread_word(self):
        return self.lookup('thread_word')

    def _connection(self, connection_name):
        """MariaDB multi-source name as a SQL literal fragment and its params."""
        if connection_name:
            if not self.is_mariadb:
                raise DialectError('connection_name is a MariaDB multi-source feature; %s uses '
                                   'channels, which this collection does not manage: leave it empty.'
                                   % self.name)
            return " %s", [connection_name]
        return '', []

    # --- statements (sql, params) -----------------------------------------
    def status_statement(self, connection_name=''):
        fragment, params = self._connection(connection_name)
        return self.lookup('status').format(name=fragment), params

    def start_statement(self, connection_name='', thread=None, until=None):
        """Start the replica's threads: ``thread`` None (both), 'io' or 'sql'; ``until`` a
        coordinates dict (``file``, ``position``) or pair: stop the applier there."""
        fragment, params = self._connection(connection_name)
        until_sql = ''
        if until is not None:
            until_sql = self.lookup('until_position')
            params = params + list(_coordinates(until))
        sql = self.lookup('start').format(name=fragment, thread_type=self._thread_type(thread), until=until_sql)
        return sql, params

    def stop_statement(self, connection_name='', thread=None):
        fragment, params = self._connection(connection_name)
        return self.lookup('stop').format(name=fragment, thread_type=self._thread_type(thread)), params

    @staticmethod
    def _thread_type(thread):
        if thread not in THREAD_TYPES:
            raise DialectError("thread must be None, 'io' or 'sql' (got %r)" % (thread,))
        return THREAD_TYPES[thread]

    def reset_statement(self, connection_name=''):
        """Forget the source entirely (RESET ... ALL)."""
        fragment, params = self._connection(connection_name)
        return self.lookup('reset').format(name=fragment), params

    def change_statement(self, settings, connection_name=''):
        """The change-source statement with the given normalized settings.

        ``settings`` keys (all optional): host, port, user, password, log_file,
        log_pos, use_gtid (MariaDB current_pos|slave_pos|no), auto_position (MySQL),
        ssl, ssl_ca, ssl_cert, ssl_key, ssl_verify_server_cert, connect_retry,
        heartbeat_period, delay. Returns (sql, params); values travel as params.
        """
        prefix = self.lookup('source_word')
        options = [
            ('host', 'HOST', str), ('port', 'PORT', int), ('user', 'USER', str),
            ('password', 'PASSWORD', str), ('log_file', 'LOG_FILE', str), ('log_pos', 'LOG_POS', int),
            ('ssl', 'SSL', int), ('ssl_ca', 'SSL_CA', str), ('ssl_cert', 'SSL_CERT', str),
            ('ssl_key', 'SSL_KEY', str), ('ssl_verify_server_cert', 'SSL_VERIFY_SERVER_CERT', int),
            ('connect_retry', 'CONNECT_RETRY', int), ('heartbeat_period', 'HEARTBEAT_PERIOD', float),
            ('delay', 'DELAY', int),
        ]
        clauses, params = [], []
        for key, word, cast in options:
            if settings.get(key) is not None:
                clauses.append('%s_%s = %%s' % (prefix, word))
                params.append(cast(settings[key]))
        if settings.get('use_gtid') is not None:
            mode = str(settings['use_gtid']).lower()
            if not self.is_mariadb:
                raise DialectError('MariaDB GTID positions (current_pos/slave_pos/a GTID) do not exist '
                                   'on %s: use source_auto_position=true or source_log_file/pos.' % self.name)
            if mode not in MARIADB_GTID_MODES:
                raise DialectError('use_gtid must be one of %s' % ', '.join(MARIADB_GTID_MODES))
            clauses.append('MASTER_USE_GTID = %s' % mode)  # a keyword, from a fixed list
        if settings.get('auto_position') is not None:
            if self.is_mariadb:
                raise DialectError('MariaDB has no auto-position: use source_gtid=slave_pos (or '
                                   'current_pos, or an explicit GTID) instead.')
            clauses.append('%s_AUTO_POSITION = %%s' % prefix)
            params.append(int(bool(settings['auto_position'])))
        if not clauses:
            raise DialectError('nothing to change')
        fragment, name_params = self._connection(connection_name)
        sql = self.lookup('change').format(name=fragment, clauses=', '.join(clauses))
        return sql, name_params + params

    def set_replica_gtid_statement(self, gtid):
        """Set the GTID position a replica starts from (MariaDB)."""
        return self._require('set_replica_gtid'), [gtid]

    def gtid_slave_pos_statement(self, gtid):
        """Old name of set_replica_gtid_statement()."""
        return self.set_replica_gtid_statement(gtid)

    def binlog_status_statement(self):
        """This server's binlog file and position (columns File, Position, ...)."""
        return self.lookup('binlog_status'), []

    def binlog_gtid_statement(self):
        """This server's own executed GTID state, one column ``gtid``."""
        return self.lookup('binlog_gtid'), []

    def gtid_at_position_statement(self, log_file, position):
        """The GTID position of ``log_file``:``position`` (one column ``gtid``), or None where the
        server cannot tell it."""
        value = self.lookup('gtid_at_position')
        return (value, [log_file, int(position or 0)]) if value else None

    def binlog_gtid_state_statement(self):
        """The last GTID logged per domain and server id (one column ``gtid``), or None."""
        value = self.lookup('binlog_gtid_state')
        return (value, []) if value else None

    def replica_gtid_statement(self):
        """The GTID position this replica has applied, one column ``gtid``."""
        return self.lookup('replica_gtid'), []

    def snapshot_position_statement(self):
        """Inside a consistent snapshot: its binlog position (rows Variable_name/Value)."""
        return self._require('snapshot_position'), []

    def wild_ignore_statement(self, patterns, connection_name=''):
        """Set replicate-wild-ignore-table (replication must be stopped on both engines)."""
        return self._wild_filter_statement('wild_ignore', patterns, connection_name)

    def wild_do_statement(self, patterns, connection_name=''):
        """Set replicate-wild-do-table ([] replicates every table; replication must be stopped)."""
        return self._wild_filter_statement('wild_do', patterns, connection_name)

    def _wild_filter_statement(self, kind, patterns, connection_name):
        patterns = list(patterns or [])
        template = self._require(kind)
        if self.is_mariadb:
            name = '`%s`.' % connection_name.replace('`', '``') if connection_name else ''
            return template.format(name=name), [','.join(patterns)]
        return template.format(holders=', '.join(['%s'] * len(patterns))), patterns

    # --- events -------------------------------------------------------------
    def event_disable_on_replica_clause(self):
        """The CREATE/ALTER EVENT clause that keeps an event but disables it on a replica."""
        return self.lookup('event_disable_on_replica')

    def replica_disabled_event_status(self):
        """The STATUS information_schema.EVENTS shows for an event disabled on a replica."""
        return self.lookup('event_replica_disabled_status')

    def disable_event_on_replica_statement(self, schema, name):
        """(sql, params): keep event ``schema``.``name`` but disable it on a replica."""
        return 'ALTER EVENT %s.%s %s' % (quote_identifier(schema), quote_identifier(name),
                                         self.event_disable_on_replica_clause()), []

    @staticmethod
    def enable_event_statement(schema, name):
        """(sql, params): enable event ``schema``.``name`` (identifiers quoted, no params)."""
        return 'ALTER EVENT %s.%s ENABLE' % (quote_identifier(schema), quote_identifier(name)), []

    # --- RDS ----------------------------------------------------------------
    def rds_status_statement(self):
        """How the RDS master user reads the replica's status."""
        sql = self.lookup('rds_status')
        if sql is None:
            return self.status_statement()
        return sql, []

    def rds_procedure(self, action):
        """Full name of the RDS procedure for ``action`` or DialectError naming the fix."""
        word = self.lookup('rds_word')
        if action in RDS_PROCEDURES:
            return 'mysql.' + RDS_PROCEDURES[action].format(word=word)
        kind = 'rds_' + action
        if kind in STATEMENTS and kind in UNSUPPORTED:
            return 'mysql.' + self._require(kind).format(word=word)
        raise DialectError('unknown RDS action %r' % action)

    def rds_call(self, action):
        """('CALL mysql.rds_xxx()', []) for a procedure that takes no arguments."""
        if action not in RDS_PARAMETERLESS:
            raise DialectError('%r is not a parameterless RDS procedure (known: %s)'
                               % (action, ', '.join(RDS_PARAMETERLESS)))
        return 'CALL %s()' % self.rds_procedure(action), []

    def rds_set_external_call(self, host, port, user, password, log_file=None, log_pos=None,
                              gtid=None, auto_position=False, ssl=True, delay=None):
        """(sql, params) for the right set-external procedure variant."""
        ssl = int(bool(ssl))
        if gtid is not None:
            if delay:
                raise DialectError('RDS for MariaDB cannot combine source_gtid with delay: omit delay.')
            name = self.rds_procedure('set_external_gtid')
            return 'CALL %s(%%s, %%s, %%s, %%s, %%s, %%s)' % name, [host, port, user, password, gtid, ssl]
        if auto_position:
            name = self.rds_procedure('set_external_auto_position')
            if self.is_aurora:
                if delay:
                    raise DialectError('Aurora has no delay parameter on auto-position: omit delay.')
                return 'CALL %s(%%s, %%s, %%s, %%s, %%s)' % name, [host, port, user, password, ssl]
            return ('CALL %s(%%s, %%s, %%s, %%s, %%s, %%s)' % name,
                    [host, port, user, password, ssl, int(delay or 0)])
        if delay:
            name = self.rds_procedure('set_external_with_delay')
            return ('CALL %s(%%s, %%s, %%s, %%s, %%s, %%s, %%s, %%s)' % name,
                    [host, port, user, password, log_file, log_pos, ssl, int(delay)])
        name = self.rds_procedure('set_external')
        return ('CALL %s(%%s, %%s, %%s, %%s, %%s, %%s, %%s)' % name,
                [host, port, user, password, log_file, log_pos, ssl])

    @property
    def retention_max(self):
        """Upper bound of 'binlog retention hours' (RDS 168, Aurora 2160)."""
        return AURORA_RETENTION_MAX if self.is_aurora else RDS_RETENTION_MAX

    # --- status -------------------------------------------------------------
    def normalize_status(self, row):
        return normalize_status(row)


def detect(cursor):
    """Ask the server who it is (one or two SELECTs)."""
    row = run(cursor, 'SELECT VERSION() AS version, @@version_comment AS comment')[0]
    version, comment = _text(row['version']), _text(row['comment'])
    aurora = None
    if 'mariadb' not in (version + comment).lower():
        try:
            aurora = _text(run(cursor, 'SELECT @@aurora_version AS v')[0]['v']) or None
        except SqlError:
            aurora = None  # 1193 unknown system variable: not Aurora
    return Dialect.from_server(version, comment, aurora)
