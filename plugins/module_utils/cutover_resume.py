# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What an interrupted cutover left (its record, cutover_state), found by the next run.

- A freeze left while RDS still replicates (the run was killed before the promotion): the lock ended
  with the killed process, so its final position is no longer final; the source gets its read_only
  from before the freeze back (and RDS's replication is started if that run had stopped it), the gap
  is recorded, and this run makes a new cutover.
- RDS promoted: the run finishes from the recorded positions (events, then the result the report
  and the way back need) instead of failing for want of a starting point.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.mysql_rds.replication.plugins.module_utils.cutover_events import enable_events
from ansible_collections.mysql_rds.replication.plugins.module_utils.cutover_freeze import READ_ONLY_OFF, read_only
from ansible_collections.mysql_rds.replication.plugins.module_utils.replication_status import broken, healthy

LEFT_BY_A_RUN = ('freezing', 'final_position', 'stopping', 'rds_stopped')
RECORDED = ('final_position', 'source_final', 'source_clock_at_freeze', 'sessions_killed', 'rds_executed',
            'rds_position')


def left_over(state, source_server_id, rds_status, source_read_only=True):
    """'undo' (a freeze left, RDS still replicates), 'promoted' (RDS promoted, not finished), 'done'
    (finished: the recorded result) or None (nothing left: a new cutover). A promotion counts only
    while the old source is still read-only: a writable source with an RDS that replicates from
    nothing is another situation (RDS reset or never set up since), which the preflight judges."""
    if not state.belongs_to(source_server_id):
        return None
    configured = rds_status.get('configured')
    if configured:
        return 'undo' if state.phase in LEFT_BY_A_RUN else None
    if not source_read_only:
        return None
    if state.phase in LEFT_BY_A_RUN:
        return 'promoted'
    return state.phase if state.phase in ('promoted', 'done') else None


def undo_left_freeze(state, src, rds, rds_status, plan, queries):
    """The source's read_only as it was before the freeze, RDS's replication running. Returns the
    gap (recorded) when the source was still frozen, else None (the record is closed without one)."""
    frozen = bool(read_only(src))
    if frozen and not state.data.get('previous_read_only'):
        queries.run(src, READ_ONLY_OFF)
    if state.phase in ('stopping', 'rds_stopped') and not healthy(rds_status) and not broken(rds_status):
        queries.run(rds, *plan.rds_start)
    if not frozen:
        state.data.pop('frozen_at', None)  # given back meanwhile: the gap is not known
    state.unfrozen('left by an interrupted run, undone by the next one')
    return state.data['earlier_freezes'][-1] if frozen and state.data.get('earlier_freezes') else None


def recorded_result(state):
    """The promotion's result as recorded (built from the steps when the run died right after the
    reset, before it could record the promotion)."""
    result = state.data.get('result')
    if result:
        return dict(result)
    result = dict((key, state.data.get(key)) for key in RECORDED)
    steps = state.data.get('steps') or [dict(at=state.data.get('frozen_at'))]
    frozen_at = state.data.get('frozen_at') or steps[-1]['at']
    result['window_seconds'] = round(steps[-1]['at'] - frozen_at, 4)
    result['unavailable_seconds'] = round(result['window_seconds'] + state.earlier_seconds(), 4)
    result.update(earlier_freezes=state.data.get('earlier_freezes', []), timeline=[], preflight={})
    return result


def finish(state, rds, plan, queries):
    """RDS was promoted by an earlier run: enable its events, record the end; returns the result."""
    result = recorded_result(state)
    if state.phase != 'done':
        result['events_enabled'] = enable_events(rds, plan.rds_dialect, plan.rds_event_status, execute=queries.run)
        state.record('done', checkpoint=False, result=result)
    return result
