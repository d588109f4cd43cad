# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cutover's steps, each recorded (cutover_state) before the next: a small backlog, the freeze,
the final position, RDS at that position, RDS stopped there, RDS promoted, its events enabled, the
proof, the lock released.

Until RDS is promoted (it forgot its source), any failure, timeout or interruption gives the source
back (lock released, read_only as it was) and starts RDS's replication again if it was stopped, so
the servers are as before the run. After the promotion the source stays read_only and a re-run
finishes what is left from the record.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.mysql_rds.replication.plugins.module_utils.checksum import checksum_tables, compare
from ansible_collections.mysql_rds.replication.plugins.module_utils.connection import SqlError, run
from ansible_collections.mysql_rds.replication.plugins.module_utils.cutover_events import enable_events
from ansible_collections.mysql_rds.replication.plugins.module_utils.cutover_freeze import Freeze, read_only
from ansible_collections.mysql_rds.replication.plugins.module_utils.cutover_preflight import CutoverError
from ansible_collections.mysql_rds.replication.plugins.module_utils.cutover_sessions import kill_others
from ansible_collections.mysql_rds.replication.plugins.module_utils.cutover_signals import Interrupted
from ansible_collections.mysql_rds.replication.plugins.module_utils.cutover_wait import (
    limit, wait_for_final, wait_for_small_backlog)
from ansible_collections.mysql_rds.replication.plugins.module_utils.masking import render_query
from ansible_collections.mysql_rds.replication.plugins.module_utils.replication_status import (
    ReplicationWaitError, executed_coordinates, read_binlog_position, read_status)

FAILURES = (SqlError, CutoverError, ReplicationWaitError, Interrupted)
RESTART_TIMEOUT = 5
# Seconds RDS gets to answer each RDS replication procedure of the promotion (the wait left the
# connection's timeout at what remained of wait_timeout, possibly less than a second).
PROCEDURE_TIMEOUT = 10


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
    """One cutover attempt. ``cursors``: (source, RDS, RDS for the proof or None); ``state``: the
    CutoverState; ``checkpoint()`` raises Interrupted when a signal arrived."""

    def __init__(self, params, cursors, plan, timeline, queries, state, checkpoint):
        self.params, self.plan, self.timeline, self.queries = params, plan, timeline, queries
        self.src, self.rds, self.rds_view = cursors
        self.state, self.checkpoint = state, checkpoint
        self.freeze = Freeze(self.src, timeline, execute=queries.run)
        self.rds_stop_sent = self.promoted = False
        self.result = dict(dialect=plan.describe())

    def read_rds(self):
        return read_status(self.rds, self.plan.rds_dialect, as_rds_master_user=True)

    def full_result(self):
        return dict(self.result, timeline=list(self.timeline.steps), queries=list(self.queries))

    def run(self, preflight_status):
        self.result['preflight'] = preflight_status
        self.wait_for_small_backlog()
        try:
            started = self.freeze.start(self.params['grace_period'], before=self.freezing)
            final = self.freeze_and_read_final_position()
            status = self.wait_for_rds(final, started + self.params['wait_timeout'])
            self.stop_rds(status)
            rds_read_only = self.open_rds(started)
        except FAILURES as exc:
            self.abort(exc)
        try:
            self.state.record('promoted', result=self.full_result())
            self.finish(rds_read_only)
        except FAILURES as exc:
            raise CutoverError('%s, after RDS was promoted (it has no source any more and is open); the source '
                               'stays read_only. Re-run the cutover: it finishes from its record (events, report, '
                               'the way back).' % exc)
        return self.full_result()

    def wait_for_small_backlog(self):
        params = self.params
        try:
            backlog = wait_for_small_backlog(
                self.read_rds, lambda: read_binlog_position(self.src, self.plan.source_dialect),
                params['max_backlog_bytes'], params['max_lag'], params['wait_timeout'], self.checkpoint)
        except Interrupted as exc:
            raise CutoverError('%s before the freeze; nothing was changed.' % exc)
        self.result['backlog_at_freeze'] = backlog
        self.timeline.mark('backlog_small', backlog_bytes=backlog)

    def freezing(self, previous_read_only, started):
        self.state.record('freezing', previous_read_only=previous_read_only, frozen_at=started)

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
        self.state.record('final_position', **dict((key, self.result[key]) for key in (
            'final_position', 'source_clock_at_freeze', 'sessions_killed')))
        return final

    def wait_for_rds(self, final, deadline):
        target = dict(file=final['file'], position=final['position'])
        try:
            return wait_for_final(self.read_rds, self.rds, target, deadline, self.checkpoint)
        except SqlError as exc:
            raise CutoverError('RDS did not answer while the source was frozen (%s)' % exc)

    def stop_rds(self, status):
        self.result['rds_executed'] = executed_coordinates(status)
        self.timeline.mark('rds_caught_up', **self.result['rds_executed'])
        self.state.record('stopping', rds_executed=self.result['rds_executed'])
        self.rds_stop_sent = True
        limit(self.rds, PROCEDURE_TIMEOUT)
        self.queries.run(self.rds, *self.plan.rds_stop)
        self.timeline.mark('rds_replication_stopped')
        if self.params['checksum']:
            # RDS's state at promotion, kept for the proof: the application may write to RDS as soon
            # as it is open, and the procedures' implicit commits would end a snapshot on `rds`.
            run(self.rds_view, 'START TRANSACTION WITH CONSISTENT SNAPSHOT')
            self.timeline.mark('rds_snapshot_for_proof')
        # Nothing reaches RDS's binlog from the source any more: the way back starts here.
        self.result['rds_position'] = read_binlog_position(self.rds, self.plan.rds_dialect)
        self.state.record('rds_stopped', checkpoint=False, rds_position=self.result['rds_position'])

    def open_rds(self, started):
        if self.params['reset']:
            self.queries.run(self.rds, *self.plan.rds_reset)
            self.timeline.mark('rds_external_master_reset')
        self.promoted = True
        rds_read_only = read_only(self.rds)
        opened = self.timeline.mark('rds_open', read_only=rds_read_only, **(self.result['rds_position'] or {}))
        self.result['window_seconds'] = round(opened - started, 4)
        self.result['earlier_freezes'] = list(self.state.data.get('earlier_freezes', []))
        self.result['unavailable_seconds'] = round(self.result['window_seconds'] + self.state.earlier_seconds(), 4)
        return rds_read_only

    def finish(self, rds_read_only):
        limit(self.src, None)  # the proof may read for long; the freeze's deadline is behind us
        self.result['events_enabled'] = enable_events(self.rds, self.plan.rds_dialect, self.plan.rds_event_status,
                                                      execute=self.queries.run)
        if self.result['events_enabled']:
            self.timeline.mark('rds_events_enabled', events=len(self.result['events_enabled']))
        if self.params['checksum']:
            self.result['checksums'] = prove(self.src, self.rds_view, self.params, self.timeline)
        self.freeze.release()
        self.timeline.mark('source_lock_released_read_only_kept')
        self.state.record('done', checkpoint=False, result=self.full_result())
        if rds_read_only:
            raise CutoverError('RDS was promoted but its read_only is ON: set read_only=0 in its parameter '
                               'group (modify_db_parameter_group) to open it for writes.')

    def abort(self, reason):
        """Before the promotion: the source back as it was, RDS replicating again; then fail."""
        if self.promoted:
            self.state.record('promoted', checkpoint=False, result=self.full_result())
            raise CutoverError('%s, after RDS was promoted; the source stays read_only. Re-run the cutover to '
                               'finish from its record.' % reason)
        touched = 'RDS replication was stopped and started again' if self.rds_stop_sent else 'before RDS was touched'
        message = '%s. The cutover was aborted %s: %s' % (reason, touched, self.undo_freeze())
        if self.rds_stop_sent:
            try:
                limit(self.rds, RESTART_TIMEOUT)
                self.queries.run(self.rds, *self.plan.rds_start)
            except SqlError as exc:
                message += (" Starting RDS's replication again failed (%s): start it with "
                            "mysql_rds.replication.rds_external_master state=started." % exc)
        self.state.unfrozen(str(reason)[:300])
        self.timeline.mark('aborted_unfrozen')
        raise CutoverError(message)

    def undo_freeze(self):
        try:
            self.freeze.undo()
        except SqlError as exc:
            return 'undoing the freeze failed too (%s): check read_only on the source.' % exc
        if self.freeze.previous_read_only:
            return 'the lock was released and the source stays read_only as it was before.'
        return 'the source is writable again.'
