#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: replica_status_info
short_description: Read the replica's status, normalized, and optionally wait until it caught up
version_added: 0.1.0
description:
  - Reads the replica's status of a MySQL, MariaDB, Aurora MySQL or RDS server and returns it
    with the same keys on every engine and version (RV(status)), with its run state, lag, the
    coordinates its applier executed in the source's binary log (RV(executed)) and the GTID
    position it applied (RV(gtid)).
  - With O(wait=true) it polls until both replication threads run, the lag is at most O(max_lag)
    and, with O(until), the applier executed up to those coordinates. Every poll adds a line to
    RV(progress) (lag, threads, executed position) so a long wait shows how it goes.
  - A broken replication (a thread stopped with an error, or an error retrying cannot fix) fails
    the wait at once with the server's error and the fix to apply; a replica with no source, or
    with both threads stopped, fails it at once too (nothing would ever change).
  - The RDS master user may not read the status directly on some engines; O(rds) chooses the way
    (the RDS replication procedures on those engines).
  - Read-only; never reports a change.
options:
  connection_name:
    description:
      - Name of the replication connection on a MariaDB multi-source replica. Empty for the default one.
    type: str
    default: ''
  wait:
    description:
      - Poll until the replica caught up (see O(max_lag), O(until)), at most O(wait_timeout) seconds.
      - Without it the status is read once and RV(caught_up) says whether it is caught up now.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds O(wait) may take. When they are over, the module fails (see O(fail_on_timeout)).
    type: int
    default: 600
  max_lag:
    description:
      - Largest lag (seconds behind the source) that counts as caught up.
    type: int
    default: 0
  until:
    description:
      - Coordinates in the source's binary log. The coordinates other modules of this collection
        return (C(file), C(position), C(gtid)) may be given whole.
      - Caught up then also needs the applier to have executed up to O(until.file) and
        O(until.position); the lag condition (O(max_lag)) still holds.
    type: dict
    suboptions:
      file:
        description: Binary log file name on the source.
        type: str
        required: true
      position:
        description: Position in O(until.file).
        type: int
        required: true
      gtid:
        description: GTID of those coordinates; accepted so a coordinates dict can be passed whole, not compared.
        type: str
        default: ''
  poll_interval:
    description:
      - Seconds between two reads while waiting.
    type: float
    default: 2.0
  fail_on_timeout:
    description:
      - With V(false), a wait that runs out of time returns RV(caught_up=false) instead of failing.
      - A broken replication always fails, whatever this says.
    type: bool
    default: true
extends_documentation_fragment:
  - mysql_rds.replication.connection
  - mysql_rds.replication.status_reader
attributes:
  check_mode:
    support: full
    description: The module only reads; it runs the same way in check mode (waits included).
  diff_mode:
    support: none
    description: Nothing to diff.
author:
  - mysql_rds.replication contributors (@mysql_rds)
seealso:
  - module: mysql_rds.replication.replication_server_info
  - module: mysql_rds.replication.rds_external_master
  - module: mysql_rds.replication.mysql_replica_config
'''

EXAMPLES = r'''
- name: Read the status of a self-managed replica
  mysql_rds.replication.replica_status_info:
    login_user: dba
    login_password: "{{ dba_password }}"
  register: replica

- name: Wait until the RDS replica has less than 5 seconds of lag (as the master user)
  mysql_rds.replication.replica_status_info:
    login_host: target.abcdefghijkl.eu-west-1.rds.amazonaws.com
    login_user: admin
    login_password: "{{ rds_admin_password }}"
    ca_cert: /etc/ssl/rds/global-bundle.pem
    wait: true
    wait_timeout: 1800
    max_lag: 5

- name: Read the source's binlog position
  mysql_rds.replication.replication_server_info:
    login_host: source.example.internal
    login_user: dba
    login_password: "{{ dba_password }}"
  register: source

- name: Wait until the replica executed the source's final position
  mysql_rds.replication.replica_status_info:
    login_user: dba
    login_password: "{{ dba_password }}"
    wait: true
    until: "{{ source.binlog.position }}"

- name: Ask without failing on a timeout
  mysql_rds.replication.replica_status_info:
    login_user: dba
    login_password: "{{ dba_password }}"
    wait: true
    wait_timeout: 60
    fail_on_timeout: false
  register: lag_check

- name: Show how far it got
  ansible.builtin.debug:
    msg: "{{ lag_check.progress }}"
  when: not lag_check.caught_up
'''

RETURN = r'''
status:
  description: The replica's status, normalized (the same keys on every engine, see docs/design.md).
  returned: always
  type: dict
  sample: {configured: true, io_running: "Yes", sql_running: "Yes", source_host: db1.example.internal,
           source_port: 3306, source_user: repl, source_log_file: mysql-bin.000042,
           read_source_log_pos: 1337, relay_source_log_file: mysql-bin.000042, exec_source_log_pos: 1337,
           last_io_errno: 0, last_io_error: "", last_sql_errno: 0, last_sql_error: ""}
state:
  description: V(absent) (no source configured), V(stopped) (both threads stopped) or V(running).
  returned: always
  type: str
  sample: running
lag:
  description: Seconds behind the source (null when unknown, for example with a thread stopped).
  returned: always
  type: int
  sample: 0
caught_up:
  description:
    - Whether both threads run, the lag is at most O(max_lag) and O(until) (if given) is reached.
    - With O(wait), whether the wait ended caught up (false only with O(fail_on_timeout=false)).
  returned: always
  type: bool
  sample: true
executed:
  description: Coordinates in the source's binary log up to which the applier executed (C(gtid) empty).
  returned: always
  type: dict
  sample: {file: mysql-bin.000042, position: 1337, gtid: ""}
gtid:
  description: The GTID position the replica applied (MariaDB domain-server-sequence list, MySQL GTID set).
  returned: always
  type: str
  sample: 0-13301-5012
progress:
  description: One line per read of the status (seconds since the start, threads, lag, executed position).
  returned: always
  type: list
  elements: str
  sample: ["0s: io=Yes sql=Yes lag=12s executed=mysql-bin.000042:1200",
           "2s: io=Yes sql=Yes lag=0s executed=mysql-bin.000042:1337"]
msg:
  description: The last line of RV(progress).
  returned: always
  type: str
  sample: "2s: io=Yes sql=Yes lag=0s executed=mysql-bin.000042:1337"
error:
  description: The replica's last IO/SQL errors with the fix to apply; empty when there is none.
  returned: always
  type: str
  sample: ""
status_source:
  description: How the status was read, V(statement) (the engine's status statement) or V(rds_procedure).
  returned: always
  type: str
  sample: rds_procedure
dialect:
  description: Engine detected.
  returned: always
  type: dict
  sample: {flavor: mariadb, version: 10.11.9, name: MariaDB 10.11.9}
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mysql_rds.replication.plugins.module_utils.connection import (
    STATUS_TIMEOUT, connect, connection_argument_spec)
from ansible_collections.mysql_rds.replication.plugins.module_utils.dialect import DialectError, detect
from ansible_collections.mysql_rds.replication.plugins.module_utils.errors import SqlError
from ansible_collections.mysql_rds.replication.plugins.module_utils.masking import guard_output, unexpected
from ansible_collections.mysql_rds.replication.plugins.module_utils.replication_status import (
    ReplicationWaitError, broken, error_summary, executed_coordinates, healthy, lag, progress_line, reached,
    read_replica_gtid, run_state, wait_until_caught_up)
from ansible_collections.mysql_rds.replication.plugins.module_utils.status_reader import StatusReader, rds_mode, rds_option


def argument_spec():
    spec = connection_argument_spec()
    spec.update(
        connection_name=dict(type='str', default=''),
        rds=rds_option(),
        wait=dict(type='bool', default=False),
        wait_timeout=dict(type='int', default=600),
        max_lag=dict(type='int', default=0),
        until=dict(type='dict', options=dict(
            file=dict(type='str', required=True),
            position=dict(type='int', required=True),
            gtid=dict(type='str', default=''),
        )),
        poll_interval=dict(type='float', default=2.0),
        fail_on_timeout=dict(type='bool', default=True),
    )
    return spec


def validate(params):
    """Problems the module can tell before connecting (list of messages)."""
    problems = []
    try:
        rds_mode(params.get('rds'))
    except ValueError as exc:
        problems.append(str(exc))
    for name in ('wait_timeout', 'max_lag'):
        if params[name] < 0:
            problems.append('%s must be 0 or more.' % name)
    if params['poll_interval'] <= 0:
        problems.append('poll_interval must be more than 0.')
    return problems


class WaitFailed(Exception):
    """The wait cannot succeed (broken, no source, stopped, timeout); carries what was seen."""

    def __init__(self, message, status):
        super(WaitFailed, self).__init__(message)
        self.status = status


def caught_up_now(status, max_lag, until):
    seconds = lag(status)
    done = healthy(status) and seconds is not None and seconds <= max_lag
    if done and until:
        done = reached(status, until['file'], until['position'])
    return done


def not_replicating_message(status):
    if run_state(status) == 'absent':
        return ('this server has no replication source configured: nothing to wait for; configure one '
                '(mysql_rds.replication.rds_external_master or mysql_replica_config) first.')
    return ('replication is stopped (io_running=No sql_running=No, no error): nothing will change while '
            'waiting; start it (state=started of rds_external_master or mysql_replica_config) first.')


def observe(read, params, progress, **wait_options):
    """Read once, or wait as the options say. Returns (status, caught_up); raises WaitFailed.

    ``progress`` (a list) receives one line per read. ``wait_options`` go to wait_until_caught_up
    (sleep/clock in tests).
    """
    until = params.get('until')
    if not params['wait']:
        status = read()
        progress.append(progress_line(status, 0))
        return status, caught_up_now(status, params['max_lag'], until)

    def on_poll(status, elapsed):
        progress.append(progress_line(status, elapsed))
        if run_state(status) != 'running' and not broken(status):
            raise WaitFailed(not_replicating_message(status), status)

    try:
        status = wait_until_caught_up(read, params['wait_timeout'], max_lag=params['max_lag'],
                                      target=until, interval=params['poll_interval'], on_poll=on_poll,
                                      **wait_options)
    except ReplicationWaitError as exc:
        if broken(exc.status) or params['fail_on_timeout']:
            raise WaitFailed(str(exc), exc.status)
        return exc.status, False
    return status, True


def result_of(dialect, status, caught_up, progress, gtid, source):
    return dict(
        changed=False,
        status=status,
        state=run_state(status),
        lag=lag(status),
        caught_up=caught_up,
        executed=executed_coordinates(status),
        gtid=gtid,
        progress=progress,
        msg=progress[-1] if progress else '',
        error=error_summary(status),
        status_source=source,
        dialect=dialect.describe(),
    )


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    guard_output(module)  # login_password masked in every output, also where a server echoed it
    problems = validate(module.params)
    if problems:
        module.fail_json(msg=' '.join(problems))
    conn = connect(module, read_timeout=STATUS_TIMEOUT, write_timeout=STATUS_TIMEOUT)  # a stalled server fails
    progress = []
    failure = None
    try:
        cursor = conn.cursor()
        dialect = detect(cursor)
        reader = StatusReader(cursor, dialect, module.params['connection_name'], module.params['rds'])
        try:
            status, caught_up = observe(reader.read, module.params, progress)
        except WaitFailed as exc:
            status, caught_up, failure = exc.status, False, str(exc)
        result = result_of(dialect, status, caught_up, progress, read_replica_gtid(cursor, dialect),
                           reader.source)
    except SqlError as exc:
        module.fail_json(msg=exc.message, errno=exc.errno, progress=progress)
    except (DialectError, ValueError) as exc:
        module.fail_json(msg=str(exc), progress=progress)
    except Exception as exc:  # pylint: disable=broad-except
        module.fail_json(msg=unexpected(exc), progress=progress)
    finally:
        conn.close()
    if failure:
        result['msg'] = failure
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
