# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checksum a source inside a consistent snapshot and its replica at that exact position, at once.

The replica's applier must be stopped before the snapshot opens. While a thread checksums the
source inside the snapshot, the replica applies up to the snapshot's position and is checksummed
there: both sides take as long as the slower one instead of the sum of the two.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import threading
import time

from ansible_collections.mysql_rds.replication.plugins.module_utils.checksum import (
    DEFAULT_ALGORITHM, checksum_tables, compare)
from ansible_collections.mysql_rds.replication.plugins.module_utils.connection import SqlError, run
from ansible_collections.mysql_rds.replication.plugins.module_utils.dialect import detect
from ansible_collections.mysql_rds.replication.plugins.module_utils.replication_status import (
    error_summary, reached, read_status)


def until_statement(dialect, log_file, position):
    """START ... SQL_THREAD UNTIL the source coordinates, in the replica's words."""
    thread = 'REPLICA' if dialect.replica_words else 'SLAVE'
    prefix = 'SOURCE' if dialect.source_words else 'MASTER'
    sql = 'START %s SQL_THREAD UNTIL %s_LOG_FILE = %%s, %s_LOG_POS = %%s' % (thread, prefix, prefix)
    return sql, [log_file, int(position)]


def apply_until(cursor, snapshot, timeout, sleep=time.sleep, clock=time.monotonic):
    """Let the stopped applier run up to the snapshot; return where it stopped. Raise on an error."""
    dialect = detect(cursor)
    sql, params = until_statement(dialect, snapshot['file'], snapshot['position'])
    run(cursor, sql, params)
    deadline = clock() + timeout
    while True:
        status = read_status(cursor, dialect)
        if status.get('sql_running') != 'Yes':
            break
        if clock() >= deadline:
            raise SqlError('The replica did not reach %s:%s within %ss: raise the timeout or check '
                           'its lag.' % (snapshot['file'], snapshot['position'], timeout))
        sleep(1)
    stopped_at = dict(file=status.get('relay_source_log_file'), position=status.get('exec_source_log_pos'))
    if status.get('last_sql_errno') or not reached(status, snapshot['file'], snapshot['position']):
        raise SqlError('The replica stopped at %s:%s instead of %s:%s (%s).'
                       % (stopped_at['file'], stopped_at['position'], snapshot['file'],
                          snapshot['position'], error_summary(status) or 'its applier was stopped'))
    return stopped_at


def prove(source_cursor, replica_cursor, selected, snapshot, timeout, algorithm=DEFAULT_ALGORITHM):
    """(source tables, replica result) with the source cursor inside the open snapshot; both sides
    checksummed with ``algorithm``."""
    box = {}

    def source_side():
        try:
            box['tables'] = checksum_tables(source_cursor, selected, [], algorithm)[1]
            run(source_cursor, 'COMMIT')
        except Exception as exc:  # pylint: disable=broad-except  # re-raised below
            box['error'] = exc

    worker = threading.Thread(target=source_side)
    worker.daemon = True
    worker.start()
    try:
        stopped_at = apply_until(replica_cursor, snapshot, timeout)
        replica_tables = checksum_tables(replica_cursor, selected, [], algorithm)[1]
    finally:
        worker.join()
    if 'error' in box:
        raise box['error']
    equal, different = compare(replica_tables, box['tables'])
    replica = dict(stopped_at=stopped_at, databases=selected, tables=replica_tables,
                   table_count=len(replica_tables),
                   total_rows=sum(item['rows'] for item in replica_tables.values()),
                   equal=equal, different=different)
    return box['tables'], replica
