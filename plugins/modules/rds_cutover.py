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
  - "Before the freeze it waits (up to O(wait_timeout)) until RDS executed the source's binlog up to
    O(max_backlog_bytes) of the source's current position (same binlog file; a file behind counts as
    far), with lag <= O(max_lag), and while RDS is still closing that backlog (at most 2 s more), so the
    freeze itself waits for little (RV(backlog_at_freeze))."
  - "Every wait has a deadline that also holds against a server that stopped answering: each
    statement gets a socket read/write timeout (max of O(connect_timeout) and O(lock_wait_timeout) + 5 s),
    and during the freeze each read of RDS may take only the time left, so the source is never frozen
    much longer than O(wait_timeout) (measured from C(read_only=ON)), even when RDS hangs."
  - "Until RDS is promoted (it forgot its source), any failure, timeout or interruption (SIGINT,
    SIGTERM) gives the source back (lock released, C(read_only) as it was), starts RDS's replication
    again if it was stopped, and fails; the source takes writes again, RDS still replicates."
  - "Each step is recorded before the next in O(state_path) (written with fsync and an atomic rename).
    A re-run that finds a freeze left by a killed run (RDS still replicating) undoes it (the killed
    run's lock is gone, so its final position is no longer final) and cuts over anew; one that finds
    RDS promoted by an interrupted run finishes from the record (events, and the positions the report
    and the way back need: RV(resumed)). RV(unavailable_seconds) counts every freeze of the cutover."
  - "After the promotion, the events that were created on RDS disabled for a replica (by
    M(mysql_rds.replication.rds_load_dump)) are enabled on RDS (RV(events_enabled)); the old source's
    stay as they are."
  - Idempotent; when RDS no longer replicates and the source is read-only, nothing is done (with a
    record of the promotion, its result is returned again).
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
    description:
      - Largest lag of RDS (seconds behind the source, from the replica's status) accepted by the preflight
        and by the wait before the freeze.
    type: int
    default: 5
  max_backlog_bytes:
    description:
      - The freeze starts only once RDS executed the source's binlog up to this many bytes of the source's
        current position (same binlog file). Seconds behind hide a backlog at high write rates; bytes do not.
      - Under this limit the freeze still waits while the backlog shrinks from one read to the next (RDS
        catching up after a lag), for at most 2 s, so that RDS has only what is in flight left to execute
        once the source is frozen.
      - Waited for up to O(wait_timeout) before anything changes; then the module fails, nothing changed.
    type: int
    default: 65536
  state_path:
    description:
      - The cutover's record, a JSON file rewritten at every step (fsync, atomic rename), read by a re-run
        to undo a freeze an interrupted run left or to finish a promotion it made.
      - A file on the host that runs the module, not a table, because the frozen source and RDS must not
        change for it (a row would move the final position or be replicated into the proof).
      - Default C(~/.mysql_rds_replication/cutover-<login_host>_<login_port>.json) (one per RDS endpoint).
    type: path
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
    description:
      - Seconds RDS gets to come within O(max_backlog_bytes) before the freeze, and then the longest the
        source stays frozen waiting for RDS to execute its final position (from C(read_only=ON)); then the
        freeze is undone.
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
unavailable_seconds:
  description:
    - Writes refused on the source in this cutover, in seconds; RV(window_seconds) plus every earlier freeze of
      the same cutover that an aborted or interrupted run left (RV(earlier_freezes)), from their recorded times.
  returned: when promoted
  type: float
earlier_freezes:
  description: Freezes of earlier, aborted attempts of this cutover (C(frozen_at), C(unfrozen_at) epoch seconds, C(seconds), C(reason)).
  returned: when promoted
  type: list
  elements: dict
backlog_at_freeze:
  description: Bytes of the source's binlog RDS had not executed yet right before the freeze.
  returned: when promoted
  type: int
events_enabled:
  description: Events (C(schema.name)) that were disabled for a replica on RDS and were enabled after the promotion.
  returned: when promoted
  type: list
  elements: str
resumed:
  description: RDS had been promoted by an earlier, interrupted run; the result is its record, finished by this run.
  returned: when a record was found
  type: bool
dialect:
  description: Engine and version of both servers, C(source) and C(rds) (each C(flavor), C(version), C(name)...).
  returned: when both servers were reached
  type: dict
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mysql_rds.replication.plugins.module_utils.connection import (
    SqlError, connect, connection_argument_spec)
from ansible_collections.mysql_rds.replication.plugins.module_utils.checksum import ALGORITHMS, DEFAULT_ALGORITHM
from ansible_collections.mysql_rds.replication.plugins.module_utils.cutover_freeze import (
    GLOBAL_LOCK, READ_ONLY_OFF, READ_ONLY_ON, UNLOCK, read_only)
from ansible_collections.mysql_rds.replication.plugins.module_utils.cutover_preflight import (
    CutoverError, Plan, preflight, server_id)
from ansible_collections.mysql_rds.replication.plugins.module_utils.cutover_promote import Cutover, Queries
from ansible_collections.mysql_rds.replication.plugins.module_utils.cutover_resume import (
    finish, left_over, undo_left_freeze)
from ansible_collections.mysql_rds.replication.plugins.module_utils.cutover_signals import Interrupted, Signals
from ansible_collections.mysql_rds.replication.plugins.module_utils.cutover_state import CutoverState, default_path
from ansible_collections.mysql_rds.replication.plugins.module_utils.cutover_timeline import Timeline
from ansible_collections.mysql_rds.replication.plugins.module_utils.masking import mask_text
from ansible_collections.mysql_rds.replication.plugins.module_utils.replication_status import lag, read_status
from ansible_collections.mysql_rds.replication.plugins.module_utils.second_login import (
    deprecated_options, login_option, resolve as resolve_login)

# The deprecated flat options of the source login: connection option -> flat option.
FLAT_SOURCE_OPTIONS = dict(login_host='source_login_host', login_port='source_login_port',
                           login_unix_socket='source_login_unix_socket', login_user='source_login_user',
                           login_password='source_login_password', ca_cert='source_ca_cert')


def planned_queries(plan, params, queries):
    """What a cutover would change, for check mode (the sessions to kill are not known yet)."""
    statements = [READ_ONLY_ON, GLOBAL_LOCK, queries.render(plan.rds_stop)]
    if params['reset']:
        statements.append(queries.render(plan.rds_reset))
    return statements + [UNLOCK]


def resume(module, state, cursors, plan, queries):
    """Finish or undo what an interrupted run left (its record); returns the result to exit with when
    RDS was promoted by that run, else None (after undoing a freeze it left)."""
    src, rds = cursors[0], cursors[1]
    status = read_status(rds, plan.rds_dialect, as_rds_master_user=True)
    left = left_over(state, server_id(src), status, bool(read_only(src)))
    if left is None:
        return None
    if left == 'undo':
        if module.check_mode:
            return dict(changed=True, promoted=False, already_promoted=False, preflight=status,
                        queries=[READ_ONLY_OFF] + planned_queries(plan, module.params, queries),
                        msg='an interrupted cutover left the source frozen: it would be undone, then cut over')
        gap = undo_left_freeze(state, src, rds, status, plan, queries)
        if gap:
            module.warn('An interrupted cutover left the source frozen for %s s: undone, the gap counts in '
                        'unavailable_seconds; cutting over again.' % gap['seconds'])
        return None
    if module.check_mode:
        result = dict(state.data.get('result') or {})
    else:
        result = finish(state, rds, plan, queries)
    result.update(changed=bool(result.get('events_enabled')) and left != 'done', promoted=False,
                  already_promoted=True, resumed=True, queries=list(queries) or result.get('queries', []))
    return result


def argument_spec():
    spec = connection_argument_spec()
    spec.update(deprecated_options(FLAT_SOURCE_OPTIONS))
    spec.update(
        source_login=login_option(),
        max_lag=dict(type='int', default=5),
        max_backlog_bytes=dict(type='int', default=65536),
        grace_period=dict(type='float', default=2.0),
        lock_wait_timeout=dict(type='int', default=5),
        kill_sessions=dict(type='bool', default=True),
        wait_timeout=dict(type='int', default=300),
        reset=dict(type='bool', default=True),
        checksum=dict(type='bool', default=True),
        checksum_exclude_databases=dict(type='list', elements='str', default=[]),
        checksum_algorithm=dict(type='str', choices=list(ALGORITHMS), default=DEFAULT_ALGORITHM),
        state_path=dict(type='path'),
    )
    return spec


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True,
                           required_one_of=[('source_login', 'source_login_user')])
    params = module.params
    out_of_range = ['%s=%s' % (name, params[name]) for name in ('max_lag', 'max_backlog_bytes', 'grace_period')
                    if params[name] < 0]
    out_of_range += ['%s=%s' % (name, params[name]) for name in ('lock_wait_timeout', 'wait_timeout') if params[name] < 1]
    if out_of_range:
        module.fail_json(msg='out of range: %s (max_lag, max_backlog_bytes and grace_period are 0 or more, '
                         'lock_wait_timeout and wait_timeout 1 or more seconds): fix them; nothing was changed.'
                         % ', '.join(out_of_range))
    login = resolve_login(module, 'source_login', FLAT_SOURCE_OPTIONS)
    secrets = [params['login_password'], login.get('login_password')]
    signals = Signals().install()
    queries, timeline = Queries(secrets), Timeline()
    # Every statement gets an answer deadline (the freeze's own reads get the time left of wait_timeout).
    timeout = max(params['connect_timeout'], params['lock_wait_timeout'] + 5)
    connections = [connect(module, options=login, read_timeout=timeout, write_timeout=timeout),
                   connect(module, read_timeout=timeout, write_timeout=timeout)]
    if params['checksum']:
        connections.append(connect(module))
    cursors = [connection.cursor() for connection in connections] + [None]
    state = CutoverState(params['state_path'] or default_path(params['login_host'], params['login_port']),
                         checkpoint=signals.checkpoint)
    plan = None
    try:
        plan = Plan.detect(cursors[0], cursors[1])
        resumed = resume(module, state, cursors, plan, queries)
        if resumed is not None:
            module.exit_json(**dict(resumed, dialect=plan.describe()))
        status, done = preflight(cursors[0], cursors[1], plan, params['max_lag'])
        timeline.mark('preflight', lag=lag(status), already_promoted=done)
        if done or module.check_mode:
            module.exit_json(changed=not done, promoted=False, already_promoted=done, timeline=timeline.steps,
                             preflight=status, queries=[] if done else planned_queries(plan, params, queries),
                             dialect=plan.describe())
        state.begin(server_id(cursors[0]), '%s:%s' % (params['login_host'], params['login_port']))
        result = Cutover(params, cursors[:3], plan, timeline, queries, state, signals.checkpoint).run(status)
    except (SqlError, CutoverError, Interrupted) as exc:
        module.fail_json(msg=mask_text(exc, secrets), timeline=timeline.steps, queries=list(queries),
                         **(dict(dialect=plan.describe()) if plan else {}))
    finally:
        for connection in connections:
            connection.close()
        signals.restore()
    module.exit_json(changed=True, promoted=True, already_promoted=False, **result)


if __name__ == '__main__':
    main()
