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
  - Runs C(mariadb-dump --single-transaction --routines --triggers --events) against the source (with
    the options that make it report its snapshot's binlog coordinates unless O(read_coordinates=false))
    and pipes it, through a filter, into C(mariadb) connected to the target (RDS as its master user, or
    a self-managed replica) as O(login_user). Nothing is written to disk unless O(dump_path) is set.
  - The filter removes what the RDS master user may not run (no SUPER); C(DEFINER) clauses are
    stripped (objects then belong to the master user) or rewritten to O(definer_user); the
    statements that set global variables, the GTID state or C(SQL_LOG_BIN), the change-source
    statement and the statements that start, stop or reset replication or the binlogs are dropped.
    Row data is never changed.
  - On MariaDB the dump takes no global lock; the coordinates (binlog file, position and MariaDB
    GTID) are those of the dump's consistent snapshot, read from the dump's own comments.
  - When the source has no schema to copy, nothing is loaded and the source's current binlog
    position is returned (no change).
  - Always reports a change when it loads. Idempotence is the caller's job (the role
    M(mysql_rds.replication.rds_external_master) status tells whether RDS already replicates).
  - The dump drops and recreates every table it carries (C(DROP TABLE IF EXISTS)). So that a second
    run can never overwrite data (RDS promoted at the cutover and written to, replication reset by
    hand), the module refuses, before changing anything and also in check mode, when any schema it
    would load already exists on the target with at least one table, view, routine or event, unless
    O(overwrite=true). The refusal says what it found, down to whom the target replicates from when
    the replica's status can be read. Run in check mode, the module is that guard alone, and only reads.
author:
  - mysql_rds.replication contributors (@mysql_rds)
extends_documentation_fragment:
  - mysql_rds.replication.connection
  - mysql_rds.replication.source_login
attributes:
  check_mode:
    support: full
    description:
      - In check mode nothing is dumped nor loaded and nothing changes on either server (both are only
        read); the overwrite guard runs, the module lists the schemas it would copy and RV(queries)
        what it would run.
  diff_mode:
    support: none
    description: No diff.
options:
  source_host:
    description:
      - Deprecated (removed in 0.3.0), use O(source_login.login_host).
    aliases: [source_login_host]
    type: str
  source_port:
    description:
      - Deprecated (removed in 0.3.0), use O(source_login.login_port).
    aliases: [source_login_port]
    type: int
  source_unix_socket:
    description:
      - Deprecated (removed in 0.3.0), use O(source_login.login_unix_socket).
    aliases: [source_login_unix_socket]
    type: str
  source_user:
    description:
      - Deprecated (removed in 0.3.0), use O(source_login.login_user).
    aliases: [source_login_user]
    type: str
  source_password:
    description:
      - Deprecated (removed in 0.3.0), use O(source_login.login_password).
    aliases: [source_login_password]
    type: str
  source_ca_cert:
    description:
      - Deprecated (removed in 0.3.0), use O(source_login.ca_cert).
    type: path
  read_coordinates:
    description:
      - Ask the dump for the source's binlog coordinates of its snapshot, returned as RV(coordinates).
      - V(false) for a source whose own binlog is irrelevant or off, typically a read replica whose
        replication was paused (its position in its own source's binlog is read elsewhere, from the
        replica's status); RV(coordinates) is then null. With several streams (O(parallel)) the
        source should be quiet then (a paused replica), as each stream shows that its snapshot is
        open by the first line of its body instead of its position.
    type: bool
    default: true
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
      - Number of data streams. With more than one (and a MariaDB source), the copy runs in four
        steps, each streamed. First the schemas (tables, views, routines, events), then the rows in
        O(parallel) concurrent C(dump | filter | load) streams, each with a share of the tables
        (biggest first, balanced by size), then the plain secondary keys, then the triggers (created
        after the rows, so that loading fires none).
      - The schema step creates InnoDB tables without their plain (not UNIQUE, FULLTEXT or SPATIAL)
        secondary keys, unless the table has a constraint (foreign key, check) or system versioning, or
        the key starts with the C(AUTO_INCREMENT) column; once the rows are in, one C(ALTER TABLE ... ADD KEY)
        per table builds them, each sorted at once. Loaded row by row, the keys of the tables the
        streams load side by side would all have to fit the target's buffer pool, else each row costs
        random page reads and writes. Not with O(dump_path) (each kept file loads as it is). A copy
        that fails before that step leaves tables without those keys; run it again with O(overwrite=true).
      - A table bigger than one and a half fair shares whose primary key is one integer column is
        copied by several streams, one per range of its key (C(--where)), so that one dominant table
        does not leave the other streams idle.
      - The data streams read one and the same snapshot. While they open it (typically well under a
        second) the module holds C(LOCK TABLES ... READ) on the copied tables, which the RDS master
        user may do; writes to those tables wait meanwhile. It is the lock-free mariadb-dump snapshot
        of each stream that gives the binlog position, as with one stream.
      - C(1) is one lock-free stream for everything. A source that cannot report the binlog position
        of a snapshot without a global lock (not MariaDB) always gets one stream, unless
        O(read_coordinates=false).
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
      - Put back even after a kill. Before changing them, the module records the original values on the
        target, in the table C(mysql.mysql_rds_replication_load_settings) (written with C(sql_log_bin=0), so
        never replicated; dropped once the values are back). Any later run of the module on that target
        (whatever its options; in check mode it only says so) first puts back what an interrupted run left,
        when the setting still has the value that run gave it, with a warning.
      - The module adds C(max_allowed_packet) itself when the biggest row to copy needs more than the target
        allows (see the notes on big rows), and puts it back the same way.
    type: dict
    default: {}
  target_skip_binlog:
    description:
      - Load without writing the rows to the target's binary log (C(SET SESSION sql_log_bin=0) in every
        loading session, as C(myloader) does without C(-e)). That is faster (no binlog writes nor binlog
        cache spills during the load) and leaves no transactions of the target's own server id in its GTID
        state. For a self-managed replica whose own replicas, if any, do not need the copy through its binlog.
      - The login must hold, granted to itself (not only through a role), SUPER, or BINLOG ADMIN (MariaDB
        10.5+), or SYSTEM_VARIABLES_ADMIN or SESSION_VARIABLES_ADMIN (MySQL 8.0). The module checks that
        before anything changes, also in check mode, and fails otherwise, never trying; an RDS master user
        never may, so leave it false for RDS.
    type: bool
    default: false
  events:
    description:
      - What the copied events become on the target.
      - C(keep) creates them as they are on the source (enabled events run wherever the event scheduler
        is on). Fine for a self-managed replica with C(event_scheduler=OFF) (direction 1).
      - C(disable_on_replica) creates every enabled event disabled for a replica (with the target engine's
        clause for it, from the dialect layer), keeping its definition, so that it does not
        run on an RDS replica whose parameter group has the event scheduler on (its writes would
        collide with the replicated ones). RV(events_disabled) lists them; the cutover enables them
        after promotion. Events disabled on the source stay disabled.
    type: str
    choices: [keep, disable_on_replica]
    default: keep
  progress_interval:
    description:
      - Seconds between two progress lines the action plugin prints while the copy runs (bytes done
        per stream, rate, estimated time left; once the rows are in, the key step and for how long it
        has run), and the same in RV(progress) at the end. The module then runs asynchronously (over
        any connection); C(0) runs it in one go, printing nothing.
      - A task with its own C(async) runs as such, without progress lines.
    type: int
    default: 30
  progress_path:
    description:
      - Internal, set by the action plugin. The file the module writes its progress to (JSON of
        numbers and stream names only, mode 0600), every O(progress_interval) seconds or less,
        removed when the copy ends.
    type: path
requirements:
  - PyMySQL >= 1.0 and the C(mariadb-dump)/C(mariadb) clients on the host that runs the module.
notes:
  - The connection options (O(login_user) etc.) are those of the target; O(source_login) those of the source.
  - O(source_login) is for an account that may dump (SELECT, SHOW VIEW, TRIGGER, EVENT, RELOAD, BINLOG MONITOR).
    It replaces the deprecated flat options O(source_host), O(source_port), O(source_unix_socket),
    O(source_user), O(source_password) and O(source_ca_cert); when it is given, they are ignored. One of
    O(source_login) and O(source_user) is required. With the flat options, O(config_file), O(connect_timeout)
    and O(check_hostname) also apply to the source.
  - The source must be MariaDB for a lock-free snapshot; on MySQL the dump takes a brief global read
    lock to read the coordinates.
  - Passwords go to the clients in option sections on inherited pipes (C(--defaults-extra-file=/dev/fd/N),
    one pipe per client process), never in a file nor on a command line; a killed module leaves no
    file behind.
  - Big rows. Both clients run with C(--max-allowed-packet=1G). Before anything changes, the module
    compares the biggest row to copy with the target's C(max_allowed_packet). A dumped row is one
    statement of up to twice its bytes (binary columns are dumped in hex, so that no character set
    conversion can touch them) plus 1 MiB. Only tables whose declared row size could exceed the
    target's limit are measured, with one C(SELECT MAX(LENGTH(...))) over their long columns on the
    source (a read of those columns, roughly the cost of dumping those tables once). A self-managed
    target (SUPER) gets the size for the load (RV(load_settings)); on RDS (its master user cannot
    change it) the module fails, naming the parameter group setting C(max_allowed_packet) and the
    size needed. Rows needing more than 1 GiB cannot be copied by a dump.
  - Data streams (O(parallel) > 1) go from the dump client to the load client directly (a socket
    pair between them); only their first lines are looked at (the snapshot's coordinates), the rows
    are never read by Python. The schema, routine, event and trigger steps and a copy in one stream
    go through the filter (DEFINER clauses, statements an RDS master user may not run). A data
    stream whose start holds such a statement goes through the filter as a whole. A data stream's
    failure names the stream and the error (its statement's head is not known).
  - One copy at a time into a server. The module holds the named lock C(mysql_rds.replication.rds_load_dump)
    on the target (C(GET_LOCK), on a connection of its own) from before its first change until it ends;
    the server releases it with that connection, also when the module is killed. A second run into the
    same server while the first still loads (for example a re-run while a module whose controller was
    killed goes on) fails before it changes anything, naming the connection that holds the lock; so
    does check mode.
  - SIGTERM or SIGINT during the copy ends the clients and puts the load settings back before the
    module fails (C(changed=true) once anything was loaded). A failure's message holds the head of
    the statement the target refused and the clients' errors, cut, never the rows.
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
    source_login:
      login_host: 127.0.0.1
      login_user: dba
      login_password: "{{ dba_password }}"
  register: seed

- name: Start replication from the dump's position
  mysql_rds.replication.rds_external_master:
    login_host: mydb.abcdefgh.eu-west-1.rds.amazonaws.com
    login_user: admin
    login_password: "{{ rds_master_password }}"
    source_host: onprem.example.com
    source_user: rds_repl
    source_password: "{{ rds_repl_password }}"
    source_coordinates: "{{ seed.coordinates }}"

- name: Refuse early, before anything changes, when the target already holds the schemas (the guard alone)
  mysql_rds.replication.rds_load_dump:
    login_host: mydb.abcdefgh.eu-west-1.rds.amazonaws.com
    login_user: admin
    login_password: "{{ rds_master_password }}"
    source_login:
      login_host: 127.0.0.1
      login_user: dba
      login_password: "{{ dba_password }}"
  check_mode: true

- name: Copy a paused read replica (its position comes from its replica status, not from the dump)
  mysql_rds.replication.rds_load_dump:
    login_user: dba
    login_unix_socket: /run/mysqld/mysqld.sock
    source_login:
      login_host: mydb-replica.abcdefgh.eu-west-1.rds.amazonaws.com
      login_user: admin
      login_password: "{{ rds_master_password }}"
      ca_cert: /etc/mysql/rds-global-bundle.pem
    read_coordinates: false
    parallel: 4
'''

RETURN = r'''
coordinates:
  description:
    - Binlog coordinates of the dump's snapshot on the source (C(gtid) is V('') when the dump reports none);
      with nothing to copy, the source's current position.
    - Null with O(read_coordinates=false).
  returned: when loaded, or when there was nothing to copy
  type: dict
  sample: {file: mysql-bin.000003, position: 1968, gtid: 0-13604-42}
  contains:
    file:
      description: Binlog file name.
      type: str
    position:
      description: Position in RV(coordinates.file).
      type: int
    gtid:
      description: The MariaDB GTID position of the same point (V('') when unknown).
      type: str
databases:
  description: Schemas copied (or that would be in check mode).
  returned: always
  type: list
  elements: str
  sample: [shop, billing]
bytes_loaded:
  description: Size of the filtered stream sent to the target.
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
queries:
  description:
    - What ran, in order (or would run, in check mode), passwords masked. The target's settings
      statements (O(target_load_settings)), every C(dump | dump_filter | load) pipeline (the clients'
      logins shown as C(<pipe>)) and the source's lock statements (O(parallel) > 1).
  returned: always
  type: list
  elements: str
  sample:
    - "SET GLOBAL innodb_flush_log_at_trx_commit = 2"
    - "mariadb-dump --defaults-extra-file=<pipe> --single-transaction ... --databases shop | dump_filter |
      mariadb --defaults-extra-file=<pipe> --binary-mode --batch"
    - "SET GLOBAL innodb_flush_log_at_trx_commit = 1"
dump_command:
  description: The (first) dump command line (no password; the login goes on a pipe).
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
  description:
    - The target's global variables changed for the load and put back afterwards, as name, old and new
      value (in check mode, those that would be).
  returned: when loaded, and in check mode
  type: list
  elements: dict
  sample: [{name: innodb_log_file_size, old: 16777216, new: 536870912}]
max_allowed_packet:
  description:
    - The packet check of the preflight, in bytes. C(target) is the target's C(max_allowed_packet) before
      the load, C(largest_row) the biggest row measured (0 when no table could exceed the target's
      limit), in C(table), and C(needed) the packet its statement needs (0 when none was measured).
  returned: when the source has schemas to copy
  type: dict
  sample: {target: 16777216, needed: 34603008, largest_row: 16777216, table: shop.files}
events_disabled:
  description:
    - With O(events=disable_on_replica), the events (C(schema.event)) created disabled for a replica on
      the target, to enable after the cutover.
  returned: when loaded
  type: list
  elements: str
  sample: [shop.purge_sessions]
progress:
  description:
    - The copy's progress at its end, C(bytes) moved (dump bytes), C(rows) (the source's estimate of
      the rows copied), C(seconds), C(rate) (bytes per second) and C(streams) (per step and stream,
      C(name), C(bytes), C(done)).
  returned: when loaded
  type: dict
  sample: {bytes: 412000000, rows: 1677720, seconds: 41.2, rate: 10000000, streams: [{name: data stream 1, bytes: 206000000, done: true}]}
occupied:
  description:
    - Schemas to load that already hold objects on the target, with their counts. With
      O(overwrite=false) the module fails and returns them; with O(overwrite=true) they were replaced
      (or would be, in check mode).
  returned: always
  type: dict
  sample: {shop: {tables: 12, views: 1, routines: 0, events: 0}}
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mysql_rds.replication.plugins.module_utils.client_options import OptionArg
from ansible_collections.mysql_rds.replication.plugins.module_utils.connection import (
    ConnectionConfigError, SqlError, connect, connection_argument_spec, connection_params, run, target_of)
from ansible_collections.mysql_rds.replication.plugins.module_utils.dialect import DialectError, detect
from ansible_collections.mysql_rds.replication.plugins.module_utils.copy_lock import busy_message, holder, take
from ansible_collections.mysql_rds.replication.plugins.module_utils.copy_progress import Progress, totals_sql
from ansible_collections.mysql_rds.replication.plugins.module_utils.dump_copy import (
    Copy, CopyFailed, Interrupted, copy, interruptible)
from ansible_collections.mysql_rds.replication.plugins.module_utils.dump_dialect import (
    SKIP_BINLOG_ALLOWED_SQL, SKIP_BINLOG_NEEDS, SKIP_BINLOG_OPTIONS, packet_options)
from ansible_collections.mysql_rds.replication.plugins.module_utils.dump_filter import DumpFilter
from ansible_collections.mysql_rds.replication.plugins.module_utils.load_inputs import input_problems
from ansible_collections.mysql_rds.replication.plugins.module_utils.load_settings import LoadSettings, recover
from ansible_collections.mysql_rds.replication.plugins.module_utils.masking import mask_text
from ansible_collections.mysql_rds.replication.plugins.module_utils.replication_status import read_binlog_position
from ansible_collections.mysql_rds.replication.plugins.module_utils.second_login import (
    deprecated_options, login_option, resolve)
from ansible_collections.mysql_rds.replication.plugins.module_utils.target_guard import (
    guard, largest_row, packet_guard, statement_size, target_packet)

SYSTEM_SCHEMAS = ('mysql', 'information_schema', 'performance_schema', 'sys')
# The deprecated flat options of the source login: connection option -> flat option (and its alias).
FLAT_SOURCE = dict(login_host='source_host', login_port='source_port', login_unix_socket='source_unix_socket',
                   login_user='source_user', login_password='source_password', ca_cert='source_ca_cert')
FLAT_ALIASES = dict((own, ['source_login_%s' % own[len('source_'):]]) for own in FLAT_SOURCE.values()
                    if own != 'source_ca_cert')


def argument_spec():
    spec = connection_argument_spec()
    spec.update(deprecated_options(FLAT_SOURCE, FLAT_ALIASES))
    spec.update(
        source_login=login_option(),
        read_coordinates=dict(type='bool', default=True),
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
        events=dict(type='str', choices=['keep', 'disable_on_replica'], default='keep'),
        progress_interval=dict(type='int', default=30),
        progress_path=dict(type='path'),
    )
    return spec


def schemas_to_copy(module, cursor):
    """The schemas to copy: ``databases`` (each must exist on the source) or every non-system one."""
    params = module.params
    try:
        existing = [row['Database'] for row in run(cursor, 'SHOW DATABASES')]
    except SqlError as exc:
        module.fail_json(msg=exc.message)
    if params['databases']:
        missing = sorted(set(params['databases']) - set(existing))
        if missing:
            module.fail_json(msg='schemas not found on the source: %s; fix databases.' % ', '.join(missing))
        return list(params['databases'])
    skip = set(SYSTEM_SCHEMAS) | set(params['exclude_databases'])
    return [name for name in existing if name not in skip]


def current_position(module, cursor):
    """The source's binlog position now ({file, position, gtid}; nothing to copy: any is a consistent start)."""
    try:
        position = read_binlog_position(cursor, detect(cursor))
    except (SqlError, DialectError) as exc:
        module.fail_json(msg='cannot read the binlog position of the source: %s' % getattr(exc, 'message', exc))
    if position is None:
        module.fail_json(msg='binary logging is off on the source: enable log_bin (or set read_coordinates=false).')
    return position


def read_source(module, source, packet):
    """(schemas to copy, the source's position when there is none to copy and read_coordinates,
    (bytes, table) of the largest row that could need more than the target's ``packet``)."""
    conn = connect(module, options=source)
    try:
        cursor = conn.cursor()
        databases = schemas_to_copy(module, cursor)
        position = None
        if not databases and module.params['read_coordinates']:
            position = current_position(module, cursor)
        try:
            biggest = largest_row(cursor, databases, packet)
            totals = (run(cursor, totals_sql(databases), databases) if databases else []) or [dict(size=0, n_rows=0)]
        except SqlError as exc:
            module.fail_json(msg='cannot measure the largest rows on the source: %s' % exc.message)
    finally:
        conn.close()
    return databases, position, biggest, totals[0]


def load_command(params, login, packet):
    command = [params['client_command'], OptionArg(login), '--binary-mode', '--batch'] + packet_options(packet)[1]
    if params['target_skip_binlog']:
        command.extend(SKIP_BINLOG_OPTIONS)
    return command


def skip_binlog_guard(module, cursor, target, user):
    """With target_skip_binlog, fail before any change unless the target's login may SET sql_log_bin
    (read from its grants: never tried, so an RDS target only ever gets this message)."""
    if not module.params['target_skip_binlog']:
        return
    try:
        held = run(cursor, SKIP_BINLOG_ALLOWED_SQL)[0]['held']
    except SqlError as exc:
        module.fail_json(msg='target_skip_binlog: cannot read the privileges of %s on %s: %s'
                             % (user, target, exc.message))
    if not held:
        module.fail_json(msg='target_skip_binlog: %s on %s may not load without binlogging (SET SESSION sql_log_bin=0 '
                             'needs %s, granted to the login itself). Grant it, or set target_skip_binlog=false to '
                             'load with binlogging. Nothing was changed.' % (user, target, SKIP_BINLOG_NEEDS))


def dump_base(params, login, packet):
    return [params['dump_command'], OptionArg(login)] + packet_options(packet)[0] + params['extra_dump_options']


def run_copy(module, copier, databases, drop_options, source, settings):
    """The copy between the target's settings and their restore (also on SIGTERM/SIGINT); the
    failure result or None."""
    params = module.params
    try:
        with interruptible():
            try:
                settings.set()
                copy(module, copier, databases, drop_options, source)
            finally:
                settings.put_back()
    except CopyFailed as exc:
        return exc.result
    except Interrupted as exc:
        return dict(msg='%s: the copy stopped, the target holds part of the data (run again with overwrite=true); '
                        'its load settings were put back.' % exc)
    except (IOError, OSError) as exc:
        return dict(msg='cannot run %s or %s: %s' % (params['dump_command'], params['client_command'],
                                                     mask_text(exc, copier.secrets)))
    return None


def event_clause(module, cursor):
    """The target's clause that creates an event disabled on a replica (events=disable_on_replica), or None."""
    if module.params['events'] != 'disable_on_replica':
        return None
    try:
        clause = detect(cursor).event_disable_on_replica_clause()
    except (SqlError, DialectError) as exc:
        module.fail_json(msg='events=disable_on_replica: %s' % getattr(exc, 'message', exc))
    if not clause:
        module.fail_json(msg='events=disable_on_replica: the target cannot disable an event on a replica; use events=keep.')
    return clause


def hold_copy_lock(module, cursor):
    """Refuse while another copy loads into the target; outside check mode, hold the lock from here on,
    on a connection of its own that stays open until the module ends (returned)."""
    try:
        if module.check_mode:
            running = holder(cursor)
            if running:
                module.fail_json(msg=busy_message(running))
            return None
        lock_conn = connect(module)
        take(lock_conn.cursor())
        return lock_conn
    except SqlError as exc:
        module.fail_json(msg=exc.message)


def recover_settings(module, cursor):
    """Put back the load settings an interrupted earlier run left on the target (recorded there)."""
    statements, warnings = recover(cursor, module.check_mode)
    for warning in warnings:
        module.warn('target_load_settings: %s' % warning)
    return statements


def main():
    module = AnsibleModule(argument_spec=argument_spec(), required_one_of=[('source_login', 'source_user')],
                           supports_check_mode=True)
    params = module.params
    problems = input_problems(module)
    if problems:
        module.fail_json(msg=' '.join(problems))
    source = resolve(module, 'source_login', FLAT_SOURCE)
    try:
        target_kwargs = connection_params(params)
        source_kwargs = connection_params(source)
    except ConnectionConfigError as exc:
        module.fail_json(msg=str(exc))
    secrets = [target_kwargs.get('password'), source_kwargs.get('password')]
    target = target_of(target_kwargs)
    definer_user = params['definer_user'] or '%s@%%' % target_kwargs.get('user')
    try:
        DumpFilter(params['definer'], definer_user)  # a bad definer setting fails before anything runs
    except ValueError as exc:
        module.fail_json(msg=str(exc))

    # Fail early (and in check mode) when the target is unreachable; the guard reads it (reads only).
    conn = connect(module)
    try:
        skip_binlog_guard(module, conn.cursor(), target, target_kwargs.get('user'))
        lock_conn = hold_copy_lock(module, conn.cursor())  # noqa: F841  pylint: disable=unused-variable  # held till exit
        recovered = recover_settings(module, conn.cursor())
        try:
            packet, may_set = target_packet(conn.cursor())
        except SqlError as exc:
            module.fail_json(msg='cannot read max_allowed_packet on the target: %s' % exc.message)
        databases, position, (biggest, where), totals = read_source(module, source, packet)
        occupied = guard(module, conn.cursor(), databases, target, source_kwargs)
        raise_to = packet_guard(module, packet, may_set, biggest, where)
        clause = event_clause(module, conn.cursor())
    finally:
        conn.close()
    packet_report = dict(target=packet, needed=statement_size(biggest) if where else 0, largest_row=biggest, table=where)
    if not databases:
        # An empty source: nothing to load, replication starts from where the source is now.
        module.exit_json(changed=bool(recovered and not module.check_mode), databases=[], coordinates=position, bytes_loaded=0, definers_changed=0,
                         dropped_statements=[], dump_command=[], dump_commands=[], occupied={}, queries=[],
                         streams=0, lock_seconds=0.0, load_settings=[])

    drop_options = ['--add-drop-database'] if params['drop_databases'] else []
    settings = LoadSettings(module, lambda: connect(module), target, raise_to)
    packet = max(packet, raise_to.get('max_allowed_packet', 0))
    copier = Copy(module, dump_base(params, source_kwargs, packet), load_command(params, target_kwargs, packet),
                  secrets, definer_user, params['read_coordinates'], clause)
    if module.check_mode:
        settings.set()  # reads the target's variables only
        copier.shown(copier.one_stream_command(databases, drop_options))
        module.exit_json(changed=True, databases=databases, dump_command=copier.commands[0], occupied=occupied,
                         queries=recovered + settings.set_queries + copier.queries + settings.restore_queries,
                         load_settings=settings.report(), max_allowed_packet=packet_report)

    copier.progress = Progress(params['progress_path'], min(5.0, max(0.5, params['progress_interval'] / 2.0)),
                               totals['size'], totals['n_rows']).start()
    try:
        failure = run_copy(module, copier, databases, drop_options, source, settings)
    finally:
        progress = copier.progress.stop()
    queries = recovered + settings.set_queries + copier.queries + settings.restore_queries
    if failure:
        module.fail_json(changed=copier.started or bool(recovered), databases=databases, queries=queries,
                         max_allowed_packet=packet_report, progress=progress, **failure)

    coordinates = None
    if params['read_coordinates']:
        coordinates = copier.coordinates or {}
        if not coordinates.get('file') and not coordinates.get('gtid'):
            module.fail_json(msg='the dump carries no binlog coordinates: enable log_bin on the source '
                                 '(or set read_coordinates=false).', databases=databases, queries=queries)
        coordinates = dict(file=coordinates.get('file'), position=coordinates.get('position'),
                           gtid=coordinates.get('gtid') or '')
    module.exit_json(changed=True, coordinates=coordinates, databases=databases, bytes_loaded=copier.written,
                     definers_changed=copier.definers, dropped_statements=copier.dropped,
                     dump_command=copier.commands[0], dump_commands=copier.commands, occupied=occupied,
                     streams=copier.streams, lock_seconds=round(copier.lock_seconds, 3), queries=queries,
                     load_settings=settings.report(), max_allowed_packet=packet_report,
                     events_disabled=copier.events_disabled, progress=progress)


if __name__ == '__main__':
    main()
