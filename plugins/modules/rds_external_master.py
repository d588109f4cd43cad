#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: rds_external_master
short_description: Make an RDS instance replicate from an external (self-managed) source
version_added: 1.0.0
description:
  - Configures, starts, stops or removes inbound replication on an Amazon RDS (MySQL, MariaDB)
    or Aurora MySQL instance, only through the C(mysql.rds_*) procedures (RDS refuses
    C(CHANGE MASTER) to its master user).
  - Reads the current configuration first (C(mysql.rds_replica_status) on RDS for MariaDB 10.5+,
    C(SHOW REPLICA/SLAVE STATUS) elsewhere). The configuration I(matches) when source host,
    port, user and O(ssl) match; coordinates are only a starting point and are not compared.
  - When it must change, replication is stopped, the source set, and started again as O(state)
    asks. Procedure names follow the engine (C(rds_set_external_source) on MySQL 8.4+ and Aurora
    MySQL v3, C(rds_set_external_master) elsewhere).
  - Right after a start, the module watches the replica for a few seconds and fails with the
    replica's error and the fix (wrong password, unknown or purged binlog, TLS refused).
  - Connect as the RDS master user.
options:
  state:
    description:
      - V(present) configures the source and leaves the threads as found (running or stopped).
        If replication is running from another source, it fails unless O(force=true)
        (then it stops, sets and restarts), because repointing a running replica is
        disruptive; use V(started) to say so explicitly.
      - V(started) configures when needed and makes sure replication runs.
      - V(stopped) stops replication; with O(source_host) it also makes sure the source is configured.
      - V(absent) stops replication and forgets the source (C(rds_reset_external_master/source)).
    type: str
    choices: [present, started, stopped, absent]
    default: started
  source_host:
    description: Address of the source as the RDS instance reaches it. Required for V(present) and V(started).
    type: str
  source_port:
    description: Port of the source.
    type: int
    default: 3306
  source_user:
    description: Replication account on the source (needs C(REPLICATION SLAVE)). Required for V(present) and V(started).
    type: str
  source_password:
    description:
      - Password of O(source_user). Never logged; shown as C(********) in RV(procedures) and diffs.
      - Required when the source must be (re)configured. RDS cannot show it, so a password change
        alone is not detected; use O(force=true) to push a new one.
    type: str
  source_log_file:
    description: Binary log file on the source to start from (with O(source_log_pos)).
    type: str
  source_log_pos:
    description: Position in O(source_log_file) to start from.
    type: int
  source_gtid:
    description: MariaDB GTID position to start from (for example C(0-13304-1234)); RDS for MariaDB only.
    type: str
  source_auto_position:
    description: Use MySQL GTID auto-positioning instead of coordinates; RDS for MySQL / Aurora MySQL only.
    type: bool
    default: false
  ssl:
    description:
      - Encrypt the replication connection (C(ssl_encryption) of the procedure). RDS never verifies
        the source certificate; make the replication user C(REQUIRE SSL).
    type: bool
    default: true
  delay:
    description:
      - Seconds the replica stays behind (MySQL C(*_with_delay) procedures). Not available on RDS
        for MariaDB; omit or set 0 there.
    type: int
  force:
    description: Reconfigure even when the configuration matches (for example to change the password or coordinates).
    type: bool
    default: false
  wait:
    description: After starting, wait until both threads run and lag is at most O(max_lag).
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait with O(wait).
    type: int
    default: 600
  max_lag:
    description: Largest C(seconds_behind_source) accepted by O(wait).
    type: int
    default: 0
extends_documentation_fragment:
  - mysql_rds.replication.connection
attributes:
  check_mode:
    support: full
    description: In check mode the status is read and the procedure calls only reported.
  diff_mode:
    support: full
    description: Shows the replication settings before and after, password masked.
author:
  - mysql_rds.replication contributors (@mysql_rds)
'''

EXAMPLES = r'''
- name: Replicate the RDS target from the self-managed source (file/position from the dump)
  mysql_rds.replication.rds_external_master:
    login_host: target.abcdefghijkl.eu-west-1.rds.amazonaws.com
    login_user: admin
    login_password: "{{ rds_admin_password }}"
    ca_cert: /etc/ssl/rds/global-bundle.pem
    source_host: db1.example.internal
    source_port: 3306
    source_user: repl_rds
    source_password: "{{ repl_password }}"
    source_log_file: mysql-bin.000042
    source_log_pos: 1337
    ssl: true
    state: started
    wait: true
    wait_timeout: 1800
    max_lag: 5

- name: Same with a MariaDB GTID starting point
  mysql_rds.replication.rds_external_master:
    login_host: target.abcdefghijkl.eu-west-1.rds.amazonaws.com
    login_user: admin
    login_password: "{{ rds_admin_password }}"
    source_host: db1.example.internal
    source_user: repl_rds
    source_password: "{{ repl_password }}"
    source_gtid: 0-13304-1872

- name: Stop replication before the cutover
  mysql_rds.replication.rds_external_master:
    login_host: target.abcdefghijkl.eu-west-1.rds.amazonaws.com
    login_user: admin
    login_password: "{{ rds_admin_password }}"
    state: stopped

- name: Promote - forget the external source
  mysql_rds.replication.rds_external_master:
    login_host: target.abcdefghijkl.eu-west-1.rds.amazonaws.com
    login_user: admin
    login_password: "{{ rds_admin_password }}"
    state: absent
'''

RETURN = r'''
status:
  description: Normalized replica status after the run (keys as in docs/design.md).
  returned: always
  type: dict
  sample: {configured: true, io_running: "Yes", sql_running: "Yes", source_host: db1.example.internal,
           source_port: 3306, source_user: repl_rds, seconds_behind_source: 0, last_io_errno: 0}
before:
  description: Replication settings before the run (password masked).
  returned: always
  type: dict
  sample: {state: absent}
after:
  description: Replication settings after the run (in check mode, what they would be).
  returned: always
  type: dict
  sample: {state: running, source_host: db1.example.internal, source_port: 3306,
           source_user: repl_rds, source_password: "********", ssl: true}
lag:
  description: Seconds behind the source after the run (null when unknown).
  returned: always
  type: int
  sample: 0
procedures:
  description: Procedure calls made (or that would be made in check mode), password masked.
  returned: always
  type: list
  elements: str
  sample: ["CALL mysql.rds_stop_replication()",
           "CALL mysql.rds_set_external_master('db1.example.internal', 3306, 'repl_rds', '********', 'mysql-bin.000042', 1337, 1)",
           "CALL mysql.rds_start_replication()"]
dialect:
  description: Engine detected.
  returned: always
  type: dict
  sample: {flavor: mariadb, version: 10.11.9, name: MariaDB 10.11.9}
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mysql_rds.replication.plugins.module_utils.connection import (
    connect, connection_argument_spec, run)
from ansible_collections.mysql_rds.replication.plugins.module_utils.dialect import DialectError, detect
from ansible_collections.mysql_rds.replication.plugins.module_utils.errors import SqlError
from ansible_collections.mysql_rds.replication.plugins.module_utils.masking import MASK, render_query
from ansible_collections.mysql_rds.replication.plugins.module_utils.replication_status import (
    ReplicationWaitError, check_started, lag, read_status, run_state, threads_running,
    wait_until_caught_up)


def argument_spec():
    spec = connection_argument_spec()
    spec.update(
        state=dict(type='str', default='started', choices=['present', 'started', 'stopped', 'absent']),
        source_host=dict(type='str'),
        source_port=dict(type='int', default=3306),
        source_user=dict(type='str'),
        source_password=dict(type='str', no_log=True),
        source_log_file=dict(type='str'),
        source_log_pos=dict(type='int'),
        source_gtid=dict(type='str'),
        source_auto_position=dict(type='bool', default=False),
        ssl=dict(type='bool', default=True),
        delay=dict(type='int'),
        force=dict(type='bool', default=False),
        wait=dict(type='bool', default=False),
        wait_timeout=dict(type='int', default=600),
        max_lag=dict(type='int', default=0),
    )
    return spec


MUTUALLY_EXCLUSIVE = [
    ['source_gtid', 'source_log_file'], ['source_gtid', 'source_log_pos'],
    ['source_auto_position', 'source_log_file'], ['source_auto_position', 'source_gtid'],
]


def validate(params):
    """Errors the module can tell before touching the server (list of messages)."""
    problems = []
    if bool(params.get('source_log_file')) != (params.get('source_log_pos') is not None):
        problems.append('source_log_file and source_log_pos go together: give both (from SHOW MASTER STATUS '
                        'or the dump header) or neither.')
    if params.get('source_log_pos') is not None and params['source_log_pos'] < 4:
        problems.append('source_log_pos must be 4 or more (a binlog starts at 4).')
    if params['state'] in ('present', 'started'):
        for name in ('source_host', 'source_user'):
            if not params.get(name):
                problems.append('%s is required with state=%s.' % (name, params['state']))
    if params.get('delay') is not None and not 0 <= params['delay'] <= 86400:
        problems.append('delay must be between 0 and 86400 seconds.')
    if params.get('max_lag') is not None and params['max_lag'] < 0:
        problems.append('max_lag must be 0 or more.')
    return problems


def desired_settings(params):
    return dict(source_host=params['source_host'], source_port=params['source_port'],
                source_user=params['source_user'], ssl=params['ssl'])


def current_settings(status):
    """The comparable settings of a status (what 'matches' means), password masked."""
    if not status.get('configured'):
        return dict(state='absent')
    return dict(state=run_state(status), source_host=status['source_host'], source_port=status['source_port'],
                source_user=status['source_user'], source_password=MASK, ssl=status['ssl_allowed'],
                delay=status.get('sql_delay') or 0)


def matches(status, params):
    if not status.get('configured'):
        return False
    want = desired_settings(params)
    have = dict(source_host=status['source_host'], source_port=status['source_port'],
                source_user=status['source_user'], ssl=status['ssl_allowed'])
    if want != have:
        return False
    return params.get('delay') is None or params['delay'] == (status.get('sql_delay') or 0)


class Plan(object):
    """Procedure calls to make, as (sql, params), and the expected end state."""

    def __init__(self):
        self.calls = []
        self.end_state = None
        self.configure = False


def plan(dialect, status, params):
    """Decide the calls. Raises DialectError/ValueError with a message naming the fix."""
    result = Plan()
    state = params['state']
    running = threads_running(status)
    fully_running = status.get('io_running') in ('Yes', 'Connecting') and status.get('sql_running') == 'Yes'
    stop = ('CALL %s()' % dialect.rds_procedure('stop'), [])
    start = ('CALL %s()' % dialect.rds_procedure('start'), [])

    if state == 'absent':
        if status.get('configured') or running:
            result.calls.append(('CALL %s()' % dialect.rds_procedure('reset_external'), []))
        result.end_state = 'absent'
        return result

    must_configure = bool(params.get('source_host')) and (params['force'] or not matches(status, params))
    if must_configure:
        if params.get('source_password') is None:
            raise ValueError('source_password is required to (re)configure the source.')
        has_start_point = params.get('source_log_file') or params.get('source_gtid') or params['source_auto_position']
        if not has_start_point:
            raise ValueError('the source must be (re)configured but no starting point was given: set '
                             'source_log_file+source_log_pos (or source_gtid on MariaDB, '
                             'source_auto_position on MySQL).')
        if state == 'present' and running and not params['force']:
            raise ValueError('replication is running from %s:%s as %s and differs from the requested source; '
                             'state=present does not repoint a running replica: use state=started (stop, set, '
                             'start) or force=true.' % (status['source_host'], status['source_port'],
                                                        status['source_user']))
        set_call = dialect.rds_set_external_call(
            params['source_host'], params['source_port'], params['source_user'], params['source_password'],
            log_file=params.get('source_log_file'), log_pos=params.get('source_log_pos'),
            gtid=params.get('source_gtid'), auto_position=params['source_auto_position'],
            ssl=params['ssl'], delay=params.get('delay'))
        if running:
            result.calls.append(stop)
        result.calls.append(set_call)
        result.configure = True
        restart = state == 'started' or (state == 'present' and running)
        if restart:
            result.calls.append(start)
        result.end_state = 'running' if restart else 'stopped'
        return result

    if state == 'started':
        if not status.get('configured'):
            raise ValueError('replication is not configured: give source_host, source_user, source_password '
                             'and a starting point.')
        if not fully_running:
            if running:
                result.calls.append(stop)
            result.calls.append(start)
        result.end_state = 'running'
    elif state == 'stopped':
        if running:
            result.calls.append(stop)
        result.end_state = 'stopped' if status.get('configured') else 'absent'
    else:
        result.end_state = run_state(status)
    return result


def predicted_settings(before, params, the_plan):
    if the_plan.end_state == 'absent':
        return dict(state='absent')
    after = dict(before)
    if the_plan.configure:
        after.update(desired_settings(params))
        after['source_password'] = MASK
        after['delay'] = params.get('delay') or 0
    after['state'] = the_plan.end_state
    return after


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True,
                           mutually_exclusive=MUTUALLY_EXCLUSIVE)
    params = module.params
    problems = validate(params)
    if problems:
        module.fail_json(msg=' '.join(problems))
    secrets = [params.get('source_password'), params.get('login_password')]

    conn = connect(module)
    cursor = conn.cursor()
    done = []
    dialect = None

    def read():
        return read_status(cursor, dialect, as_rds_master_user=True)

    def fail(msg, **extra):
        module.fail_json(msg=msg, changed=bool(done) and not module.check_mode, procedures=done, **extra)

    try:
        dialect = detect(cursor)
        status = read()
        before = current_settings(status)
        try:
            the_plan = plan(dialect, status, params)
        except (DialectError, ValueError) as exc:
            fail(str(exc), status=status)
        for sql, sql_params in the_plan.calls:
            if not module.check_mode:
                run(cursor, sql, sql_params, secrets=secrets)
            done.append(render_query(sql, sql_params, secrets))
        changed = bool(the_plan.calls)
        if module.check_mode:
            after = predicted_settings(before, params, the_plan)
        else:
            status = read()
            started = any('rds_start_replication' in call for call in done)
            if started:
                status = check_started(read)
            if params['wait'] and the_plan.end_state == 'running':
                status = wait_until_caught_up(read, params['wait_timeout'], params['max_lag'])
            after = current_settings(status)
    except SqlError as exc:
        fail(exc.message, errno=exc.errno, dialect=dialect.describe() if dialect else None)
    except ReplicationWaitError as exc:
        fail(str(exc), status=exc.status)
    finally:
        conn.close()

    module.exit_json(changed=changed, status=status, before=before, after=after, lag=lag(status),
                     procedures=done, dialect=dialect.describe(), diff=dict(before=before, after=after))


if __name__ == '__main__':
    main()
