#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: rds_cutover
short_description: Promote an RDS instance that replicates from a self-managed source, losing no write
version_added: 0.1.0
description:
  - Runs the whole freeze-to-open path in one process, to keep the write-unavailability window short.
  - "Preflight: both servers' engines and versions are detected and every statement the cutover will
    send to either is resolved (a server the collection cannot serve fails here); RDS replicates from
    this source (the source server id in the replica's status is the source's C(server_id)), both
    threads run, no error, lag <= O(max_lag); the binlog positions of both servers can be read.
    Otherwise the module fails before touching anything."
  - "Freeze: C(SET GLOBAL read_only=ON) on the source (refuses writes of accounts without
    C(READ_ONLY ADMIN)/C(SUPER)), up to O(grace_period) seconds for open writer transactions to end,
    then C(FLUSH TABLES WITH READ LOCK) held by the module (blocks every account, privileged ones
    too), then, with O(kill_sessions), every other client session of the source is killed so no
    statement that started before the freeze can commit after it."
  - "Then it reads the source's final binlog position (RV(final_position)), waits until RDS executed
    exactly that position, stops replication and (O(reset)) makes RDS forget its source with the RDS
    replication procedures, reads the RDS binlog position (the starting point of a way back) and
    checks that RDS is writable (C(read_only=0)). The global read lock is released last; C(read_only)
    stays on."
  - If RDS does not catch up within O(wait_timeout), the freeze is undone (C(read_only) back to its
    previous value) and the module fails; the source takes writes again, RDS still replicates.
  - Idempotent; when RDS no longer replicates and the source is read-only, nothing is done.
author:
  - mysql_rds.replication contributors (@mysql_rds)
extends_documentation_fragment:
  - mysql_rds.replication.connection
  - mysql_rds.replication.source_login
attributes:
  check_mode:
    support: full
    description: In check mode only the preflight runs; RV(queries) lists what a run would change.
  diff_mode:
    support: none
    description: No diff.
options:
  source_login_host:
    description:
      - Deprecated (removed in 0.3.0), use O(source_login.login_host). Host of the source.
    type: str
  source_login_port:
    description:
      - Deprecated (removed in 0.3.0), use O(source_login.login_port). Port of the source.
    type: int
  source_login_unix_socket:
    description:
      - Deprecated (removed in 0.3.0), use O(source_login.login_unix_socket). Unix socket of the source.
    type: str
  source_login_user:
    description:
      - Deprecated (removed in 0.3.0), use O(source_login.login_user). Admin account of the source.
    type: str
  source_login_password:
    description:
      - Deprecated (removed in 0.3.0), use O(source_login.login_password). Password of O(source_login_user).
    type: str
  source_ca_cert:
    description:
      - Deprecated (removed in 0.3.0), use O(source_login.ca_cert). CA to verify the source's certificate.
      - With the flat options, O(config_file), O(connect_timeout) and O(check_hostname) also apply to the source.
    type: path
  max_lag:
    description: Largest lag of RDS (seconds behind the source, from the replica's status) accepted by the preflight.
    type: int
    default: 5
  grace_period:
    description: Seconds given to open writer transactions to end after C(read_only=ON), before the global lock.
    type: float
    default: 2.0
  lock_wait_timeout:
    description: Seconds C(FLUSH TABLES WITH READ LOCK) may wait for running statements; then they are killed and it is retried once.
    type: int
    default: 5
  kill_sessions:
    description: Kill every other client session of the source once the lock is held (replication threads are kept).
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for RDS to execute the source's final position.
    type: int
    default: 300
  reset:
    description: After stopping replication, make RDS forget its external source (RDS replication procedures).
    type: bool
    default: true
  checksum:
    description:
      - Prove the data equal; row counts and checksums of every table on the source (still under its
        global read lock, so exactly at the final position) and on RDS as it was when replication
        stopped (a consistent snapshot taken on a second connection before RDS is opened).
      - Applications may write to RDS as soon as it is open; their writes are not in that snapshot,
        so they neither fail the proof nor hide a difference. The window (RV(window_seconds)) does
        not include this step.
    type: bool
    default: true
  checksum_exclude_databases:
    description: Schemas left out of the checksums (system schemas always are).
    type: list
    elements: str
    default: []
  checksum_algorithm:
    description:
      - Row hash of the checksums (O(checksum)), the same on both sides.
      - V(crc32) (about 3 times cheaper, 64 bits per row, checksums C(crc32:<xor>-<sum>)) or V(md5)
        (checksums C(<xor>-<sum>)), as the C(algorithm) option of M(mysql_rds.replication.table_checksum).
    type: str
    choices: [crc32, md5]
    default: crc32
notes:
  - The connection options (O(login_user) etc.) are those of the RDS master user; O(source_login)
    those of an admin account of the self-managed source (C(SUPER) or C(READ_ONLY ADMIN), C(RELOAD),
    C(CONNECTION ADMIN), C(PROCESS), C(BINLOG MONITOR) or C(REPLICATION CLIENT)).
  - One of O(source_login) and the deprecated O(source_login_user) is required. O(source_login)
    replaces the flat C(source_login_*) and O(source_ca_cert) options; when it is given, they are ignored.
  - Accounts with C(READ_ONLY ADMIN) (MariaDB 10.11 C(ALL PRIVILEGES)) or C(SUPER) (MySQL) can still
    write to the old source once the lock is released. Application accounts should not have them.
seealso:
  - module: mysql_rds.replication.rds_external_master
  - module: mysql_rds.replication.table_checksum
'''

EXAMPLES = r'''
- name: Promote RDS
  mysql_rds.replication.rds_cutover:
    login_host: mydb.abcdefgh.eu-west-1.rds.amazonaws.com
    login_user: admin
    login_password: "{{ rds_master_password }}"
    ca_cert: /etc/mysql/rds-global-bundle.pem
    source_login:
      login_host: 127.0.0.1
      login_user: dba
      login_password: "{{ dba_password }}"
    max_lag: 5
  register: cutover

- name: Show where the source stopped and where RDS starts
  ansible.builtin.debug:
    msg: >-
      Source final {{ cutover.final_position.file }}:{{ cutover.final_position.position }},
      RDS at promotion {{ cutover.rds_position.file }}:{{ cutover.rds_position.position }},
      writes unavailable {{ cutover.window_seconds }} s
  when: cutover.promoted

- name: What a cutover would run (nothing changes)
  mysql_rds.replication.rds_cutover:
    login_host: mydb.abcdefgh.eu-west-1.rds.amazonaws.com
    login_user: admin
    login_password: "{{ rds_master_password }}"
    source_login:
      login_unix_socket: /run/mysqld/mysqld.sock
      config_file: /root/.my.cnf
  check_mode: true
  register: plan
'''

RETURN = r'''
promoted:
  description: RDS was promoted by this run.
  returned: always
  type: bool
already_promoted:
  description: RDS had no source any more and the source was read-only; nothing was done.
  returned: always
  type: bool
window_seconds:
  description: Write-unavailability window, from C(read_only=ON) on the source to RDS open for writes.
  returned: when promoted
  type: float
  sample: 0.42
timeline:
  description: Steps, each with C(step), C(at) (ISO 8601 UTC) and C(elapsed) (seconds since the start).
  returned: always
  type: list
  elements: dict
final_position:
  description: The source's binlog coordinates at the freeze (C(file), C(position), C(gtid); C(gtid) V('') when the engine has none).
  returned: when promoted
  type: dict
  sample: {file: mysql-bin.000003, position: 1234, gtid: 0-13304-77}
source_final:
  description: Deprecated (removed in 0.3.0), the same as RV(final_position).
  returned: when promoted
  type: dict
rds_executed:
  description: The source coordinates RDS had executed when replication was stopped (C(file), C(position), C(gtid) V('')).
  returned: when promoted
  type: dict
rds_position:
  description:
    - RDS's own binlog coordinates right after promotion (C(file), C(position), C(gtid)); the way back starts there.
    - Null when binary logging is off on RDS.
  returned: when promoted
  type: dict
source_clock_at_freeze:
  description: The source's C(NOW(6)) once the global read lock was held; a row written later is not on RDS.
  returned: when promoted
  type: str
checksums:
  description:
    - C(equal) (bool), C(tables) (count), C(mismatched) (names), C(source) and C(rds) per table C(rows),
      C(checksum), C(engine) and C(transactional).
    - The values are those M(mysql_rds.replication.table_checksum) returns for the same tables with
      the same algorithm (O(checksum_algorithm)).
  returned: when promoted and O(checksum=true)
  type: dict
sessions_killed:
  description: Client sessions of the source killed during the freeze.
  returned: when promoted
  type: int
preflight:
  description: Normalized replica status of RDS read by the preflight.
  returned: always
  type: dict
queries:
  description:
    - Statements that changed a server, in order (in check mode, those a cutover would run), passwords masked.
    - Reads are not listed.
  returned: always
  type: list
  elements: str
  sample: ["SET GLOBAL read_only = ON", "FLUSH TABLES WITH READ LOCK", "KILL CONNECTION 42", "UNLOCK TABLES"]
dialect:
  description: Engine and version of both servers, C(source) and C(rds) (each C(flavor), C(version), C(name)...).
  returned: when both servers were reached
  type: dict
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mysql_rds.replication.plugins.module_utils.connection import (
    SqlError, connect, connection_argument_spec, run)
from ansible_collections.mysql_rds.replication.plugins.module_utils.checksum import (
    ALGORITHMS, DEFAULT_ALGORITHM, checksum_tables, compare)
from ansible_collections.mysql_rds.replication.plugins.module_utils.cutover_freeze import (
    GLOBAL_LOCK, READ_ONLY_ON, UNLOCK, Freeze, read_only)
from ansible_collections.mysql_rds.replication.plugins.module_utils.cutover_preflight import (
    CutoverError, Plan, preflight)
from ansible_collections.mysql_rds.replication.plugins.module_utils.cutover_sessions import kill_others
from ansible_collections.mysql_rds.replication.plugins.module_utils.cutover_timeline import Timeline
from ansible_collections.mysql_rds.replication.plugins.module_utils.masking import mask_text, render_query
from ansible_collections.mysql_rds.replication.plugins.module_utils.replication_status import (
    ReplicationWaitError, executed_coordinates, lag, read_binlog_position, read_status, wait_until_caught_up)
from ansible_collections.mysql_rds.replication.plugins.module_utils.second_login import (
    deprecated_options, login_option, resolve as resolve_login)

# The deprecated flat options of the source login: connection option -> flat option.
FLAT_SOURCE_OPTIONS = dict(login_host='source_login_host', login_port='source_login_port',
                           login_unix_socket='source_login_unix_socket', login_user='source_login_user',
                           login_password='source_login_password', ca_cert='source_ca_cert')


class Queries(list):
    """The statements that change a server, run through here so they are returned (masked)."""

    def __init__(self, secrets):
        super(Queries, self).__init__()
        self.secrets = [secret for secret in secrets if secret]

    def run(self, cursor, sql, params=None):
        self.append(render_query(sql, params, self.secrets))
        return run(cursor, sql, params, self.secrets)

    def render(self, statement):
        return render_query(statement[0], statement[1], self.secrets)


def planned_queries(plan, params, queries):
    """What a cutover would change, for check mode (the sessions to kill are not known yet)."""
    statements = [READ_ONLY_ON, GLOBAL_LOCK, queries.render(plan.rds_stop)]
    if params['reset']:
        statements.append(queries.render(plan.rds_reset))
    return statements + [UNLOCK]


def prove(src, rds_view, params, timeline):
    """Checksums of every table on the locked source and in RDS's snapshot at promotion."""
    algorithm, exclude = params['checksum_algorithm'], params['checksum_exclude_databases']
    source_sums = checksum_tables(src, [], exclude, algorithm)[1]
    rds_sums = checksum_tables(rds_view, [], exclude, algorithm)[1]
    run(rds_view, 'COMMIT')
    mismatched = [item['table'] for item in compare(source_sums, rds_sums)[1]]
    timeline.mark('checksums_compared', equal=not mismatched, tables=len(source_sums))
    return dict(equal=not mismatched, tables=len(source_sums), mismatched=mismatched,
                source=source_sums, rds=rds_sums)


class Cutover(object):
    """Freeze the source, let RDS reach its final position, promote RDS, prove, release."""

    def __init__(self, params, src, rds, rds_view, plan, timeline, queries):
        self.params, self.plan, self.timeline, self.queries = params, plan, timeline, queries
        self.src, self.rds, self.rds_view = src, rds, rds_view
        self.freeze = Freeze(src, timeline, execute=queries.run)
        self.result = {}

    def run(self):
        try:
            started = self.freeze.start(self.params['grace_period'])
            final = self.freeze_and_read_final_position()
            status = self.wait_for_rds(final)
        except ReplicationWaitError as exc:
            self.abort('%s. The cutover was aborted: %s, RDS still replicates.' % (exc, self.undone()))
        except (SqlError, CutoverError) as exc:
            self.abort('%s. The cutover was aborted before RDS was touched: %s.' % (exc, self.undone()))
        try:
            self.promote(status, started)
        except SqlError as exc:
            raise CutoverError('%s. RDS replication was stopped at the final position; the source stays '
                               'read_only (its lock ends with this connection): finish the promotion of RDS '
                               'or start its replication again.' % exc)
        return self.result

    def undone(self):
        if self.freeze.previous_read_only:
            return 'the lock was released and the source stays read_only as it was before'
        return 'the source is writable again'

    def abort(self, message):
        try:
            self.freeze.undo()
        except SqlError as exc:
            message += ' Undoing the freeze failed too (%s): check read_only on the source.' % exc
        self.timeline.mark('aborted_unfrozen')
        raise CutoverError(message)

    def freeze_and_read_final_position(self):
        killed = self.freeze.lock(self.params['lock_wait_timeout'])
        self.result['source_clock_at_freeze'] = self.freeze.server_clock()
        self.timeline.mark('global_read_lock')
        if self.params['kill_sessions']:
            killed += kill_others(self.src, execute=self.queries.run)
            self.timeline.mark('sessions_killed', sessions=killed)
        self.result['sessions_killed'] = killed
        final = read_binlog_position(self.src, self.plan.source_dialect)
        if final is None:
            raise CutoverError('binary logging is off on the source: there is no final position')
        self.result['final_position'] = self.result['source_final'] = final
        self.timeline.mark('source_position', **final)
        return final

    def wait_for_rds(self, final):
        def read():
            return read_status(self.rds, self.plan.rds_dialect, as_rds_master_user=True)
        return wait_until_caught_up(read, self.params['wait_timeout'], max_lag=0,
                                    target=dict(file=final['file'], position=final['position']), interval=0.02)

    def promote(self, status, started):
        self.result['rds_executed'] = executed_coordinates(status)
        self.timeline.mark('rds_caught_up', **self.result['rds_executed'])
        self.queries.run(self.rds, *self.plan.rds_stop)
        self.timeline.mark('rds_replication_stopped')
        if self.params['checksum']:
            # RDS's state at promotion, kept for the proof: the application may write to RDS as soon
            # as it is open, and the procedures' implicit commits would end a snapshot on `rds`.
            run(self.rds_view, 'START TRANSACTION WITH CONSISTENT SNAPSHOT')
            self.timeline.mark('rds_snapshot_for_proof')
        if self.params['reset']:
            self.queries.run(self.rds, *self.plan.rds_reset)
            self.timeline.mark('rds_external_master_reset')
        rds_read_only = read_only(self.rds)
        position = read_binlog_position(self.rds, self.plan.rds_dialect)
        self.result['rds_position'] = position
        opened = self.timeline.mark('rds_open', read_only=rds_read_only, **(position or {}))
        self.result['window_seconds'] = round(opened - started, 4)
        if self.params['checksum']:
            self.result['checksums'] = prove(self.src, self.rds_view, self.params, self.timeline)
        self.freeze.release()
        self.timeline.mark('source_lock_released_read_only_kept')
        if rds_read_only:
            raise CutoverError('RDS was promoted but its read_only is ON: set read_only=0 in its parameter '
                               'group (modify_db_parameter_group) to open it for writes.')


def argument_spec():
    spec = connection_argument_spec()
    spec.update(deprecated_options(FLAT_SOURCE_OPTIONS))
    spec.update(
        source_login=login_option(),
        max_lag=dict(type='int', default=5),
        grace_period=dict(type='float', default=2.0),
        lock_wait_timeout=dict(type='int', default=5),
        kill_sessions=dict(type='bool', default=True),
        wait_timeout=dict(type='int', default=300),
        reset=dict(type='bool', default=True),
        checksum=dict(type='bool', default=True),
        checksum_exclude_databases=dict(type='list', elements='str', default=[]),
        checksum_algorithm=dict(type='str', choices=list(ALGORITHMS), default=DEFAULT_ALGORITHM),
    )
    return spec


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True,
                           required_one_of=[('source_login', 'source_login_user')])
    params = module.params
    login = resolve_login(module, 'source_login', FLAT_SOURCE_OPTIONS)
    secrets = [params['login_password'], login.get('login_password')]
    queries, timeline = Queries(secrets), Timeline()
    connections = [connect(module, options=login), connect(module)]
    if params['checksum']:
        connections.append(connect(module))
    src, rds = connections[0].cursor(), connections[1].cursor()
    rds_view = connections[2].cursor() if params['checksum'] else None
    plan = None
    try:
        plan = Plan.detect(src, rds)
        status, done = preflight(src, rds, plan, params['max_lag'])
        timeline.mark('preflight', lag=lag(status), already_promoted=done)
        if done or module.check_mode:
            module.exit_json(changed=not done, promoted=False, already_promoted=done, timeline=timeline.steps,
                             preflight=status, queries=[] if done else planned_queries(plan, params, queries),
                             dialect=plan.describe())
        result = Cutover(params, src, rds, rds_view, plan, timeline, queries).run()
    except (SqlError, CutoverError) as exc:
        module.fail_json(msg=mask_text(exc, secrets), timeline=timeline.steps, queries=list(queries),
                         **(dict(dialect=plan.describe()) if plan else {}))
    finally:
        for connection in connections:
            connection.close()
    module.exit_json(changed=True, promoted=True, already_promoted=False, timeline=timeline.steps,
                     preflight=status, queries=list(queries), dialect=plan.describe(), **result)


if __name__ == '__main__':
    main()
