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
    or Aurora MySQL instance, only through the RDS replication procedures (RDS refuses the
    change-source statement to its master user).
  - Reads the replica's status first (through the RDS procedure that shows it where the master
    user may not read it directly). The configuration I(matches) when source host, port, user and
    O(source_ssl) match; coordinates are only a starting point and are not compared.
  - When it must change, replication is stopped, the source set, and started again as O(state)
    asks. The procedure names follow the engine and version (the C(*_source) names on MySQL 8.4+
    and Aurora MySQL v3, the C(*_master) names elsewhere).
  - Right after a start, the module watches the replica for a few seconds and fails with the
    replica's error and the fix (wrong password, unknown or purged binlog, TLS refused).
  - V(started) and V(stopped) without O(source_host) act on the source already configured, which
    also pauses and resumes an RDS read replica (whose source RDS manages).
  - Connect as the RDS master user.
options:
  state:
    description:
      - V(present) configures the source and leaves the threads as found (running or stopped).
        If replication is running from another source, it fails unless O(force=true)
        (then it stops, sets and restarts), because repointing a running replica is
        disruptive; use V(started) to say so explicitly.
      - V(started) configures when needed and makes sure replication runs. Without O(source_host)
        it starts the configured source (and fails when none is configured).
      - V(stopped) stops replication; with O(source_host) it also makes sure the source is configured.
        Without it, it stops the configured source (and fails when none is configured).
      - V(absent) stops replication and forgets the source.
    type: str
    choices: [present, started, stopped, absent]
    default: started
  source_host:
    description:
      - Address of the source as the RDS instance reaches it. Required for V(present); with
        V(started) or V(stopped), omit it (and O(source_user)) to act on the configured source.
    type: str
  source_user:
    description: Replication account on the source (needs C(REPLICATION SLAVE)). Goes with O(source_host).
    type: str
  source_password:
    description:
      - Password of O(source_user). Never logged; shown as C(********) in RV(queries) and diffs.
      - Required when the source must be (re)configured. RDS cannot show it, so a password change
        alone is not detected; use O(force=true) to push a new one.
    type: str
  source_gtid:
    description: MariaDB GTID position to start from (for example C(0-13304-1234)); RDS for MariaDB only.
    type: str
  source_auto_position:
    description: Use MySQL GTID auto-positioning instead of coordinates; RDS for MySQL / Aurora MySQL only.
    type: bool
    default: false
  source_ssl:
    description:
      - Encrypt the replication connection (C(ssl_encryption) of the procedure). RDS never verifies
        the source certificate; make the replication user C(REQUIRE SSL).
      - The alias C(ssl) is deprecated.
    type: bool
    default: true
    aliases: [ssl]
  delay:
    description:
      - Seconds the replica stays behind (MySQL C(*_with_delay) procedures). Not available on RDS
        for MariaDB; omit or set 0 there.
    type: int
  force:
    description: Reconfigure even when the configuration matches (for example to change the password or coordinates).
    type: bool
    default: false
extends_documentation_fragment:
  - mysql_rds.replication.connection
  - mysql_rds.replication.replica_source
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
- name: Replicate the RDS target from the self-managed source (coordinates returned by rds_load_dump)
  mysql_rds.replication.rds_external_master:
    login_host: target.abcdefghijkl.eu-west-1.rds.amazonaws.com
    login_user: admin
    login_password: "{{ rds_admin_password }}"
    ca_cert: /etc/ssl/rds/global-bundle.pem
    source_host: db1.example.internal
    source_port: 3306
    source_user: repl_rds
    source_password: "{{ repl_password }}"
    source_coordinates: "{{ load.coordinates }}"
    source_ssl: true
    state: started
    wait: true
    wait_timeout: 1800
    max_lag: 5

- name: Same from an explicit file and position
  mysql_rds.replication.rds_external_master:
    login_host: target.abcdefghijkl.eu-west-1.rds.amazonaws.com
    login_user: admin
    login_password: "{{ rds_admin_password }}"
    source_host: db1.example.internal
    source_user: repl_rds
    source_password: "{{ repl_password }}"
    source_log_file: mysql-bin.000042
    source_log_pos: 1337

- name: Start from the GTID of the coordinates (MariaDB GTID, or auto-position on MySQL)
  mysql_rds.replication.rds_external_master:
    login_host: target.abcdefghijkl.eu-west-1.rds.amazonaws.com
    login_user: admin
    login_password: "{{ rds_admin_password }}"
    source_host: db1.example.internal
    source_user: repl_rds
    source_password: "{{ repl_password }}"
    source_coordinates: {file: mysql-bin.000042, position: 1337, gtid: 0-13304-1872}
    source_use_gtid: true

- name: Pause the configured replication (also an RDS read replica's)
  mysql_rds.replication.rds_external_master:
    login_host: target.abcdefghijkl.eu-west-1.rds.amazonaws.com
    login_user: admin
    login_password: "{{ rds_admin_password }}"
    state: stopped

- name: Resume it
  mysql_rds.replication.rds_external_master:
    login_host: target.abcdefghijkl.eu-west-1.rds.amazonaws.com
    login_user: admin
    login_password: "{{ rds_admin_password }}"
    state: started

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
           source_user: repl_rds, source_password: "********", source_ssl: true}
lag:
  description: Seconds behind the source after the run (null when unknown).
  returned: always
  type: int
  sample: 0
queries:
  description:
    - Procedure calls made (or that would be made in check mode), in order, password masked
      (stop, set the source with its arguments, start, as needed).
  returned: always
  type: list
  elements: str
procedures:
  description:
    - Deprecated, the same list as RV(queries); will be removed in 0.3.0.
  returned: always
  type: list
  elements: str
  sample: []
dialect:
  description: Engine detected.
  returned: always
  type: dict
  sample: {flavor: mariadb, version: 10.11.9, name: MariaDB 10.11.9}
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mysql_rds.replication.plugins.module_utils.dialect import DialectError, detect
from ansible_collections.mysql_rds.replication.plugins.module_utils.masking import MASK
from ansible_collections.mysql_rds.replication.plugins.module_utils.replica_options import (
    MUTUALLY_EXCLUSIVE, ReplicaRun, coordinate_problems, fail_on_problems, fully_running, has_start_point,
    limit_problems, no_source_message, required_problems, resolve_start_point, source_argument_spec)
from ansible_collections.mysql_rds.replication.plugins.module_utils.replication_status import (
    read_status, run_state, threads_running)


def argument_spec():
    return source_argument_spec()


def validate(params):
    """Errors the module can tell before touching the server (list of messages)."""
    return coordinate_problems(params) + required_problems(params) + limit_problems(params)


def desired_settings(params):
    return dict(source_host=params['source_host'], source_port=params['source_port'],
                source_user=params['source_user'], source_ssl=params['source_ssl'])


def current_settings(status):
    """The comparable settings of a status (what 'matches' means), password masked."""
    if not status.get('configured'):
        return dict(state='absent')
    return dict(state=run_state(status), source_host=status['source_host'], source_port=status['source_port'],
                source_user=status['source_user'], source_password=MASK, source_ssl=status['ssl_allowed'],
                delay=status.get('sql_delay') or 0)


def matches(status, params):
    if not status.get('configured'):
        return False
    want = desired_settings(params)
    have = dict(source_host=status['source_host'], source_port=status['source_port'],
                source_user=status['source_user'], source_ssl=status['ssl_allowed'])
    if want != have:
        return False
    return params.get('delay') is None or params['delay'] == (status.get('sql_delay') or 0)


class Plan(object):
    """Procedure calls to make, as (sql, params), and the expected end state."""

    def __init__(self):
        self.calls = []
        self.end_state = None
        self.configure = False
        self.start = False


def plan(dialect, status, params):
    """Decide the calls. Raises DialectError/ValueError with a message naming the fix."""
    result = Plan()
    state = params['state']
    running = threads_running(status)
    stop = dialect.rds_call('stop')
    start = dialect.rds_call('start')

    if state == 'absent':
        if status.get('configured') or running:
            result.calls.append(dialect.rds_call('reset_external'))
        result.end_state = 'absent'
        return result

    params = resolve_start_point(dialect, params)
    must_configure = bool(params.get('source_host')) and (params['force'] or not matches(status, params))
    if must_configure:
        if params.get('source_password') is None:
            raise ValueError('source_password is required to (re)configure the source.')
        if not has_start_point(params):
            raise ValueError('the source must be (re)configured but no starting point was given: set '
                             'source_coordinates (or source_log_file+source_log_pos, source_gtid on MariaDB, '
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
            ssl=params['source_ssl'], delay=params.get('delay'))
        if running:
            result.calls.append(stop)
        result.calls.append(set_call)
        result.configure = True
        result.start = state == 'started' or (state == 'present' and running)
        if result.start:
            result.calls.append(start)
        result.end_state = 'running' if result.start else 'stopped'
        return result

    if state in ('started', 'stopped') and not params.get('source_host') and not status.get('configured'):
        raise ValueError(no_source_message(state))
    if state == 'started':
        if not fully_running(status):
            if running:
                result.calls.append(stop)
            result.calls.append(start)
            result.start = True
        result.end_state = 'running'
    elif state == 'stopped':
        if running:
            result.calls.append(stop)
        result.end_state = 'stopped'
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
    fail_on_problems(module, validate)
    params = module.params
    replica = ReplicaRun(module, also=['procedures'])

    def read():
        return read_status(replica.cursor, replica.dialect, as_rds_master_user=True)

    try:
        replica.dialect = detect(replica.cursor)
        status = read()
        before = current_settings(status)
        try:
            the_plan = plan(replica.dialect, status, params)
        except (DialectError, ValueError) as exc:
            replica.fail(str(exc), status=status)
        for sql, sql_params in the_plan.calls:
            replica.execute(sql, sql_params)
        if module.check_mode:
            after = predicted_settings(before, params, the_plan)
        else:
            status = replica.settle(read, the_plan.start, the_plan.end_state)
            after = current_settings(status)
    except Exception as exc:  # pylint: disable=broad-except
        replica.fail_on(exc)  # masked, never a traceback that could carry a secret
    finally:
        replica.close()
    replica.exit(status, before, after)


if __name__ == '__main__':
    main()
