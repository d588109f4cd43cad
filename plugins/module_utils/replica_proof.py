# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checksum a source inside a consistent snapshot and its replica at that exact position, at once.

ReplicaPause.pause() stops the replica's applier before the snapshot opens (and starts its
receiver if it was stopped, so the events up to the snapshot arrive). While a thread checksums
the source inside the snapshot, the replica applies up to the snapshot's position and is
checksummed there: both sides take as long as the slower one instead of the sum of the two.
ReplicaPause.restore() then puts replication back as it was found.

read_live() reads both servers at the same time as they are, for a replica whose applier the login
cannot pause (RDS as its master user): its caller compares and reads again where they differ.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import threading
import time

from ansible_collections.mysql_rds.replication.plugins.module_utils.checksum import (
    DEFAULT_ALGORITHM, checksum_tables, compare, summary)
from ansible_collections.mysql_rds.replication.plugins.module_utils.connection import SqlError, run
from ansible_collections.mysql_rds.replication.plugins.module_utils.dialect import detect
from ansible_collections.mysql_rds.replication.plugins.module_utils.masking import render_query
from ansible_collections.mysql_rds.replication.plugins.module_utils.replication_status import (
    error_summary, reached, read_status)


class ReplicaPause(object):
    """The replication of the replica behind ``cursor``: paused for a proof, restored as found.

    ``queries`` lists the replication statements run, in order.
    """

    def __init__(self, cursor, sleep=time.sleep, clock=time.monotonic):
        self.cursor = cursor
        self.sleep = sleep
        self.clock = clock
        self.dialect = None
        self.found = None
        self.started_receiver = False
        self.queries = []
        self.restore_error = None

    def _run(self, statement):
        sql, params = statement
        self.queries.append(render_query(sql, params))
        run(self.cursor, sql, params)

    def status(self):
        return read_status(self.cursor, self.dialect)

    def pause(self, source_server_id=None):
        """Stop the applier when it runs (before the source's snapshot opens); start the receiver when
        it is stopped. Raises SqlError when this server is not a replica of that source."""
        self.dialect = detect(self.cursor)
        status = self.status()
        if not status.get('configured'):
            raise SqlError('replica_login: that server has no source configured, so it cannot be checksummed '
                           "at the snapshot's position: give the login of a replica of this server.")
        replica_of = status.get('source_server_id')
        if source_server_id and replica_of and int(replica_of) != int(source_server_id):
            raise SqlError('replica_login: that server replicates from server_id %s, not from this server '
                           '(server_id %s): the positions would not compare; give the login of a direct '
                           'replica of this server.' % (replica_of, source_server_id))
        self.found = status
        if status.get('sql_running') != 'No':
            self._run(self.dialect.stop_statement(thread='sql'))
        if status.get('io_running') == 'No':
            self._run(self.dialect.start_statement(thread='io'))
            self.started_receiver = True

    def apply_until(self, snapshot, timeout):
        """Let the paused applier run up to the snapshot; return where it stopped. Raise on an error."""
        until = dict(file=snapshot['file'], position=int(snapshot['position']))
        self._run(self.dialect.start_statement(thread='sql', until=until))
        deadline = self.clock() + timeout
        while True:
            status = self.status()
            if status.get('sql_running') != 'Yes':
                break
            if self.clock() >= deadline:
                raise SqlError('The replica did not reach %s:%s within %ss: raise replica_timeout or check '
                               'its lag.' % (snapshot['file'], snapshot['position'], timeout))
            self.sleep(1)
        stopped_at = dict(file=status.get('relay_source_log_file'), position=status.get('exec_source_log_pos'))
        if status.get('last_sql_errno') or not reached(status, snapshot['file'], snapshot['position']):
            raise SqlError('The replica stopped at %s:%s instead of %s:%s (%s).'
                           % (stopped_at['file'], stopped_at['position'], snapshot['file'],
                              snapshot['position'], error_summary(status) or 'its applier was stopped'))
        return stopped_at

    def restore(self, quiet=False):
        """Replication as found: the applier running again if it ran, the receiver stopped if it was.
        With ``quiet`` an error is kept in ``restore_error`` instead of raised."""
        if self.found is None:
            return
        try:
            if self.status().get('sql_running') != 'No':  # still on its way to the position
                self._run(self.dialect.stop_statement(thread='sql'))
            if self.found.get('sql_running') != 'No':
                self._run(self.dialect.start_statement(thread='sql'))
            if self.started_receiver:
                self._run(self.dialect.stop_statement(thread='io'))
            self.found = None
        except SqlError as exc:
            if not quiet:
                raise
            self.restore_error = exc.message


def read_both(source_side, replica_side):
    """(source_side(), replica_side()), run at the same time: the source's in a thread, the replica's in
    the caller's. The thread is joined before anything is raised, so no cursor is still in use when the
    caller goes on (restores the replica, closes the connections)."""
    box = {}

    def run_source_side():
        try:
            box['value'] = source_side()
        except Exception as exc:  # pylint: disable=broad-except  # re-raised below
            box['error'] = exc

    worker = threading.Thread(target=run_source_side)
    worker.daemon = True
    worker.start()
    try:
        replica_value = replica_side()
    finally:
        worker.join()
    if 'error' in box:
        raise box['error']
    return box['value'], replica_value


def replica_result(source_tables, replica_tables, selected, **extra):
    equal, different = compare(replica_tables, source_tables)
    return dict(summary(selected, replica_tables), equal=equal, different=different, **extra)


def prove(source_cursor, replica, selected, snapshot, timeout, algorithm=DEFAULT_ALGORITHM):
    """(source tables, replica result) with the source cursor inside the open snapshot and
    ``replica`` (a paused ReplicaPause); both sides checksummed with ``algorithm``."""
    def source_side():
        tables = checksum_tables(source_cursor, selected, [], algorithm)[1]
        run(source_cursor, 'COMMIT')
        return tables

    def replica_side():
        stopped_at = replica.apply_until(snapshot, timeout)
        return stopped_at, checksum_tables(replica.cursor, selected, [], algorithm)[1]

    source_tables, (stopped_at, replica_tables) = read_both(source_side, replica_side)
    return source_tables, replica_result(source_tables, replica_tables, selected, stopped_at=stopped_at)


def read_live(source_cursor, replica_cursor, selected, algorithm=DEFAULT_ALGORITHM):
    """(source tables, replica result) of both servers read at the same time and as they are: no pause,
    no snapshot. Tables under writes, or not yet applied by the replica, may differ; the caller reads
    again."""
    source_tables, replica_tables = read_both(
        lambda: checksum_tables(source_cursor, selected, [], algorithm)[1],
        lambda: checksum_tables(replica_cursor, selected, [], algorithm)[1])
    return source_tables, replica_result(source_tables, replica_tables, selected)
