#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: table_checksum
short_description: Row counts and checksums of tables, optionally at the binlog position of a consistent snapshot
version_added: 0.1.0
description:
  - Computes, for every base table of the selected schemas, the number of rows and a checksum
    computed by the server in SQL (an order-independent aggregate of a hash of every row, CRC32 or
    MD5 as O(algorithm) says, with NULL markers so that C(NULL) and an empty string differ).
  - With O(snapshot=true) the checksums are read inside C(START TRANSACTION WITH CONSISTENT SNAPSHOT)
    and the module returns the source binary log coordinates of that snapshot (and the matching
    GTID). A replica that applied exactly up to there must give the same checksums, which proves
    that no row was lost, even while the source takes writes.
  - With O(replica_login), the module does that proof in one call. It pauses the replica's applier
    (before the snapshot opens), lets it apply up to the snapshot's coordinates, checksums it there
    while the source is read, compares, and restores replication as it found it.
  - With O(replica_login) and O(replica_pause=false) it reads both servers at the same time as they
    are, for a replica whose applier the login may not pause (RDS read as its master user). A table
    written while it is read, or not yet applied by the replica, may differ, so read it again.
  - Read-only; never reports a change.
author:
  - mysql_rds.replication contributors (@mysql_rds)
extends_documentation_fragment:
  - mysql_rds.replication.connection
  - mysql_rds.replication.source_login.replica
  - mysql_rds.replication.source_login.record
attributes:
  check_mode:
    support: full
    description: >-
      The module only reads; it runs the same way in check mode. With O(replica_login) it also pauses
      the replica's applier, lets it run forward to the snapshot's coordinates and restores
      replication as found, as in a normal run.
  diff_mode:
    support: none
    description: Nothing to diff.
options:
  databases:
    description:
      - Schemas to checksum.
      - When empty, every schema except C(mysql), C(information_schema), C(performance_schema),
        C(sys) and those in O(exclude_databases).
      - A schema listed here is checksummed even when it is in O(exclude_databases).
    type: list
    elements: str
    default: []
  exclude_databases:
    description:
      - Schemas left out when O(databases) is empty.
    type: list
    elements: str
    default: []
  snapshot:
    description:
      - Read every table in one consistent snapshot and return its binary log coordinates in RV(snapshot).
      - Needs a server whose consistent snapshot reports its binary log position (MariaDB; MySQL has
        none) and binary logging on. O(replica_login) implies it.
      - Only InnoDB (transactional) tables are consistent with the coordinates; others are flagged
        in RV(tables) with C(transactional=false).
    type: bool
    default: false
  compare_to:
    description:
      - The RV(tables) of another run (for example on the source) to compare with.
      - When given, RV(equal) and RV(different) list the tables that match or not (a table on
        one side only is different). The module still succeeds, the caller decides.
    type: dict
  replica_timeout:
    description:
      - Seconds the replica may take to reach the snapshot's coordinates (O(replica_login)).
    type: int
    default: 600
  replica_pause:
    description:
      - With O(replica_login), V(true) pauses the replica's applier and reads it at the snapshot's
        coordinates (see above; the login needs to stop and start the replica's threads).
      - V(false) opens no snapshot and pauses nothing; the source and the replica are read at the same
        time, each as it is (the schemas selected on the source, on both), and the C(equal) and
        C(different) of RV(replica) say which tables matched at that moment. Not with O(snapshot=true), nor
        with O(proof_record) (unless O(reprove=record_only) or O(reprove=check), which read no table).
    type: bool
    default: true
  algorithm:
    description:
      - Row hash of the checksums.
      - V(crc32) (about 3 times cheaper) XORs the CRC32 of every row and sums the CRC32 of its
        bytes reversed, 64 bits in all. Its checksums read C(crc32:<xor>-<sum>).
      - V(md5) XORs the first 64 bits and sums the last 64 bits of the MD5 of every row. Its
        checksums read C(<xor>-<sum>), like those of the module before it had this option.
      - The checksums of two algorithms never compare equal, so give the same value to the run
        whose RV(tables) are passed in O(compare_to). O(replica) is always read with the same algorithm.
    type: str
    choices: [crc32, md5]
    default: crc32
  tables:
    description:
      - Checksum only these tables, named C(schema.table), of the selected schemas (empty, the default,
        means every table). O(compare_to) is then compared on these tables only.
      - For a second look at the tables an earlier run did not prove equal. Not with O(replica).
    type: list
    elements: str
    default: []
  proof_record:
    description:
      - Name of the source/replica pair (for example the source's C(host:port)) whose proof is recorded,
        so that a re-run that changed nothing does not read every row again.
      - A proof with O(replica_login) that finds no difference records where the replica's applier is
        then (file, position, GTID, whom it replicates from) in the table
        C(mysql.mysql_rds_replication_proof) on O(proof_record_login)'s server (written with
        C(sql_log_bin=0), so it never replicates; not reported as a change, like the pause of the
        applier). With O(reprove=record_only) the module records without checksumming (a proof made
        by earlier calls).
      - With O(reprove=changed) and a record whose replica still replicates from the same source, both
        of its threads running without error, its applier at or beyond the recorded position (and
        GTID) and no write of its own logged since (its own server id in its binlog GTID state,
        MariaDB), the module reads no table and returns RV(reused=true).
      - RDS logs its own bookkeeping (C(mysql.rds_heartbeat2) every few seconds, C(mysql.rds_history), ...)
        with its own server id. When the replica's own GTID sequence moved, the module reads the
        replica's binlog from the recorded sequence on (C(SHOW BINARY LOGS), C(SHOW BINLOG EVENTS), with the
        BINLOG MONITOR privilege the RDS master user has) and the proof still holds when every
        transaction of its own there changed only rows of C(mysql.rds_*) tables; it then moves the
        record's mark to the sequence read (C(sql_log_bin=0), not reported as a change; not in check
        mode). Any other transaction of its own (an application table, a DDL, an account), binlogs
        purged since, or more than 200000 events or 10 seconds to read, and the proof runs again
        (RV(reprove_reason) says which).
    type: str
  reprove:
    description:
      - With O(proof_record). V(always) proves (and records), V(changed) proves only when the record does
        not hold any more (see O(proof_record)), V(check) only says whether it holds (RV(reused),
        RV(reprove_reason); no table read either way), V(record_only) records without proving.
    type: str
    choices: [always, changed, check, record_only]
    default: always
  proof_tables:
    description:
      - With O(reprove=record_only), the number of tables the earlier calls proved (kept in the record).
    type: int
    default: 0
  rds:
    description:
      - The replica whose state the record follows is the module's login (no O(replica_login)) and is
        RDS, read as its master user.
    type: bool
    default: false
requirements:
  - PyMySQL >= 1.0 on the host that runs the module.
notes:
  - Tables are read in full (one aggregate query per table); on large tables run it on a replica or
    out of peak hours.
  - Views and sequences are skipped.
seealso:
  - module: mysql_rds.replication.mysql_replica_config
'''

EXAMPLES = r'''
# Proof under writes: one call reads the source inside a consistent snapshot and the replica at
# exactly the snapshot's position (the module pauses and resumes the replica's applier itself).
- name: Prove the replica equal to its source while the source takes writes
  mysql_rds.replication.table_checksum:
    login_host: mydb.abcdefgh.eu-west-1.rds.amazonaws.com
    login_user: admin
    login_password: "{{ rds_master_password }}"
    ca_cert: /etc/mysql/rds-global-bundle.pem
    exclude_databases: [loadgen]
    replica_login:
      login_host: db1.example.internal
      login_user: dba
      login_password: "{{ dba_password }}"
    replica_timeout: 900
  register: proof

- name: Fail when a table differs
  ansible.builtin.assert:
    that: proof.replica.different | length == 0
    fail_msg: "Tables that differ: {{ proof.replica.different | map(attribute='table') | list }}"

# A replica whose applier the login may not pause (RDS as its master user): both read at the same
# time, as they are; read the tables that differed again (as the rds_replica_of_source role does).
- name: Checksum the source and its RDS replica side by side
  mysql_rds.replication.table_checksum:
    login_host: db1.example.internal
    login_user: dba
    login_password: "{{ dba_password }}"
    databases: [shop]
    replica_login:
      login_host: mydb.abcdefgh.eu-west-1.rds.amazonaws.com
      login_user: admin
      login_password: "{{ rds_master_password }}"
      ca_cert: /etc/mysql/rds-global-bundle.pem
    replica_pause: false
  register: side_by_side

# Two separate runs compare only when neither server changes in between (for example after the
# cutover: source read-only, replica caught up); under writes use replica_login above.
- name: Checksum the quiet source
  mysql_rds.replication.table_checksum:
    login_host: db1.example.internal
    login_user: dba
    login_password: "{{ dba_password }}"
    databases: [shop]
  register: source_sums

- name: Checksum the same schema on the promoted RDS instance and compare
  mysql_rds.replication.table_checksum:
    login_host: mydb.abcdefgh.eu-west-1.rds.amazonaws.com
    login_user: admin
    login_password: "{{ rds_master_password }}"
    databases: [shop]
    compare_to: "{{ source_sums.tables }}"
  register: rds_sums
'''

RETURN = r'''
tables:
  description: Per table (key C(schema.table)), its row count, checksum and engine.
  returned: always
  type: dict
  sample:
    shop.orders: {rows: 1520, checksum: "crc32:2841170914-3256374519876", engine: InnoDB, transactional: true}
databases:
  description: The schemas checksummed.
  returned: always
  type: list
  elements: str
  sample: [shop]
table_count:
  description: Number of tables checksummed.
  returned: always
  type: int
  sample: 12
total_rows:
  description: Sum of the rows of every table.
  returned: always
  type: int
  sample: 120345
equal:
  description: Tables whose rows and checksum match O(compare_to).
  returned: when O(compare_to) is given
  type: list
  elements: str
  sample: [shop.orders]
different:
  description: Tables that differ from O(compare_to), or exist on one side only, with both row counts.
  returned: when O(compare_to) is given
  type: list
  elements: dict
  sample: [{table: shop.items, rows: 10, compare_rows: 11}]
snapshot:
  description: Binary log coordinates of the snapshot the checksums were read in (O(snapshot=true)).
  returned: when O(snapshot=true) or O(replica_login) is set
  type: dict
  contains:
    file:
      description: Binary log file of the snapshot.
      type: str
      sample: mysql-bin-changelog.000123
    position:
      description: Position in RV(snapshot.file).
      type: int
      sample: 45678
    gtid:
      description: The GTID position of those coordinates; empty where the server cannot tell it.
      type: str
      sample: 0-13301-5012
queries:
  description:
    - The replication statements run on the replica (O(replica_login)), in order (pause, apply up
      to the snapshot's coordinates, resume as found); empty without O(replica_login) and with
      O(replica_pause=false). The checksum reads are not listed.
  returned: always
  type: list
  elements: str
reused:
  description:
    - O(reprove=changed) found the last recorded proof still holding, so no table was read (RV(tables) is
      empty, RV(table_count) the recorded one).
  returned: with O(proof_record)
  type: bool
recorded:
  description: The proof (or with O(reprove=record_only) the replica's position) was recorded.
  returned: with O(proof_record)
  type: bool
record:
  description:
    - The record reused (C(file), C(position), C(gtid), C(source_server_id), C(tables), C(proved_at)) or
      written (C(file), C(position), C(gtid) of the replica's applier).
  returned: with O(proof_record), when reused or recorded
  type: dict
reprove_reason:
  description: Why the proof ran again (no record yet, replication restarted, O(reprove=always), ...).
  returned: with O(proof_record), when the tables were read
  type: str
replica:
  description:
    - The replica's side of the proof (O(replica_login)), read at the snapshot's coordinates (with
      O(replica_pause=false), as it was while the source was read).
    - Same keys as the source's RV(databases), RV(tables), RV(table_count), RV(total_rows),
      RV(equal) and RV(different) (RV(different) items have C(rows) on the replica and
      C(compare_rows) on the source), plus C(stopped_at) (C(file), C(position)) where its applier
      stopped (not with O(replica_pause=false)).
  returned: when O(replica_login) is set
  type: dict
'''


from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mysql_rds.replication.plugins.module_utils.connection import (
    SqlError, connect, connection_argument_spec, run)
from ansible_collections.mysql_rds.replication.plugins.module_utils.checksum import (
    ALGORITHMS, DEFAULT_ALGORITHM, checksum_tables, compare, list_schemas, select_databases, summary)
from ansible_collections.mysql_rds.replication.plugins.module_utils.dialect import DialectError, detect
from ansible_collections.mysql_rds.replication.plugins.module_utils.masking import guard_output, unexpected
from ansible_collections.mysql_rds.replication.plugins.module_utils.proof_record import record_proof, record_step
from ansible_collections.mysql_rds.replication.plugins.module_utils.replica_proof import ReplicaPause, prove, read_live


def start_snapshot(cursor):
    """Open a consistent snapshot; return its binlog coordinates (servers whose snapshot reports them)."""
    dialect = detect(cursor)
    if not dialect.has_lockless_snapshot:
        raise SqlError('snapshot=true needs a server whose consistent snapshot reports its binary log position '
                       '(MariaDB); %s has none: stop a replica of it and checksum both sides without snapshot.'
                       % dialect.name)
    run(cursor, 'SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ')
    run(cursor, 'START TRANSACTION WITH CONSISTENT SNAPSHOT')
    status = dict((row['Variable_name'].lower(), row['Value'])
                  for row in run(cursor, *dialect.snapshot_position_statement()))
    log_file = status.get('binlog_snapshot_file')
    if not log_file:
        raise SqlError('snapshot=true needs binary logging on this server (its snapshot reports no binary log '
                       'file): turn log_bin on.')
    position = int(status.get('binlog_snapshot_position') or 0)
    gtid = ''
    try:
        statement = dialect.gtid_at_position_statement(log_file, position)
        gtid = (run(cursor, *statement)[0]['gtid'] or '') if statement else ''
    except SqlError:
        gtid = ''
    return dict(file=log_file, position=position, gtid=gtid)


def collect(cursor, databases, exclude_databases, snapshot, algorithm=DEFAULT_ALGORITHM, only=None):
    result = dict(changed=False, queries=[])
    if snapshot:
        result['snapshot'] = start_snapshot(cursor)
    selected, tables = checksum_tables(cursor, databases, exclude_databases, algorithm, only)
    if snapshot:
        run(cursor, 'COMMIT')
    result.update(summary(selected, tables))
    return result


def collect_with_replica(cursor, replica, databases, exclude_databases, timeout, algorithm=DEFAULT_ALGORITHM):
    """The source inside a snapshot and, at the same time, ``replica`` (a ReplicaPause) at its coordinates:
    the replica is paused before the snapshot opens and restored as found afterwards."""
    result = dict(changed=False)
    try:
        replica.pause(source_server_id=run(cursor, 'SELECT @@global.server_id AS id')[0]['id'])
        result['snapshot'] = start_snapshot(cursor)
        selected = select_databases(list_schemas(cursor), databases, exclude_databases)
        tables, result['replica'] = prove(cursor, replica, selected, result['snapshot'], timeout, algorithm)
    except Exception:
        replica.restore(quiet=True)
        raise
    replica.restore()
    result.update(summary(selected, tables), queries=replica.queries)
    return result


def collect_side_by_side(cursor, replica_cursor, databases, exclude_databases, algorithm=DEFAULT_ALGORITHM):
    """The source and the replica read at the same time, as they are (no snapshot, no pause)."""
    selected = select_databases(list_schemas(cursor), databases, exclude_databases)
    tables, replica_result = read_live(cursor, replica_cursor, selected, algorithm)
    return dict(summary(selected, tables), changed=False, queries=[], replica=replica_result)


def argument_spec():
    spec = connection_argument_spec()
    spec.update(
        databases=dict(type='list', elements='str', default=[]),
        exclude_databases=dict(type='list', elements='str', default=[]),
        snapshot=dict(type='bool', default=False),
        compare_to=dict(type='dict'),
        replica_login=dict(type='dict', options=connection_argument_spec(), aliases=['replica']),
        replica_timeout=dict(type='int', default=600),
        replica_pause=dict(type='bool', default=True),
        algorithm=dict(type='str', choices=list(ALGORITHMS), default=DEFAULT_ALGORITHM),
        tables=dict(type='list', elements='str', default=[]),
        proof_record=dict(type='str'),
        proof_record_login=dict(type='dict', options=connection_argument_spec()),
        reprove=dict(type='str', choices=['always', 'changed', 'check', 'record_only'], default='always'),
        proof_tables=dict(type='int', default=0),
        rds=dict(type='bool', default=False),
    )
    return spec


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    guard_output(module)  # both logins' passwords masked in every output, also where a server echoed them
    params = module.params
    padded = ['%s %r' % (name, item) for name in ('databases', 'exclude_databases', 'tables')
              for item in params[name] if not item.strip() or item != item.strip()]
    if padded:
        module.fail_json(msg='empty or space-padded entries (a comma-separated string with blanks?): %s; give the '
                         'names only, without spaces.' % ', '.join(padded))
    if params['replica_timeout'] < 1:
        module.fail_json(msg='replica_timeout must be 1 or more seconds (got %s).' % params['replica_timeout'])
    live = params['replica_login'] is not None and not params['replica_pause']
    if live and params['snapshot']:
        module.fail_json(msg='snapshot=true cannot be combined with replica_pause=false, which reads both servers '
                         'as they are: drop one of the two.')
    if live and params['proof_record'] and params['reprove'] in ('always', 'changed'):
        module.fail_json(msg='proof_record cannot be combined with replica_pause=false: a read of both servers as '
                         'they are proves only the tables that matched; record the proof with reprove=record_only '
                         'once every table matched.')
    only = set(params['tables']) or None
    reason = None
    if params['proof_record']:
        try:
            reused, reason = record_step(module, lambda options: connect(module, options=options), params, detect)
        except (SqlError, DialectError) as exc:
            module.fail_json(msg='proof_record: %s' % (getattr(exc, 'message', None) or exc))
        if reused is not None:
            module.exit_json(**reused)
    if only and params['replica_login'] is not None:
        module.fail_json(msg='tables cannot be combined with replica_login: the proof compares every selected table.')
    conn = connect(module)
    replica_conn = replica = None
    try:
        if live:
            replica_conn = connect(module, options=params['replica_login'])
            result = collect_side_by_side(conn.cursor(), replica_conn.cursor(), params['databases'],
                                          params['exclude_databases'], algorithm=params['algorithm'])
        elif params['replica_login'] is not None:
            replica_conn = connect(module, options=params['replica_login'])
            replica = ReplicaPause(replica_conn.cursor())
            result = collect_with_replica(conn.cursor(), replica, params['databases'], params['exclude_databases'],
                                          params['replica_timeout'], algorithm=params['algorithm'])
        else:
            result = collect(conn.cursor(), params['databases'], params['exclude_databases'],
                             params['snapshot'], algorithm=params['algorithm'], only=only)
    except Exception as exc:  # pylint: disable=broad-except
        msg = getattr(exc, 'message', None) or (str(exc) if isinstance(exc, DialectError) else unexpected(exc))
        if replica is not None and replica.restore_error:
            msg += ' Replication on the replica could not be restored as found: %s' % replica.restore_error
        module.fail_json(msg=msg, errno=getattr(exc, 'errno', None),
                         queries=replica.queries if replica is not None else [])
    finally:
        conn.close()
        if replica_conn is not None:
            replica_conn.close()
    missing = sorted((only or set()) - set(result['tables']))
    if missing:
        module.fail_json(msg='tables not found: %s (give schema.table names of base tables that exist); '
                         'nothing was changed.' % ', '.join(missing))
    if params['compare_to'] is not None:
        other = params['compare_to']
        if only:
            other = dict((name, value) for name, value in other.items() if name in only)
        result['equal'], result['different'] = compare(result['tables'], other)
    if reason is not None:
        result.update(reused=False, reprove_reason=reason, recorded=False)
        if result.get('replica') is not None and not result['replica']['different'] and not module.check_mode:
            try:
                result['record'] = record_proof(params, lambda options: connect(module, options=options), detect,
                                                result['table_count'])
                result['recorded'] = True
            except (SqlError, DialectError) as exc:
                module.warn('proof_record: the proof passed but cannot be recorded: %s'
                            % (getattr(exc, 'message', None) or exc))
    module.exit_json(**result)


if __name__ == '__main__':
    main()
