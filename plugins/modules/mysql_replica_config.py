#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: mysql_replica_config
short_description: Configure a self-managed MySQL/MariaDB replica of an RDS (or any) source
version_added: 1.0.0
description:
  - Configures, starts, stops or removes replication on a self-managed MySQL or MariaDB server with
    the change-source statement of its engine and version, the C(replicate-wild-ignore-table)
    filter that keeps RDS's own C(mysql.rds_*) writes out, and the C(replicate-wild-do-table) filter
    of a replica that holds only some of the source's schemas.
  - Compares what the server reports (source host, port, user, TLS files and checks, GTID mode,
    connect retry, delay, ignore and do filters, read_only) with what is asked and changes only the
    difference. Coordinates (file/position, GTID) are a starting point, applied only when the
    source is new or changes (or with O(force=true)).
  - The change-source statement and the filters need replication stopped, so the module stops it,
    applies, and starts it again as O(state) asks.
  - Right after a start, the module watches the replica for a few seconds and fails with the
    replica's error and the fix (wrong password, unknown or purged binlog, TLS refused).
options:
  state:
    description:
      - V(present) configures the source and leaves the threads as found (running or stopped).
        If replication is running and must change, it fails unless O(force=true) (then it stops,
        changes, and restarts), because reconfiguring a running replica is disruptive; V(started)
        says so explicitly.
      - V(started) configures when needed and makes sure replication runs. Without O(source_host)
        it starts the configured source (and fails when none is configured).
      - V(stopped) stops replication (and configures it first when O(source_host) is given). Without
        O(source_host) it stops the configured source (and fails when none is configured).
      - V(absent) stops replication and forgets the source (the engine's reset statement, C(ALL)).
    type: str
    choices: [present, started, stopped, absent]
    default: started
  source_host:
    description:
      - Address of the source (for RDS, the endpoint name). Required for V(present); with V(started)
        or V(stopped), omit it (and O(source_user)) to act on the configured source.
    type: str
  source_user:
    description: Replication account on the source. Goes with O(source_host).
    type: str
  source_password:
    description:
      - Password of O(source_user). Never logged; shown as C(********) in RV(queries) and diffs.
      - Sent when the source is configured (see O(update_password)).
    type: str
  update_password:
    description:
      - V(on_create) sends O(source_password) only when the source is new or changes (or O(force)).
      - V(always) sends it on every run; the server cannot show the stored password, so this
        always reports a change.
    type: str
    choices: [on_create, always]
    default: on_create
  source_gtid:
    description:
      - MariaDB only. V(current_pos) or V(slave_pos) (C(MASTER_USE_GTID)), or an explicit GTID
        position such as C(0-13301-2045), which sets the replica's GTID position and uses V(slave_pos).
    type: str
  source_auto_position:
    description: MySQL only. Use GTID auto-positioning (C(SOURCE_AUTO_POSITION=1)).
    type: bool
    default: false
  source_ssl:
    description:
      - Encrypt the replication connection.
      - The alias C(ssl) is deprecated.
    type: bool
    default: true
    aliases: [ssl]
  source_ssl_ca:
    description:
      - CA file, on the replica host, that signed the source certificate (for RDS the global bundle).
      - In 0.1.0 this option was C(ssl_ca); C(ssl_ca), C(ssl_cert) and C(ssl_key) are now aliases of
        the login options O(ca_cert), O(client_cert) and O(client_key), as in community.mysql.
    type: path
  source_ssl_cert:
    description: Client certificate file, on the replica host, for the replication connection.
    type: path
  source_ssl_key:
    description: Client key file, on the replica host, for the replication connection.
    type: path
  source_ssl_files_pending:
    description:
      - An earlier task of the play puts O(source_ssl_ca), O(source_ssl_cert) and O(source_ssl_key) in place.
        In check mode, where that task changed nothing, a missing one is then a warning and the plan is
        reported as the real run would make it. Real runs always fail on a missing file.
    type: bool
    default: false
  source_ssl_verify_server_cert:
    description:
      - Check the source certificate and that it names O(source_host). Defaults to true when
        O(source_ssl_ca) is given, false otherwise.
      - The alias C(ssl_verify_server_cert) is deprecated.
    type: bool
    aliases: [ssl_verify_server_cert]
  connect_retry:
    description: Seconds between reconnection attempts of the IO thread.
    type: int
  heartbeat_period:
    description:
      - Heartbeat interval in seconds. The server does not report it in the replica status, so it is
        only applied when the source configuration changes (or with O(force)).
    type: float
  delay:
    description: Seconds the replica stays behind the source (C(MASTER_DELAY)).
    type: int
  ignore_tables:
    description:
      - C(replicate-wild-ignore-table) patterns. The default keeps the C(mysql.rds_*) tables RDS
        writes (heartbeat, history) out of the replica; set to C([]) to replicate everything.
      - Applied online (MariaDB C(SET GLOBAL), MySQL C(CHANGE REPLICATION FILTER)); also put it
        in the server configuration so it survives a restart.
    type: list
    elements: str
    default: ['mysql.rds\_%']
  do_tables:
    description:
      - C(replicate-wild-do-table) patterns, C(db.table) with the wildcards C(%) and C(_) (a backslash
        makes a wildcard literal, as in C(my\_app.%)). Only matching tables replicate. C(db.%) also
        replicates that schema's C(CREATE/ALTER/DROP DATABASE). The default C([]) replicates every
        table and removes a filter set before.
      - Use it on a replica that holds only some schemas of the source, say C(app.%) after copying
        C(app). Without it, the first write to a schema the replica lacks stops its applier (error 1146).
        Routines and events are not tables, so creating one in a schema the replica lacks still stops it.
      - Applied online with O(ignore_tables) (which still applies); also put it in the server
        configuration (one C(replicate_wild_do_table) line per pattern) so it survives a restart.
    type: list
    elements: str
    default: []
  read_only:
    description: Set C(read_only) on the replica (omit to leave it as is).
    type: bool
  connection_name:
    description: MariaDB multi-source connection name; the default connection is V('').
    type: str
    default: ''
  force:
    description: Reconfigure even when the configuration matches (coordinates, password, heartbeat).
    type: bool
    default: false
extends_documentation_fragment:
  - mysql_rds.replication.connection
  - mysql_rds.replication.replica_source
attributes:
  check_mode:
    support: full
    description: In check mode the status is read and the statements only reported.
  diff_mode:
    support: full
    description: Shows the replication settings before and after, password masked.
author:
  - mysql_rds.replication contributors (@mysql_rds)
'''

EXAMPLES = r'''
- name: Replicate this server from the RDS source (coordinates of the read-replica snapshot)
  mysql_rds.replication.mysql_replica_config:
    login_user: dba
    login_password: "{{ dba_password }}"
    source_host: mydb.abcdefghijkl.eu-west-1.rds.amazonaws.com
    source_port: 3306
    source_user: repl_onprem
    source_password: "{{ repl_password }}"
    source_coordinates: {file: mysql-bin-changelog.000215, position: 154, gtid: ''}
    source_ssl_ca: /etc/mysql/rds-global-bundle.pem
    source_ssl_verify_server_cert: true
    read_only: true
    state: started
    wait: true
    max_lag: 10

- name: MariaDB replica that follows the source by GTID
  mysql_rds.replication.mysql_replica_config:
    login_unix_socket: /run/mysqld/mysqld.sock
    source_host: db1.example.internal
    source_user: repl
    source_password: "{{ repl_password }}"
    source_gtid: 0-13301-2045
    connect_retry: 10
    heartbeat_period: 5

- name: Replicate only the schemas app and billing (the others were not copied)
  mysql_rds.replication.mysql_replica_config:
    login_user: dba
    login_password: "{{ dba_password }}"
    do_tables: ['app.%', 'billing.%']
    state: started

- name: Pause replication (the configured source)
  mysql_rds.replication.mysql_replica_config:
    login_user: dba
    login_password: "{{ dba_password }}"
    state: stopped

- name: Resume it
  mysql_rds.replication.mysql_replica_config:
    login_user: dba
    login_password: "{{ dba_password }}"
    state: started

- name: Forget the source
  mysql_rds.replication.mysql_replica_config:
    login_user: dba
    login_password: "{{ dba_password }}"
    state: absent
'''

RETURN = r'''
status:
  description: Normalized replica status after the run (keys as in docs/design.md).
  returned: always
  type: dict
  sample: {configured: true, io_running: "Yes", sql_running: "Yes", source_host: mydb.abcdefghijkl.eu-west-1.rds.amazonaws.com,
           source_port: 3306, seconds_behind_source: 0, replicate_wild_ignore_table: ['mysql.rds\_%'],
           replicate_wild_do_table: []}
before:
  description: Replication settings before the run (password masked).
  returned: always
  type: dict
  sample: {state: absent, read_only: false, ignore_tables: [], do_tables: []}
after:
  description: Replication settings after the run (in check mode, what they would be).
  returned: always
  type: dict
  sample: {state: running, source_host: mydb.abcdefghijkl.eu-west-1.rds.amazonaws.com, source_port: 3306,
           source_user: repl_onprem, source_password: "********", source_ssl: true, read_only: true}
lag:
  description: Seconds behind the source after the run (null when unknown).
  returned: always
  type: int
  sample: 0
queries:
  description:
    - Statements run (or that would run in check mode), in order, passwords masked (stop,
      change-source, filters, start, as needed, in the server's words).
  returned: always
  type: list
  elements: str
dialect:
  description: Engine detected.
  returned: always
  type: dict
  sample: {flavor: mariadb, version: 10.11.9, name: MariaDB 10.11.9}
'''

import os
import re

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mysql_rds.replication.plugins.module_utils.connection import run
from ansible_collections.mysql_rds.replication.plugins.module_utils.dialect import (
    MARIADB_GTID_MODES, DialectError, detect)
from ansible_collections.mysql_rds.replication.plugins.module_utils.errors import SqlError
from ansible_collections.mysql_rds.replication.plugins.module_utils.masking import MASK
from ansible_collections.mysql_rds.replication.plugins.module_utils.replica_options import (
    MUTUALLY_EXCLUSIVE, ReplicaRun, coordinate_problems, deprecated_alias, fail_on_problems, fully_running,
    has_start_point, limit_problems, no_source_message, required_problems, resolve_start_point,
    source_argument_spec)
from ansible_collections.mysql_rds.replication.plugins.module_utils.replica_settings import (
    full_settings, identity_differs, setting_changes)
from ansible_collections.mysql_rds.replication.plugins.module_utils.replication_status import (
    normalize_status, read_status, run_state, threads_running)

DEFAULT_IGNORE = ['mysql.rds\\_%']
GTID_RE = re.compile(r'^\d+-\d+-\d+(,\s*\d+-\d+-\d+)*$')
NO_CONNECTION = 1617  # MariaDB: There is no master connection 'x'


def argument_spec():
    spec = source_argument_spec()
    spec.update(
        update_password=dict(type='str', default='on_create', choices=['on_create', 'always'], no_log=False),
        source_ssl_ca=dict(type='path'),
        source_ssl_cert=dict(type='path'),
        source_ssl_key=dict(type='path', no_log=False),
        source_ssl_files_pending=dict(type='bool', default=False),
        source_ssl_verify_server_cert=dict(type='bool', aliases=['ssl_verify_server_cert'],
                                           deprecated_aliases=[deprecated_alias('ssl_verify_server_cert')]),
        connect_retry=dict(type='int'),
        heartbeat_period=dict(type='float'),
        ignore_tables=dict(type='list', elements='str', default=list(DEFAULT_IGNORE)),
        do_tables=dict(type='list', elements='str', default=[]),
        read_only=dict(type='bool'),
        connection_name=dict(type='str', default=''),
    )
    return spec


def validate(params, check_mode=False):
    """Errors the module can tell before touching the server (list of messages)."""
    problems = coordinate_problems(params)
    gtid = params.get('source_gtid')
    if gtid and gtid.lower() not in MARIADB_GTID_MODES and not GTID_RE.match(gtid):
        problems.append('source_gtid must be current_pos, slave_pos, no, or a MariaDB GTID list like '
                        '0-13301-2045 (got %r).' % gtid)
    problems += required_problems(params)
    if bool(params.get('source_ssl_cert')) != bool(params.get('source_ssl_key')):
        problems.append('source_ssl_cert and source_ssl_key go together.')
    if (params.get('source_ssl_ca') or params.get('source_ssl_cert')) and not params['source_ssl']:
        problems.append('source_ssl_ca/source_ssl_cert/source_ssl_key need source_ssl=true.')
    if not (check_mode and params.get('source_ssl_files_pending')):
        problems += missing_tls_files(params)
    if params.get('connect_retry') is not None and params['connect_retry'] < 1:
        problems.append('connect_retry must be 1 or more seconds (got %s).' % params['connect_retry'])
    if params.get('heartbeat_period') is not None and not 0 <= params['heartbeat_period'] <= 4294967:
        problems.append('heartbeat_period must be between 0 (off) and 4294967 seconds (got %s).'
                        % params['heartbeat_period'])
    for option in ('ignore_tables', 'do_tables'):
        blank = [item for item in params.get(option) or [] if not item.strip() or item != item.strip()]
        if blank:
            problems.append('%s has empty or space-padded entries %r (a comma-separated string with blanks?): '
                            'give db.table patterns only, without spaces.' % (option, blank))
    odd = [item for item in params.get('do_tables') or [] if item.strip() and ('.' not in item or ',' in item)]
    if odd:
        problems.append('do_tables entries must be db.table patterns without commas, such as app.%% (got %r).' % odd)
    return problems + limit_problems(params)


def missing_tls_files(params):
    """The channel's TLS files are read by the server: checked here only when it runs on this host."""
    return ['file not found: %s=%s (fix the path; the server reads it when it connects to the source).'
            % (name, params[name]) for name in absent_tls_options(params)]


def absent_tls_options(params):
    local = params.get('login_unix_socket') or params.get('login_host') in ('localhost', '127.0.0.1', '::1')
    return [name for name in ('source_ssl_ca', 'source_ssl_cert', 'source_ssl_key')
            if local and params.get(name) and not os.path.exists(params[name])]


def settings_view(status, read_only):
    """Comparable settings for diffs (password masked)."""
    view = dict(state=run_state(status), read_only=read_only,
                ignore_tables=list(status.get('replicate_wild_ignore_table') or []),
                do_tables=list(status.get('replicate_wild_do_table') or []))
    if status.get('configured'):
        view.update(source_host=status['source_host'], source_port=status['source_port'],
                    source_user=status['source_user'], source_password=MASK, source_ssl=status['ssl_allowed'],
                    source_ssl_ca=status.get('ssl_ca_file'),
                    source_ssl_verify_server_cert=status['ssl_verify_server_cert'],
                    using_gtid=status['using_gtid'], connect_retry=status['connect_retry'],
                    delay=status['sql_delay'])
    return view


class Plan(object):
    def __init__(self):
        self.statements = []   # (sql, params) run with replication stopped
        self.stop = False
        self.start = False
        self.end_state = None
        self.change = {}
        self.read_only = None


def source_statements(dialect, status, params, result):
    """The change-source statements (into ``result``) when source_host is given."""
    name = params['connection_name']
    renew = params['force'] or identity_differs(status, params)
    if renew:
        if params.get('source_password') is None:
            raise ValueError('source_password is required to configure a new source.')
        if not has_start_point(params):
            raise ValueError('the source is new or changes but no starting point was given: set '
                             'source_coordinates, or source_log_file+source_log_pos, or source_gtid (MariaDB), or '
                             'source_auto_position=true (MySQL).')
        result.change = full_settings(dialect, params)
    else:
        result.change = setting_changes(dialect, status, params)
        if params['update_password'] == 'always' and params.get('source_password') is not None:
            result.change['password'] = params['source_password']
    gtid = params.get('source_gtid')
    if renew and gtid and gtid.lower() not in MARIADB_GTID_MODES:
        result.statements.append(dialect.set_replica_gtid_statement(gtid))
    if result.change:
        result.statements.append(dialect.change_statement(result.change, name))


def plan(dialect, status, params, current_read_only):
    """Decide the statements. Raises DialectError/ValueError naming the fix."""
    result = Plan()
    name = params['connection_name']
    state = params['state']
    running = threads_running(status)

    if params.get('read_only') is not None and bool(params['read_only']) != current_read_only:
        result.read_only = bool(params['read_only'])

    if state == 'absent':
        if status.get('configured') or running:
            result.stop = running
            result.statements.append(dialect.reset_statement(name))
        result.end_state = 'absent'
        return result

    params = resolve_start_point(dialect, params)
    if params.get('source_gtid') and not dialect.is_mariadb:
        raise DialectError('source_gtid (MariaDB GTID) does not exist on %s: use source_auto_position=true '
                           'or source_log_file/source_log_pos.' % dialect.name)
    if params['source_auto_position'] and dialect.is_mariadb:
        raise DialectError('MariaDB has no auto-position: use source_gtid=slave_pos (or current_pos, or an '
                           'explicit GTID such as 0-13301-2045).')

    configured_after = status.get('configured')
    if params.get('source_host'):
        source_statements(dialect, status, params, result)
        configured_after = True
    elif not configured_after:
        raise ValueError(no_source_message(state))

    if configured_after and list(status.get('replicate_wild_ignore_table') or []) != list(params['ignore_tables']):
        result.statements.append(dialect.wild_ignore_statement(params['ignore_tables'], name))
    if configured_after and list(status.get('replicate_wild_do_table') or []) != list(params['do_tables']):
        result.statements.append(dialect.wild_do_statement(params['do_tables'], name))

    if result.statements and running:
        if state == 'present' and not params['force']:
            raise ValueError('replication is running and its configuration must change; state=present does not '
                             'stop a running replica: use state=started (stop, change, start) or force=true.')
        result.stop = True
    want_running = state == 'started' or (state == 'present' and running)
    if state == 'stopped':
        result.stop = running
        want_running = False
    if want_running and (result.stop or not fully_running(status)):
        if running and not result.stop:
            result.stop = True  # half-running (one thread died): restart both
        result.start = True
    result.end_state = 'running' if want_running else 'stopped'
    return result


def read_replica_status(cursor, dialect, name):
    try:
        return read_status(cursor, dialect, connection_name=name)
    except SqlError as exc:
        if exc.errno == NO_CONNECTION:
            return normalize_status(None)
        raise


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True,
                           mutually_exclusive=MUTUALLY_EXCLUSIVE)
    fail_on_problems(module, lambda params: validate(params, module.check_mode))
    params = module.params
    if module.check_mode and params['source_ssl_files_pending']:
        for name in absent_tls_options(params):
            module.warn('%s=%s does not exist yet (source_ssl_files_pending): the plan assumes the task that puts it '
                        'in place runs first; without it a real run fails.' % (name, params[name]))
    name = params['connection_name']
    replica = ReplicaRun(module)

    def read():
        return read_replica_status(replica.cursor, replica.dialect, name)

    try:
        replica.dialect = dialect = detect(replica.cursor)
        status = read()
        read_only = bool(int(run(replica.cursor, 'SELECT @@global.read_only AS ro')[0]['ro']))
        before = settings_view(status, read_only)
        try:
            the_plan = plan(dialect, status, params, read_only)
        except (DialectError, ValueError) as exc:
            replica.fail(str(exc), status=status)
        if the_plan.read_only is not None:
            replica.execute('SET GLOBAL read_only = %s', [int(the_plan.read_only)])
            read_only = the_plan.read_only
        if the_plan.stop:
            replica.execute(*dialect.stop_statement(name))
        for sql, sql_params in the_plan.statements:
            replica.execute(sql, sql_params)
        if the_plan.start:
            replica.execute(*dialect.start_statement(name))
        if module.check_mode:
            after = predicted_view(before, params, the_plan, read_only)
        else:
            status = replica.settle(read, the_plan.start, the_plan.end_state)
            after = settings_view(status, read_only)
    except Exception as exc:  # pylint: disable=broad-except
        replica.fail_on(exc)  # masked, never a traceback that could carry a secret
    finally:
        replica.close()
    replica.exit(status, before, after)


def predicted_view(before, params, the_plan, read_only):
    if the_plan.end_state == 'absent':
        return dict(state='absent', read_only=read_only, ignore_tables=before['ignore_tables'],
                    do_tables=before['do_tables'])
    after = dict(before)
    if params.get('source_host'):
        after.update(source_host=params['source_host'], source_port=params['source_port'],
                     source_user=params['source_user'], source_password=MASK, source_ssl=params['source_ssl'])
    after.update(state=the_plan.end_state, read_only=read_only, ignore_tables=list(params['ignore_tables']),
                 do_tables=list(params['do_tables']))
    return after


if __name__ == '__main__':
    main()
