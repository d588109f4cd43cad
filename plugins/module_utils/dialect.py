# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Engine/version detection and every engine-specific word or statement.

Modules ask a Dialect for statements and status; they never branch on the engine.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.mysql_rds.replication.plugins.module_utils.connection import run
from ansible_collections.mysql_rds.replication.plugins.module_utils.errors import SqlError

MYSQL = 'mysql'
MARIADB = 'mariadb'
AURORA_MYSQL = 'aurora_mysql'

RDS_RETENTION_MAX = 168
AURORA_RETENTION_MAX = 2160

MARIADB_GTID_MODES = ('current_pos', 'slave_pos', 'no')


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
            aurora_major = parse_version(aurora_version)[0]
            # Aurora v2 is MySQL 5.7.12-compatible, v3 MySQL 8.0.23+.
            version = (8, 0, 23) if aurora_major >= 3 else (5, 7, 12)
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

    # --- vocabulary -------------------------------------------------------
    @property
    def replica_words(self):
        """MySQL 8.0.22+ says REPLICA (8.4 has no SLAVE words); MariaDB keeps SLAVE."""
        return self.is_mysql and self.version >= (8, 0, 22)

    @property
    def source_words(self):
        """CHANGE REPLICATION SOURCE TO / SOURCE_* options: MySQL 8.0.23+."""
        return self.is_mysql and self.version >= (8, 0, 23)

    @property
    def rds_source_words(self):
        """RDS procedures named *_source: MySQL 8.4+ and Aurora MySQL v3."""
        if self.is_aurora:
            return self.aurora_major >= 3
        return self.is_mysql and self.version >= (8, 4, 0)

    def _thread_word(self):
        return 'REPLICA' if self.replica_words else 'SLAVE'

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
        word = 'REPLICA' if self.replica_words else 'SLAVE'
        return 'SHOW %s%s STATUS' % (word, fragment), params

    def start_statement(self, connection_name=''):
        fragment, params = self._connection(connection_name)
        return 'START %s%s' % (self._thread_word(), fragment), params

    def stop_statement(self, connection_name=''):
        fragment, params = self._connection(connection_name)
        return 'STOP %s%s' % (self._thread_word(), fragment), params

    def reset_statement(self, connection_name=''):
        """Forget the source entirely (RESET ... ALL)."""
        fragment, params = self._connection(connection_name)
        return 'RESET %s%s ALL' % (self._thread_word(), fragment), params

    def change_statement(self, settings, connection_name=''):
        """CHANGE MASTER/REPLICATION SOURCE with the given normalized settings.

        ``settings`` keys (all optional): host, port, user, password, log_file,
        log_pos, use_gtid (MariaDB current_pos|slave_pos|no), auto_position (MySQL),
        ssl, ssl_ca, ssl_cert, ssl_key, ssl_verify_server_cert, connect_retry,
        heartbeat_period, delay. Returns (sql, params); values travel as params.
        """
        prefix = 'SOURCE' if self.source_words else 'MASTER'
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
        head = 'CHANGE REPLICATION SOURCE' if self.source_words else 'CHANGE MASTER%s' % fragment
        if self.source_words:
            name_params = []
        return '%s TO %s' % (head, ', '.join(clauses)), name_params + params

    def gtid_slave_pos_statement(self, gtid):
        if not self.is_mariadb:
            raise DialectError('gtid_slave_pos is MariaDB only: on %s use source_auto_position=true.' % self.name)
        return 'SET GLOBAL gtid_slave_pos = %s', [gtid]

    def wild_ignore_statement(self, patterns, connection_name=''):
        """Set replicate-wild-ignore-table (replication must be stopped on both engines)."""
        patterns = list(patterns or [])
        if self.is_mariadb:
            target = 'replicate_wild_ignore_table'
            if connection_name:
                target = '`%s`.%s' % (connection_name.replace('`', '``'), target)
            return 'SET GLOBAL %s = %%s' % target, [','.join(patterns)]
        if self.version < (5, 7, 3):
            raise DialectError('%s cannot change replication filters online: set '
                               'replicate-wild-ignore-table in my.cnf and restart.' % self.name)
        holders = ', '.join(['%s'] * len(patterns))
        return 'CHANGE REPLICATION FILTER REPLICATE_WILD_IGNORE_TABLE = (%s)' % holders, patterns

    # --- RDS ----------------------------------------------------------------
    def rds_status_statement(self):
        """How the RDS master user reads replica status (no SLAVE MONITOR on MariaDB 10.5+)."""
        if self.is_mariadb and self.version >= (10, 5, 0):
            return 'CALL mysql.rds_replica_status()', []
        return self.status_statement()

    def rds_procedure(self, action):
        """Full name of the RDS procedure for ``action`` or DialectError naming the fix."""
        word = 'source' if self.rds_source_words else 'master'
        mysql_delay_ok = self.is_mysql and not self.is_aurora and (
            (5, 7, 0) <= self.version < (5, 8, 0) or self.version >= (8, 0, 26))
        names = {
            'set_external': 'rds_set_external_%s' % word,
            'reset_external': 'rds_reset_external_%s' % word,
            'next_log': 'rds_next_%s_log' % word,
            'start': 'rds_start_replication',
            'stop': 'rds_stop_replication',
            'skip_error': 'rds_skip_repl_error',
            'set_configuration': 'rds_set_configuration',
            'show_configuration': 'rds_show_configuration',
        }
        if action in names:
            return 'mysql.' + names[action]
        if action == 'set_external_gtid':
            if not self.is_mariadb:
                raise DialectError('rds_set_external_master_gtid exists only on RDS for MariaDB; on %s use '
                                   'source_auto_position=true.' % self.name)
            return 'mysql.rds_set_external_master_gtid'
        if action == 'set_external_auto_position':
            if self.is_mariadb:
                raise DialectError('RDS for MariaDB has no auto-position procedure: use source_gtid.')
            if not (self.is_aurora or mysql_delay_ok):
                raise DialectError('%s has no rds_set_external_master_with_auto_position: upgrade to '
                                   '8.0.26+ or use source_log_file/source_log_pos.' % self.name)
            return 'mysql.rds_set_external_%s_with_auto_position' % word
        if action == 'set_external_with_delay':
            if not mysql_delay_ok:
                raise DialectError('%s has no rds_set_external_%s_with_delay procedure: omit delay '
                                   '(or 0), or apply the delay on the replica later.' % (self.name, word))
            return 'mysql.rds_set_external_%s_with_delay' % word
        if action == 'replica_status':
            if not (self.is_mariadb and self.version >= (10, 5, 0)):
                raise DialectError('mysql.rds_replica_status exists on RDS for MariaDB 10.5+ only.')
            return 'mysql.rds_replica_status'
        raise DialectError('unknown RDS action %r' % action)

    def rds_set_external_call(self, host, port, user, password, log_file=None, log_pos=None,
                              gtid=None, auto_position=False, ssl=True, delay=None):
        """(sql, params) for the right rds_set_external_* variant."""
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


def _pick(row, *names):
    for name in names:
        if name in row:
            return row[name]
    return None


def _int(value):
    if value is None or value == '':
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _yes(value):
    return str(value or '').strip().lower() == 'yes'


def _text(value):
    if value is None:
        return ''
    if isinstance(value, bytes):
        value = value.decode('utf-8', 'replace')
    return str(value)


def _running(value):
    """Yes/No/Connecting, as the server says it (NULL -> No)."""
    text = _text(value).strip()
    return text or 'No'


STATUS_KEYS = (
    'configured', 'io_running', 'sql_running', 'source_host', 'source_port', 'source_user',
    'source_log_file', 'read_source_log_pos', 'relay_source_log_file', 'exec_source_log_pos',
    'seconds_behind_source', 'last_io_errno', 'last_io_error', 'last_sql_errno', 'last_sql_error',
    'ssl_allowed', 'ssl_ca_file', 'ssl_cert_file', 'ssl_key_file', 'ssl_verify_server_cert', 'using_gtid', 'gtid_io_pos',
    'auto_position', 'sql_delay', 'connect_retry', 'replicate_wild_ignore_table', 'source_server_id',
)


def normalize_status(row):
    """One key set (docs/design.md) from any engine's status row (or None/{} = not configured)."""
    row = dict(row or {})
    host = _text(_pick(row, 'Source_Host', 'Master_Host'))
    auto_position = _int(_pick(row, 'Auto_Position')) == 1
    if 'Using_Gtid' in row:
        using_gtid = _text(row['Using_Gtid']).lower() or 'no'
        gtid_io_pos = _text(_pick(row, 'Gtid_IO_Pos'))
    else:
        using_gtid = 'auto_position' if auto_position else 'no'
        gtid_io_pos = _text(_pick(row, 'Retrieved_Gtid_Set'))
    ignore = _text(_pick(row, 'Replicate_Wild_Ignore_Table'))
    return dict(
        configured=bool(host),
        io_running=_running(_pick(row, 'Replica_IO_Running', 'Slave_IO_Running')) if row else 'No',
        sql_running=_running(_pick(row, 'Replica_SQL_Running', 'Slave_SQL_Running')) if row else 'No',
        source_host=host,
        source_port=_int(_pick(row, 'Source_Port', 'Master_Port')),
        source_user=_text(_pick(row, 'Source_User', 'Master_User')),
        source_log_file=_text(_pick(row, 'Source_Log_File', 'Master_Log_File')),
        read_source_log_pos=_int(_pick(row, 'Read_Source_Log_Pos', 'Read_Master_Log_Pos')),
        relay_source_log_file=_text(_pick(row, 'Relay_Source_Log_File', 'Relay_Master_Log_File')),
        exec_source_log_pos=_int(_pick(row, 'Exec_Source_Log_Pos', 'Exec_Master_Log_Pos')),
        seconds_behind_source=_int(_pick(row, 'Seconds_Behind_Source', 'Seconds_Behind_Master')),
        last_io_errno=_int(_pick(row, 'Last_IO_Errno')) or 0,
        last_io_error=_text(_pick(row, 'Last_IO_Error')),
        last_sql_errno=_int(_pick(row, 'Last_SQL_Errno')) or 0,
        last_sql_error=_text(_pick(row, 'Last_SQL_Error')),
        ssl_allowed=_yes(_pick(row, 'Source_SSL_Allowed', 'Master_SSL_Allowed')),
        ssl_ca_file=_text(_pick(row, 'Source_SSL_CA_File', 'Master_SSL_CA_File')),
        ssl_cert_file=_text(_pick(row, 'Source_SSL_Cert', 'Master_SSL_Cert')),
        ssl_key_file=_text(_pick(row, 'Source_SSL_Key', 'Master_SSL_Key')),
        ssl_verify_server_cert=_yes(_pick(row, 'Source_SSL_Verify_Server_Cert',
                                          'Master_SSL_Verify_Server_Cert')),
        using_gtid=using_gtid,
        gtid_io_pos=gtid_io_pos,
        auto_position=auto_position,
        sql_delay=_int(_pick(row, 'SQL_Delay')) or 0,
        connect_retry=_int(_pick(row, 'Connect_Retry')),
        replicate_wild_ignore_table=[part for part in ignore.split(',') if part],
        source_server_id=_int(_pick(row, 'Source_Server_Id', 'Master_Server_Id')),
    )


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
