#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: rds_load_dump
short_description: Stream a consistent dump of a self-managed source into RDS, returning its binlog coordinates
version_added: 0.1.0
description:
  - Runs C(mariadb-dump --single-transaction --master-data=2 --gtid --routines --triggers --events)
    against the self-managed source and pipes it, through a filter, into C(mariadb) connected to RDS
    as its master user (the O(login_user)). Nothing is written to disk unless O(dump_path) is set.
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
    type: str
    default: localhost
  source_port:
    description: TCP port of the source.
    type: int
    default: 3306
  source_unix_socket:
    description: Unix socket of the source (used instead of host/port when set).
    type: str
  source_user:
    description: Account on the source that may dump (SELECT, SHOW VIEW, TRIGGER, EVENT, RELOAD, BINLOG MONITOR).
    type: str
    required: true
  source_password:
    description: Password of O(source_user).
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
    description: Also write the filtered dump to this file (mode 0600). By default the stream is not kept.
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
  description: The dump command line (no password; it is in a temporary option file).
  returned: always
  type: list
  elements: str
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
from ansible_collections.mysql_rds.replication.plugins.module_utils.masking import mask_text
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


def load(module, dump_cmd, load_cmd, dump_filter, secrets):
    result = stream_between(dump_cmd, load_cmd, lambda source, sink: filter_stream(source, sink, dump_filter),
                            keep_path=module.params['dump_path'])
    if result.producer_rc != 0 or result.consumer_rc != 0:
        module.fail_json(
            msg='dump | filter | load failed (dump exit %s, load exit %s): %s %s'
                % (result.producer_rc, result.consumer_rc, mask_text(result.producer_stderr, secrets),
                   mask_text(result.consumer_stderr, secrets)),
            hint='error 1419/1227 on a routine or trigger: set log_bin_trust_function_creators=1 in the '
                 "RDS instance's parameter group; error 1045/2026: check the logins and ca_cert.")
    return result.written


def main():
    argument_spec = connection_argument_spec()
    argument_spec.update(
        source_host=dict(type='str', default='localhost'),
        source_port=dict(type='int', default=3306),
        source_unix_socket=dict(type='str'),
        source_user=dict(type='str', required=True),
        source_password=dict(type='str', no_log=True),
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
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
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

    dump_options = ['--single-transaction', '--master-data=2', '--gtid', '--routines', '--triggers',
                    '--events', '--hex-blob', '--quick'] + params['extra_dump_options']
    shown_dump = [params['dump_command'], '--defaults-extra-file=<tmp>'] + dump_options + ['--databases'] + databases
    if module.check_mode:
        module.exit_json(changed=True, databases=databases, dump_command=shown_dump, occupied=occupied)

    try:
        dump_filter = DumpFilter(params['definer'], params['definer_user'] or '%s@%%' % target_kwargs.get('user'))
    except ValueError as exc:
        module.fail_json(msg=str(exc))
    workdir = tempfile.mkdtemp(prefix='rds_load_dump.')
    try:
        source_cnf = option_file(workdir, 'source.cnf', source_kwargs)
        target_cnf = option_file(workdir, 'target.cnf', target_kwargs)
        dump_cmd = [params['dump_command'], '--defaults-extra-file=%s' % source_cnf] + dump_options
        dump_cmd += ['--databases'] + databases
        load_cmd = [params['client_command'], '--defaults-extra-file=%s' % target_cnf, '--binary-mode',
                    '--batch']
        try:
            written = load(module, dump_cmd, load_cmd, dump_filter, secrets)
        except (IOError, OSError) as exc:
            module.fail_json(msg='cannot run %s or %s: %s' % (params['dump_command'], params['client_command'],
                                                              mask_text(exc, secrets)))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    coordinates = dump_filter.coordinates
    if not coordinates['log_file'] and not coordinates['gtid']:
        module.fail_json(msg='the dump carries no binary log coordinates: enable log_bin on the source.',
                         databases=databases)
    module.exit_json(changed=True, coordinates=coordinates, databases=databases, bytes_loaded=written,
                     definers_changed=dump_filter.definers, dropped_statements=dump_filter.dropped,
                     dump_command=shown_dump, occupied=occupied)


if __name__ == '__main__':
    main()
