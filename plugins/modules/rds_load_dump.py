#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: rds_load_dump
short_description: Stream a consistent dump of a source into RDS or a self-managed replica, returning its binlog coordinates
version_added: 0.1.0
description:
  - Runs C(mariadb-dump --single-transaction --master-data=2 --gtid --routines --triggers --events)
    against the source and pipes it, through a filter, into C(mariadb) connected to the target (RDS
    as its master user, or a self-managed replica) as O(login_user). Nothing is written to disk unless
    O(dump_path) is set.
  - The filter removes what the RDS master user may not run (no SUPER); C(DEFINER) clauses are
    stripped (objects then belong to the master user) or rewritten to O(definer_user);
    C(SET @@GLOBAL.GTID_PURGED), C(SET @@SESSION.SQL_LOG_BIN), C(SET GLOBAL), C(CHANGE MASTER),
    C(START/STOP SLAVE) and C(RESET MASTER/SLAVE) are dropped. Row data is never changed.
  - On MariaDB the dump takes no global lock; the coordinates (binary log file/position and MariaDB
    GTID) are those of the dump's consistent snapshot, read from the dump's own comments.
  - When the source has no schema to copy, nothing is loaded and the source's current coordinates
    are returned (no change).
  - Always reports a change when it loads. Idempotence is the caller's job (the role
    M(mysql_rds.replication.rds_external_master) status tells whether RDS already replicates).
  - The dump drops and recreates every table it carries (C(DROP TABLE IF EXISTS)). So that a second
    run can never overwrite data (RDS promoted at the cutover and written to, replication reset by
    hand), the module refuses, before changing anything and also in check mode, when any schema it
    would load already exists on the target with at least one table, view, routine or event, unless
    O(overwrite=true). The caller runs it only when the target does not replicate from this source.
author:
  - mysql_rds.replication contributors (@mysql_rds)
extends_documentation_fragment:
  - mysql_rds.replication.connection
attributes:
  check_mode:
    support: full
    description: In check mode nothing is dumped nor loaded; the module lists the schemas it would copy.
  diff_mode:
    support: none
    description: No diff.
options:
  source_host:
    description: Host of the self-managed source.
    aliases: [source_login_host]
    type: str
    default: localhost
  source_port:
    description: TCP port of the source.
    aliases: [source_login_port]
    type: int
    default: 3306
  source_unix_socket:
    description: Unix socket of the source (used instead of host/port when set).
    aliases: [source_login_unix_socket]
    type: str
  source_user:
    description: Account on the source that may dump (SELECT, SHOW VIEW, TRIGGER, EVENT, RELOAD, BINLOG MONITOR).
    aliases: [source_login_user]
    type: str
    required: true
  source_password:
    description: Password of O(source_user).
    aliases: [source_login_password]
    type: str
  source_ca_cert:
    description: CA file to verify the source's certificate (TLS to the source when set).
    type: path
  databases:
    description:
      - Schemas to copy. When empty, every schema of the source except C(mysql), C(information_schema),
        C(performance_schema), C(sys) and those in O(exclude_databases).
    type: list
    elements: str
    default: []
  exclude_databases:
    description: Schemas left out when O(databases) is empty.
    type: list
    elements: str
    default: []
  definer:
    description:
      - What to do with C(DEFINER=user@host) clauses of views, routines, triggers and events.
      - C(strip) removes them (the objects are created with the loading master user as definer),
        C(rewrite) replaces them with O(definer_user), C(keep) leaves them (fails on RDS unless every
        definer is the master user).
    type: str
    choices: [strip, rewrite, keep]
    default: strip
  definer_user:
    description: C(user) or C(user@host) for O(definer=rewrite); default the O(login_user) at C(%).
    type: str
  dump_path:
    description:
      - Also write the filtered dump to this file (mode 0600). By default the stream is not kept.
      - With several streams (O(parallel)) each is kept beside it, for C(/d/copy.sql) in
        C(/d/copy.schema.sql), C(/d/copy.data-1.sql)... and C(/d/copy.triggers.sql), to be loaded in that order.
    type: path
  dump_command:
    description: The dump client.
    type: str
    default: mariadb-dump
  client_command:
    description: The SQL client that loads the stream into RDS.
    type: str
    default: mariadb
  extra_dump_options:
    description: More options for O(dump_command), e.g. C(--max-allowed-packet=1G).
    type: list
    elements: str
    default: []
  overwrite:
    description:
      - Load even when schemas to load already hold tables, views, routines or events on the target;
        their tables are dropped and replaced by the source's.
      - Only for a target left over from a failed or interrupted load. Never for a target that was
        promoted or took writes of its own.
    type: bool
    default: false
  parallel:
    description:
      - Number of data streams. With more than one (and a MariaDB source), the copy runs in three
        steps, each streamed. First the schemas (tables, views, routines, events), then the rows in
        O(parallel) concurrent C(dump | filter | load) streams, each with a share of the tables
        (biggest first, balanced by size), then the triggers (created after the rows, so that
        loading fires none).
      - A table bigger than one and a half fair shares whose primary key is one integer column is
        copied by several streams, one per range of its key (C(--where)), so that one dominant table
        does not leave the other streams idle.
      - The data streams read one and the same snapshot. While they open it (typically well under a
        second) the module holds C(LOCK TABLES ... READ) on the copied tables, which the RDS master
        user may do; writes to those tables wait meanwhile. It is the lock-free mariadb-dump snapshot
        of each stream that gives the binlog position, as with one stream.
      - C(1) is one lock-free stream for everything. A source that is not MariaDB always gets one
        stream (its dump cannot report the position of a snapshot).
    type: int
    default: 1
  lock_wait_timeout:
    description:
      - Seconds to wait for C(LOCK TABLES) when O(parallel) > 1 (a long transaction writing to a copied
        table delays it, and writes queue behind it meanwhile). When it runs out, the module warns and
        copies with one lock-free stream instead.
    type: int
    default: 10
  drop_databases:
    description: Drop and recreate every copied schema on the target (C(--add-drop-database)), so that
      no table the source lacks remains. Only with O(overwrite) or on schemas that hold nothing.
    type: bool
    default: false
  target_load_settings:
    description:
      - Global variables set on the target for the load and put back afterwards (also when the load
        fails), for a self-managed target, for example C(innodb_flush_log_at_trx_commit=2) and
        C(innodb_log_file_size=536870912), given as a dictionary of names and values.
      - C(innodb_log_file_size), C(innodb_redo_log_capacity) and C(innodb_buffer_pool_size) are only ever
        raised. A variable the server lacks or cannot change while running is skipped with a warning.
      - Needs SUPER (or SYSTEM_VARIABLES_ADMIN), so leave it empty for RDS, whose settings live in its parameter group.
    type: dict
    default: {}
  target_skip_binlog:
    description:
      - Load without writing the rows to the target's binary log (C(SET SESSION sql_log_bin=0) in every
        loading session). That is faster and leaves no transactions of the target's own server id in its GTID
        state. For a self-managed replica; the RDS master user may not do it.
    type: bool
    default: false
requirements:
  - PyMySQL >= 1.0 and the C(mariadb-dump)/C(mariadb) clients on the host that runs the module.
notes:
  - The source must be MariaDB for a lock-free snapshot; on MySQL C(--master-data) takes a brief
    global read lock.
  - Passwords go to the clients in a temporary option file (mode 0600, removed at once), never on
    a command line.
seealso:
  - module: mysql_rds.replication.rds_external_master
'''

EXAMPLES = r'''
- name: Copy every schema of the source into RDS
  mysql_rds.replication.rds_load_dump:
    login_host: mydb.abcdefgh.eu-west-1.rds.amazonaws.com
    login_user: admin
    login_password: "{{ rds_master_password }}"
    ca_cert: /etc/mysql/rds-global-bundle.pem
    source_host: 127.0.0.1
    source_user: dba
    source_password: "{{ dba_password }}"
  register: seed

- name: Start replication from the dump's position
  mysql_rds.replication.rds_external_master:
    login_host: mydb.abcdefgh.eu-west-1.rds.amazonaws.com
    login_user: admin
    login_password: "{{ rds_master_password }}"
    source_host: onprem.example.com
    source_user: rds_repl
    source_password: "{{ rds_repl_password }}"
    source_log_file: "{{ seed.coordinates.log_file }}"
    source_log_pos: "{{ seed.coordinates.log_pos }}"
'''

RETURN = r'''
coordinates:
  description: Binary log coordinates of the dump's snapshot on the source.
  returned: when loaded
  type: dict
  sample: {log_file: mysql-bin.000003, log_pos: 1968, gtid: 0-13604-42}
databases:
  description: Schemas copied (or that would be in check mode).
  returned: always
  type: list
  elements: str
  sample: [shop, billing]
bytes_loaded:
  description: Size of the filtered stream sent to RDS.
  returned: when loaded
  type: int
definers_changed:
  description: Number of DEFINER clauses stripped or rewritten.
  returned: when loaded
  type: int
dropped_statements:
  description: First line of every statement removed from the stream.
  returned: when loaded
  type: list
  elements: str
  sample: ["SET @@SESSION.SQL_LOG_BIN= 0;"]
dump_command:
  description: The (first) dump command line (no password; it is in a temporary option file).
  returned: always
  type: list
  elements: str
dump_commands:
  description: Every dump command line run, in order (schemas, data streams, triggers with O(parallel) > 1).
  returned: when loaded
  type: list
  elements: list
streams:
  description: Number of data streams the rows were copied with (1 when one stream carried everything).
  returned: when loaded
  type: int
  sample: 4
lock_seconds:
  description: How long the copied tables were locked while the data streams opened their snapshot (0 with one stream).
  returned: when loaded
  type: float
  sample: 0.21
load_settings:
  description: The target's global variables changed for the load and put back afterwards, as name, old and new value.
  returned: when loaded
  type: list
  elements: dict
  sample: [{name: innodb_log_file_size, old: 16777216, new: 536870912}]
occupied:
  description:
    - Schemas to load that already hold objects on the target, with their counts. With
      O(overwrite=false) the module fails and returns them; with O(overwrite=true) they were replaced
      (or would be, in check mode).
  returned: always
  type: dict
  sample: {shop: {tables: 12, views: 1, routines: 0, events: 0}}
'''

import os
import shutil
import tempfile

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mysql_rds.replication.plugins.module_utils.connection import (
    ConnectionConfigError, SqlError, as_connection_options, connect, connection_argument_spec, connection_params, run,
    target_of)
from ansible_collections.mysql_rds.replication.plugins.module_utils.dump_filter import DumpFilter, filter_stream
from ansible_collections.mysql_rds.replication.plugins.module_utils import load_settings
from ansible_collections.mysql_rds.replication.plugins.module_utils.masking import mask_text
from ansible_collections.mysql_rds.replication.plugins.module_utils.parallel_copy import (
    SnapshotOpenTimeout, Stream, bounds, earliest, ignore_options, integer_keys, integer_keys_sql, lock_statement,
    part_paths, plan, quote, run_streams, tables_sql, where)
from ansible_collections.mysql_rds.replication.plugins.module_utils.stream_pipe import stream_between

SYSTEM_SCHEMAS = ('mysql', 'information_schema', 'performance_schema', 'sys')
OBJECT_KINDS = ('tables', 'views', 'routines', 'events')
TARGET_OBJECTS_SQL = (
    "SELECT s.SCHEMA_NAME AS name,"
    " (SELECT COUNT(*) FROM information_schema.TABLES t"
    "   WHERE t.TABLE_SCHEMA = s.SCHEMA_NAME AND t.TABLE_TYPE <> 'VIEW') AS tables,"
    " (SELECT COUNT(*) FROM information_schema.TABLES t"
    "   WHERE t.TABLE_SCHEMA = s.SCHEMA_NAME AND t.TABLE_TYPE = 'VIEW') AS views,"
    " (SELECT COUNT(*) FROM information_schema.ROUTINES r WHERE r.ROUTINE_SCHEMA = s.SCHEMA_NAME) AS routines,"
    " (SELECT COUNT(*) FROM information_schema.EVENTS e WHERE e.EVENT_SCHEMA = s.SCHEMA_NAME) AS events"
    " FROM information_schema.SCHEMATA s WHERE s.SCHEMA_NAME IN (%s) ORDER BY s.SCHEMA_NAME")


SOURCE_OPTIONS = dict(login_host='source_host', login_port='source_port', login_unix_socket='source_unix_socket',
                      login_user='source_user', login_password='source_password', ca_cert='source_ca_cert')


def source_options(params):
    return as_connection_options(params, SOURCE_OPTIONS)


def option_file(directory, name, kwargs):
    """Write a [client] option file for the CLI clients from pymysql.connect() kwargs."""
    lines = ['[client]', 'user=%s' % kwargs.get('user')]
    if kwargs.get('password'):
        lines.append('password="%s"' % kwargs['password'].replace('\\', '\\\\').replace('"', '\\"'))
    if kwargs.get('unix_socket'):
        lines.append('socket=%s' % kwargs['unix_socket'])
    else:
        lines.extend(['host=%s' % kwargs['host'], 'port=%s' % kwargs['port'], 'protocol=TCP'])
    ssl = kwargs.get('ssl') or {}
    if ssl.get('ca'):
        lines.append('ssl-ca=%s' % ssl['ca'])
        if ssl.get('check_hostname'):
            lines.append('ssl-verify-server-cert')
    for key, option in (('cert', 'ssl-cert'), ('key', 'ssl-key')):
        if ssl.get(key):
            lines.append('%s=%s' % (option, ssl[key]))
    path = os.path.join(directory, name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, 'w') as handle:
        handle.write('\n'.join(lines) + '\n')
    return path


def schemas_to_copy(module):
    params = module.params
    conn = connect(module, options=source_options(params))
    try:
        existing = [row['Database'] for row in run(conn.cursor(), 'SHOW DATABASES')]
    except SqlError as exc:
        module.fail_json(msg=exc.message)
    finally:
        conn.close()
    if params['databases']:
        missing = sorted(set(params['databases']) - set(existing))
        if missing:
            module.fail_json(msg='schemas not found on the source: %s; fix databases.' % ', '.join(missing))
        return list(params['databases'])
    skip = set(SYSTEM_SCHEMAS) | set(params['exclude_databases'])
    return [name for name in existing if name not in skip]


def current_coordinates(module):
    conn = connect(module, options=source_options(module.params))
    try:
        status = run(conn.cursor(), 'SHOW MASTER STATUS')
        gtid = run(conn.cursor(), 'SELECT @@global.gtid_binlog_pos AS gtid')[0]['gtid']
    except SqlError as exc:
        module.fail_json(msg='cannot read the source position: %s' % exc.message)
    finally:
        conn.close()
    if not status:
        module.fail_json(msg='binary logging is off on the source: enable log_bin.')
    return dict(log_file=status[0]['File'], log_pos=int(status[0]['Position']), gtid=gtid)


def target_objects(cursor, databases):
    """{schema: {tables, views, routines, events}} for those of ``databases`` that exist on the target."""
    if not databases:
        return {}
    rows = run(cursor, TARGET_OBJECTS_SQL % ', '.join(['%s'] * len(databases)), list(databases))
    return dict((row['name'], dict((kind, int(row[kind] or 0)) for kind in OBJECT_KINDS)) for row in rows)


def occupied_schemas(objects):
    """The schemas of ``target_objects()`` that hold at least one object (an empty schema is harmless)."""
    return dict((name, counts) for name, counts in objects.items() if sum(counts.values()) > 0)


def describe_counts(counts):
    """'12 tables, 1 view' from {tables: 12, views: 1, routines: 0, events: 0}."""
    parts = []
    for kind in OBJECT_KINDS:
        number = counts.get(kind, 0)
        if number:
            parts.append('%d %s' % (number, kind if number > 1 else kind[:-1]))
    return ', '.join(parts)


def refusal_message(occupied, target):
    listed = '; '.join('%s (%s)' % (name, describe_counts(occupied[name])) for name in sorted(occupied))
    return ('refusing to load into %s: it is not replicating from this source and already holds data in '
            'schema(s) the dump would replace: %s. The dump drops and recreates every table it carries, so '
            'loading would overwrite that data. If this target was promoted (cutover done) or took writes '
            'of its own: do not load it again, it is the primary now. If it is a leftover of a failed or '
            'interrupted load: set overwrite=true (role variable rds_replica_of_source_overwrite: true) to '
            'drop and reload these schemas.' % (target, listed))


LOAD_HINT = ('error 1419/1227 on a routine or trigger: set log_bin_trust_function_creators=1 in the '
             "RDS instance's parameter group; error 1045/2026: check the logins and ca_cert.")
DUMP_BASE = ['--hex-blob', '--quick']
ONE_STREAM = ['--single-transaction', '--master-data=2', '--gtid', '--routines', '--triggers', '--events']
# --single-transaction: no LOCK TABLES, so an open write transaction on the source never blocks
# the schema and trigger steps (nor do they make writes wait).
SCHEMA_STEP = ['--single-transaction', '--no-data', '--skip-triggers', '--routines', '--events']
DATA_STEP = ['--single-transaction', '--master-data=2', '--gtid', '--no-create-info', '--no-create-db', '--skip-triggers']
TRIGGER_STEP = ['--single-transaction', '--no-data', '--no-create-info', '--no-create-db', '--triggers']


class CopyFailed(Exception):
    """The copy failed; ``result`` is for fail_json, once the target's settings are put back."""

    def __init__(self, msg, **result):
        super(CopyFailed, self).__init__(msg)
        self.result = dict(result, msg=msg)


def fail_stream(module, step, result, secrets):
    raise CopyFailed(
        '%s: dump | filter | load failed (dump exit %s, load exit %s): %s %s'
        % (step, result.producer_rc, result.consumer_rc, mask_text(result.producer_stderr, secrets),
           mask_text(result.consumer_stderr, secrets)),
        hint=LOAD_HINT)


def load(module, dump_cmd, load_cmd, dump_filter, secrets, keep_path=None, step='copy'):
    result = stream_between(dump_cmd, load_cmd, lambda source, sink: filter_stream(source, sink, dump_filter),
                            keep_path=keep_path)
    if result.producer_rc != 0 or result.consumer_rc != 0:
        fail_stream(module, step, result, secrets)
    return result.written


class Copy(object):
    """What one run loaded: bytes, DEFINER clauses changed, statements dropped, coordinates."""

    def __init__(self, module, dump, load_cmd, secrets, definer_user):
        self.module = module
        self.dump = dump            # [dump_command, --defaults-extra-file=..., extra_dump_options...]
        self.definer_user = definer_user
        self.load_cmd = load_cmd
        self.secrets = secrets
        self.written = 0
        self.definers = 0
        self.dropped = []
        self.coordinates = None
        self.streams = 1
        self.lock_seconds = 0.0
        self.commands = []          # every dump command run, option file path hidden

    def shown(self, command):
        self.commands.append([command[0], '--defaults-extra-file=<tmp>'] + command[2:])
        return command

    def new_filter(self):
        return DumpFilter(self.module.params['definer'], self.definer_user)

    def count(self, dump_filter, written):
        self.written += written
        self.definers += dump_filter.definers
        self.dropped.extend(dump_filter.dropped)

    def one_stream(self, options, databases):
        """Everything in one lock-free stream; its snapshot gives the coordinates."""
        self.coordinates = self.step('copy', options, databases, self.module.params['dump_path']).coordinates

    def step(self, name, options, databases, keep_path):
        """One dump | filter | load of ``databases``; returns its filter."""
        dump_filter = self.new_filter()
        written = load(self.module, self.shown(self.dump + options + ['--databases'] + databases), self.load_cmd,
                       dump_filter, self.secrets, keep_path=keep_path, step=name)
        self.count(dump_filter, written)
        return dump_filter

    def data_streams(self, lock_cursor, tables, databases, keep_paths, chunked, groups):
        """Copy the rows: a stream per group of whole tables and one per key range of a chunked table
        [(db, tbl, column, [(start, end)])]; every snapshot opens while ``lock_cursor`` holds the lock."""
        commands = [(self.dump + DUMP_BASE + DATA_STEP + ['--databases'] + databases + ignore_options(tables, group),
                     self.load_cmd) for group in groups]
        for db, tbl, column, ranges in chunked:
            # --skip-add-locks: the ranges of one table load side by side; the loader's default database is db
            for start, end in ranges:
                options = ['--skip-add-locks', '--where=%s' % where(column, start, end), db, tbl]
                commands.append((self.dump + DUMP_BASE + DATA_STEP + options, self.load_cmd + [db]))
        streams = [Stream('data stream %d' % (index + 1), self.shown(dump_cmd), load_cmd, self.new_filter(),
                          keep_paths.get('data-%d' % (index + 1)))
                   for index, (dump_cmd, load_cmd) in enumerate(commands)]

        def release():
            try:
                run(lock_cursor, 'UNLOCK TABLES')
            except SqlError:
                lock_cursor.connection.close()  # a closed session holds no lock either

        try:
            self.lock_seconds = run_streams(streams, release=release)
        except SnapshotOpenTimeout as exc:
            raise CopyFailed('%s: the copy was stopped before its rows were complete; run it again.' % exc)
        for stream in streams:
            if stream.error is not None:
                raise CopyFailed('%s: cannot run the clients: %s' % (stream.name, mask_text(stream.error, self.secrets)))
            if stream.result.producer_rc != 0 or stream.result.consumer_rc != 0:
                fail_stream(self.module, stream.name, stream.result, self.secrets)
            self.count(stream.dump_filter, stream.result.written)
        self.streams = len(streams)
        self.coordinates = earliest([stream.dump_filter.coordinates for stream in streams])


def lock_tables(module, cursor, tables):
    """LOCK TABLES ... READ on every copied table within lock_wait_timeout; False when it ran out."""
    run(cursor, 'SET SESSION lock_wait_timeout = %d' % max(1, module.params['lock_wait_timeout']))
    try:
        run(cursor, lock_statement(tables))
    except SqlError as exc:
        if exc.errno == 1205:
            module.warn('could not lock the copied tables within %ss (a long transaction writes to them): '
                        'copying with one lock-free stream instead.' % module.params['lock_wait_timeout'])
            return False
        raise CopyFailed('cannot lock the copied tables on the source: %s' % exc.message)
    return True


def split_work(cursor, tables, databases, streams):
    """(chunked [(db, tbl, column, ranges)], groups) for ``streams`` streams (parallel_copy.plan)."""
    keys = integer_keys(run(cursor, integer_keys_sql(databases), list(databases)))
    planned, groups = plan(tables, keys, streams)
    chunked = []
    for db, tbl, column, count in planned:
        row = run(cursor, 'SELECT MIN(%s) AS low, MAX(%s) AS high FROM %s.%s'
                  % (quote(column), quote(column), quote(db), quote(tbl)))[0]
        ranges = bounds(row['low'], row['high'], count) if row['low'] is not None else [(None, None)]
        chunked.append((db, tbl, column, ranges))
    return chunked, groups


def copy(module, copier, databases, drop_options):
    """One stream, or schemas | data streams | triggers when parallel > 1 and the source allows it."""
    params = module.params
    if params['parallel'] > 1:
        conn = connect(module, options=source_options(params))
        try:
            cursor = conn.cursor()
            version = run(cursor, 'SELECT VERSION() AS version')[0]['version']
            tables = [(row['db'], row['tbl'], row['size'])
                      for row in run(cursor, tables_sql(databases), list(databases))]
            if 'mariadb' not in version.lower():
                module.warn('the source (%s) is not MariaDB: its dump cannot report the position of a snapshot '
                            'opened by several streams, so the copy runs in one stream.' % version)
            elif tables:
                chunked, groups = split_work(cursor, tables, databases, params['parallel'])
                if len(groups) + sum(len(ranges) for _db, _tbl, _col, ranges in chunked) > 1:
                    keep = part_paths(params['dump_path'], ['schema', 'triggers'] + [
                        'data-%d' % (index + 1) for index in range(params['parallel'])])
                    copier.step('schema step', SCHEMA_STEP + DUMP_BASE + drop_options, databases, keep['schema'])
                    if lock_tables(module, cursor, tables):
                        copier.data_streams(cursor, tables, databases, keep, chunked, groups)
                        copier.step('trigger step', TRIGGER_STEP + DUMP_BASE, databases, keep['triggers'])
                        return
        except SqlError as exc:
            raise CopyFailed('cannot read the tables to copy on the source: %s' % exc.message)
        finally:
            conn.close()
    copier.one_stream(ONE_STREAM + DUMP_BASE + drop_options, databases)


def settings_for_load(module, target_kwargs):
    """Apply target_load_settings; returns (connection, applied) for restore_settings()."""
    if not module.params['target_load_settings']:
        return None, []
    conn = connect(module)
    try:
        applied, warnings = load_settings.apply(conn.cursor(), module.params['target_load_settings'])
    except ValueError as exc:
        conn.close()
        module.fail_json(msg='target_load_settings: %s' % exc)
    except SqlError as exc:
        conn.close()
        module.fail_json(msg='cannot change the load settings of %s: %s' % (target_of(target_kwargs), exc.message))
    for warning in warnings:
        module.warn('target_load_settings: %s' % warning)
    return conn, applied


def restore_settings(module, conn, applied):
    if conn is None:
        return
    try:
        for warning in load_settings.restore(conn.cursor(), applied):
            module.warn('target_load_settings: %s' % warning)
    finally:
        conn.close()


def main():
    argument_spec = connection_argument_spec()
    argument_spec.update(
        source_host=dict(type='str', default='localhost', aliases=['source_login_host']),
        source_port=dict(type='int', default=3306, aliases=['source_login_port']),
        source_unix_socket=dict(type='str', aliases=['source_login_unix_socket']),
        source_user=dict(type='str', required=True, aliases=['source_login_user']),
        source_password=dict(type='str', no_log=True, aliases=['source_login_password']),
        source_ca_cert=dict(type='path'),
        databases=dict(type='list', elements='str', default=[]),
        exclude_databases=dict(type='list', elements='str', default=[]),
        definer=dict(type='str', choices=['strip', 'rewrite', 'keep'], default='strip'),
        definer_user=dict(type='str'),
        dump_path=dict(type='path'),
        dump_command=dict(type='str', default='mariadb-dump'),
        client_command=dict(type='str', default='mariadb'),
        extra_dump_options=dict(type='list', elements='str', default=[]),
        overwrite=dict(type='bool', default=False),
        parallel=dict(type='int', default=1),
        lock_wait_timeout=dict(type='int', default=10),
        drop_databases=dict(type='bool', default=False),
        target_load_settings=dict(type='dict', default={}),
        target_skip_binlog=dict(type='bool', default=False),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    if params['parallel'] < 1:
        module.fail_json(msg='parallel must be 1 or more (got %s).' % params['parallel'])
    try:
        target_kwargs = connection_params(params)
        source_kwargs = connection_params(source_options(params))
    except ConnectionConfigError as exc:
        module.fail_json(msg=str(exc))
    secrets = [target_kwargs.get('password'), source_kwargs.get('password')]

    # Fail early (and in check mode) when RDS is unreachable with these credentials.
    conn = connect(module)
    try:
        databases = schemas_to_copy(module)
        try:
            occupied = occupied_schemas(target_objects(conn.cursor(), databases))
        except SqlError as exc:
            module.fail_json(msg='cannot read the schemas of the target: %s' % exc.message, databases=databases)
    finally:
        conn.close()
    if not databases:
        # An empty source: nothing to load, replication starts from where the source is now.
        module.exit_json(changed=False, databases=[], coordinates=current_coordinates(module),
                         bytes_loaded=0, definers_changed=0, dropped_statements=[], dump_command=[], occupied={})
    if occupied and not params['overwrite']:
        module.fail_json(msg=refusal_message(occupied, target_of(target_kwargs)), databases=databases,
                         occupied=occupied)
    if occupied:
        module.warn('overwrite=true: dropping and reloading schema(s) that held data on the target: %s'
                    % ', '.join(sorted(occupied)))

    drop_options = ['--add-drop-database'] if params['drop_databases'] else []
    # what a one-stream copy runs (Copy.shown records what did run)
    shown_dump = [params['dump_command'], '--defaults-extra-file=<tmp>'] + params['extra_dump_options'] + ONE_STREAM \
        + DUMP_BASE + drop_options + ['--databases'] + databases
    if module.check_mode:
        module.exit_json(changed=True, databases=databases, dump_command=shown_dump, occupied=occupied)

    definer_user = params['definer_user'] or '%s@%%' % target_kwargs.get('user')
    try:
        DumpFilter(params['definer'], definer_user)  # a bad definer setting fails before anything runs
    except ValueError as exc:
        module.fail_json(msg=str(exc))
    workdir = tempfile.mkdtemp(prefix='rds_load_dump.')
    settings_conn, applied, failure = None, [], None
    try:
        source_cnf = option_file(workdir, 'source.cnf', source_kwargs)
        target_cnf = option_file(workdir, 'target.cnf', target_kwargs)
        load_cmd = [params['client_command'], '--defaults-extra-file=%s' % target_cnf, '--binary-mode', '--batch']
        if params['target_skip_binlog']:
            load_cmd.append('--init-command=SET SESSION sql_log_bin=0')
        copier = Copy(module, [params['dump_command'], '--defaults-extra-file=%s' % source_cnf]
                      + params['extra_dump_options'], load_cmd, secrets, definer_user)
        settings_conn, applied = settings_for_load(module, target_kwargs)
        try:
            copy(module, copier, databases, drop_options)
        except CopyFailed as exc:
            failure = exc.result
        except (IOError, OSError) as exc:
            failure = dict(msg='cannot run %s or %s: %s' % (params['dump_command'], params['client_command'],
                                                            mask_text(exc, secrets)))
    finally:
        restore_settings(module, settings_conn, applied)
        shutil.rmtree(workdir, ignore_errors=True)
    if failure:
        module.fail_json(databases=databases, **failure)

    coordinates = copier.coordinates or {}
    if not coordinates.get('log_file') and not coordinates.get('gtid'):
        module.fail_json(msg='the dump carries no binary log coordinates: enable log_bin on the source.',
                         databases=databases)
    module.exit_json(changed=True, coordinates=coordinates, databases=databases, bytes_loaded=copier.written,
                     definers_changed=copier.definers, dropped_statements=copier.dropped,
                     dump_command=copier.commands[0],
                     dump_commands=copier.commands, occupied=occupied, streams=copier.streams,
                     lock_seconds=round(copier.lock_seconds, 3),
                     load_settings=[dict(name=name, old=old, new=new) for name, old, new in applied])


if __name__ == '__main__':
    main()
