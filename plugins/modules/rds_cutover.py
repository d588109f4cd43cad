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
  - "Preflight: RDS replicates from this source (C(Master_Server_Id) is the source's C(server_id)),
    both threads run, no error, lag <= O(max_lag). Otherwise the module fails before touching anything."
  - "Freeze: C(SET GLOBAL read_only=ON) on the source (refuses writes of accounts without
    C(READ_ONLY ADMIN)/C(SUPER)), up to O(grace_period) seconds for open writer transactions to end,
    then C(FLUSH TABLES WITH READ LOCK) held by the module (blocks every account, privileged ones
    too), then, with O(kill_sessions), every other client session of the source is killed so no
    statement that started before the freeze can commit after it."
  - "Then it reads the source's final binary log position, waits until RDS executed exactly that
    position, calls C(mysql.rds_stop_replication) and C(mysql.rds_reset_external_master), reads the
    RDS binary log position (the starting point of a way back) and checks that RDS is writable
    (C(read_only=0)). The global read lock is released last; C(read_only) stays on."
  - If RDS does not catch up within O(wait_timeout), the freeze is undone (C(read_only) back to its
    previous value) and the module fails; the source takes writes again, RDS still replicates.
  - Idempotent; when RDS no longer replicates and the source is read-only, nothing is done.
author:
  - mysql_rds.replication contributors (@mysql_rds)
extends_documentation_fragment:
  - mysql_rds.replication.connection
attributes:
  check_mode:
    support: full
    description: In check mode only the preflight runs.
  diff_mode:
    support: none
    description: No diff.
options:
  source_login_host:
    description: Host of the self-managed source.
    type: str
    default: localhost
  source_login_port:
    description: Port of the source.
    type: int
    default: 3306
  source_login_unix_socket:
    description: Unix socket of the source.
    type: str
  source_login_user:
    description: Admin account of the source (SUPER or READ_ONLY ADMIN, RELOAD, CONNECTION ADMIN, BINLOG MONITOR).
    type: str
    required: true
  source_login_password:
    description: Password of O(source_login_user).
    type: str
  source_ca_cert:
    description: CA to verify the source's certificate (TLS when set).
    type: path
  max_lag:
    description: Largest C(Seconds_Behind_Master) accepted by the preflight.
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
    description: Call C(mysql.rds_reset_external_master) after stopping replication (RDS forgets the source).
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
requirements:
  - PyMySQL >= 1.0 on the host that runs the module.
notes:
  - The connection options (O(login_user) etc.) are those of the RDS master user.
  - Accounts with C(READ_ONLY ADMIN) (MariaDB 10.11 C(ALL PRIVILEGES)) or C(SUPER) (MySQL) can still
    write to the old source once the lock is released. Application accounts should not have them.
seealso:
  - module: mysql_rds.replication.rds_external_master
'''

EXAMPLES = r'''
- name: Promote RDS
  mysql_rds.replication.rds_cutover:
    login_host: mydb.abcdefgh.eu-west-1.rds.amazonaws.com
    login_user: admin
    login_password: "{{ rds_master_password }}"
    ca_cert: /etc/mysql/rds-global-bundle.pem
    source_login_host: 127.0.0.1
    source_login_user: dba
    source_login_password: "{{ dba_password }}"
    max_lag: 5
  register: cutover
'''

RETURN = r'''
promoted:
  description: RDS was promoted by this run.
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
source_final:
  description: Source binary log position at the freeze (C(file), C(position), C(gtid)).
  returned: when promoted
  type: dict
rds_executed:
  description: The source position RDS had executed when replication was stopped (C(file), C(position)).
  returned: when promoted
  type: dict
rds_position:
  description: RDS's own binary log position right after promotion (C(file), C(position), C(gtid)); the way back starts there.
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
'''

import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mysql_rds.replication.plugins.module_utils.connection import (
    SqlError, as_connection_options, connect, connection_argument_spec, run)
from ansible_collections.mysql_rds.replication.plugins.module_utils.checksum import (
    ALGORITHMS, DEFAULT_ALGORITHM, checksum_tables, compare)
from ansible_collections.mysql_rds.replication.plugins.module_utils.dialect import detect
from ansible_collections.mysql_rds.replication.plugins.module_utils.masking import mask_text
from ansible_collections.mysql_rds.replication.plugins.module_utils.replication_status import (
    ReplicationWaitError, broken, error_summary, healthy, lag, read_status, wait_until_caught_up)

KEEP_COMMANDS = ('Binlog Dump', 'Binlog Dump GTID', 'Daemon', 'Slave_IO', 'Slave_SQL', 'Slave_worker')


class Timeline(object):
    def __init__(self):
        self.start = time.time()
        self.steps = []

    def mark(self, step, **details):
        now = time.time()
        stamp = time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(now)) + '.%06dZ' % int((now % 1) * 1000000)
        entry = dict(step=step, at=stamp,
                     elapsed=round(now - self.start, 4))
        entry.update(details)
        self.steps.append(entry)
        return now


class CutoverError(Exception):
    pass


SOURCE_OPTIONS = dict(login_host='source_login_host', login_port='source_login_port',
                      login_unix_socket='source_login_unix_socket', login_user='source_login_user',
                      login_password='source_login_password', ca_cert='source_ca_cert')


def one(cursor, sql, params=None):
    rows = run(cursor, sql, params)
    return rows[0] if rows else {}


def preflight(src, rds, dialect, max_lag):
    """Return (status, already_promoted). Raise CutoverError when it is not safe to start."""
    status = read_status(rds, dialect, as_rds_master_user=True)
    source_id = int(one(src, 'SELECT @@server_id AS id')['id'])
    read_only = int(one(src, 'SELECT @@global.read_only AS ro')['ro'])
    if not status.get('configured'):
        if read_only:
            return status, True
        raise CutoverError('RDS has no external source and the source is writable: nothing to cut over '
                           '(run playbooks/onprem_to_rds.yml first).')
    if status.get('source_server_id') not in (None, source_id):
        raise CutoverError('RDS replicates from server_id %s, not from this source (server_id %s): check '
                           'the source login options.' % (status.get('source_server_id'), source_id))
    if broken(status) or not healthy(status):
        raise CutoverError('replication is not healthy (io_running=%s sql_running=%s); %s. Fix it first; '
                           'nothing was changed.' % (status.get('io_running'), status.get('sql_running'),
                                                     error_summary(status) or 'no error reported'))
    seconds = lag(status)
    if seconds is None or seconds > max_lag:
        raise CutoverError('RDS is %s seconds behind the source, more than max_lag=%s: wait or raise max_lag; '
                           'nothing was changed.' % (seconds, max_lag))
    return status, False


def writer_transactions(src):
    rows = run(src, 'SELECT COUNT(*) AS n FROM information_schema.innodb_trx '
                    'WHERE trx_rows_modified > 0 AND trx_mysql_thread_id <> CONNECTION_ID()')
    return int(rows[0]['n'])


def other_sessions(src, running_only=False):
    sql = ('SELECT id FROM information_schema.processlist WHERE id <> CONNECTION_ID() '
           "AND user NOT IN ('system user', 'event_scheduler') AND command NOT IN (%s)"
           % ', '.join(['%s'] * len(KEEP_COMMANDS)))
    if running_only:
        sql += " AND command <> 'Sleep'"
    return [row['id'] for row in run(src, sql, list(KEEP_COMMANDS))]


def kill(src, ids):
    killed = 0
    for session in ids:
        try:
            run(src, 'KILL CONNECTION %s', [int(session)])
            killed += 1
        except SqlError:
            pass  # already gone
    return killed


def global_lock(src, params, timeline):
    run(src, 'SET SESSION lock_wait_timeout = %s', [params['lock_wait_timeout']])
    try:
        run(src, 'FLUSH TABLES WITH READ LOCK')
        return 0
    except SqlError:
        # Long statements hold the lock: kill them, then once more.
        killed = kill(src, other_sessions(src, running_only=True))
        timeline.mark('killed_lock_blockers', sessions=killed)
        run(src, 'FLUSH TABLES WITH READ LOCK')
        return killed


def binlog_position(cursor):
    row = one(cursor, 'SHOW MASTER STATUS')
    gtid = one(cursor, 'SELECT @@global.gtid_binlog_pos AS gtid').get('gtid') if 'File' in row else None
    return dict(file=row.get('File'), position=int(row['Position']) if row.get('Position') is not None else None,
                gtid=gtid)


def cutover(module, src, rds, rds_view, dialect, timeline):
    params = module.params
    result = {}
    previous_read_only = int(one(src, 'SELECT @@global.read_only AS ro')['ro'])
    freeze_started = timeline.mark('freeze_read_only')
    run(src, 'SET GLOBAL read_only = ON')
    deadline = time.time() + params['grace_period']
    while writer_transactions(src) and time.time() < deadline:
        time.sleep(0.05)
    timeline.mark('writers_drained', open_writer_transactions=writer_transactions(src))
    killed = global_lock(src, params, timeline)
    result['source_clock_at_freeze'] = str(one(src, 'SELECT NOW(6) AS now')['now'])
    timeline.mark('global_read_lock')
    if params['kill_sessions']:
        killed += kill(src, other_sessions(src))
        timeline.mark('sessions_killed', sessions=killed)
    result['sessions_killed'] = killed
    final = binlog_position(src)
    result['source_final'] = final
    timeline.mark('source_position', **final)
    if not final['file']:
        unfreeze(src, previous_read_only)
        raise CutoverError('SHOW MASTER STATUS is empty: binary logging is off on the source.')

    def read():
        return read_status(rds, dialect, as_rds_master_user=True)
    try:
        status = wait_until_caught_up(read, params['wait_timeout'], max_lag=0,
                                      target=(final['file'], final['position']), interval=0.02)
    except SqlError:
        unfreeze(src, previous_read_only)
        timeline.mark('aborted_unfrozen')
        raise
    except ReplicationWaitError as exc:
        unfreeze(src, previous_read_only)
        timeline.mark('aborted_unfrozen')
        raise CutoverError('%s. The cutover was aborted: the source is writable again, RDS still replicates.' % exc)
    result['rds_executed'] = dict(file=status.get('relay_source_log_file'),
                                  position=status.get('exec_source_log_pos'))
    timeline.mark('rds_caught_up', **result['rds_executed'])
    run(rds, 'CALL %s()' % dialect.rds_procedure('stop'))
    timeline.mark('rds_replication_stopped')
    if params['checksum']:
        # RDS's state at promotion, kept for the proof: the application may write to RDS as soon
        # as it is open, and the procedures' implicit commits would end a snapshot on `rds`.
        run(rds_view, 'START TRANSACTION WITH CONSISTENT SNAPSHOT')
        timeline.mark('rds_snapshot_for_proof')
    if params['reset']:
        run(rds, 'CALL %s()' % dialect.rds_procedure('reset_external'))
        timeline.mark('rds_external_master_reset')
    rds_read_only = int(one(rds, 'SELECT @@global.read_only AS ro')['ro'])
    result['rds_position'] = binlog_position(rds)
    opened = timeline.mark('rds_open', read_only=rds_read_only, **result['rds_position'])
    result['window_seconds'] = round(opened - freeze_started, 4)
    if params['checksum']:
        algorithm = params['checksum_algorithm']
        source_sums = checksum_tables(src, [], params['checksum_exclude_databases'], algorithm)[1]
        rds_sums = checksum_tables(rds_view, [], params['checksum_exclude_databases'], algorithm)[1]
        run(rds_view, 'COMMIT')
        mismatched = [item['table'] for item in compare(source_sums, rds_sums)[1]]
        result['checksums'] = dict(equal=not mismatched, tables=len(source_sums), mismatched=mismatched,
                                   source=source_sums, rds=rds_sums)
        timeline.mark('checksums_compared', equal=not mismatched, tables=len(source_sums))
    run(src, 'UNLOCK TABLES')
    timeline.mark('source_lock_released_read_only_kept')
    if rds_read_only:
        raise CutoverError('RDS was promoted but its read_only is ON: set read_only=0 in its parameter group '
                           '(modify_db_parameter_group) to open it for writes.')
    return result


def unfreeze(src, previous_read_only):
    run(src, 'UNLOCK TABLES')
    if not previous_read_only:
        run(src, 'SET GLOBAL read_only = OFF')


def main():
    argument_spec = connection_argument_spec()
    argument_spec.update(
        source_login_host=dict(type='str', default='localhost'),
        source_login_port=dict(type='int', default=3306),
        source_login_unix_socket=dict(type='str'),
        source_login_user=dict(type='str', required=True),
        source_login_password=dict(type='str', no_log=True),
        source_ca_cert=dict(type='path'),
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
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    timeline = Timeline()
    rds_conn = connect(module)
    rds_view_conn = connect(module)
    src_conn = connect(module, options=as_connection_options(module.params, SOURCE_OPTIONS))
    secrets = [module.params['login_password'], module.params['source_login_password']]
    rds, rds_view, src = rds_conn.cursor(), rds_view_conn.cursor(), src_conn.cursor()
    try:
        dialect = detect(rds)
        status, done = preflight(src, rds, dialect, module.params['max_lag'])
        timeline.mark('preflight', lag=lag(status), already_promoted=done)
        if done or module.check_mode:
            module.exit_json(changed=not done, promoted=False, already_promoted=done,
                             timeline=timeline.steps, preflight=status)
        result = cutover(module, src, rds, rds_view, dialect, timeline)
    except (SqlError, CutoverError) as exc:
        module.fail_json(msg=mask_text(exc, secrets), timeline=timeline.steps)
    finally:
        src_conn.close()
        rds_conn.close()
        rds_view_conn.close()
    module.exit_json(changed=True, promoted=True, timeline=timeline.steps, preflight=status, **result)


if __name__ == '__main__':
    main()
