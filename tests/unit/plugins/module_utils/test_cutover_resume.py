# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.mysql_rds.replication.plugins.module_utils import cutover_resume as cr
from ansible_collections.mysql_rds.replication.plugins.module_utils.cutover_events import enable_events
from ansible_collections.mysql_rds.replication.plugins.module_utils.cutover_preflight import Plan
from ansible_collections.mysql_rds.replication.plugins.module_utils.cutover_promote import Queries
from ansible_collections.mysql_rds.replication.plugins.module_utils.cutover_state import CutoverState
from ansible_collections.mysql_rds.replication.plugins.module_utils.dialect import Dialect
from ansible_collections.mysql_rds.replication.tests.unit.plugins.fake_cursor import FakeCursor

MARIADB = Dialect.from_server('10.11.6-MariaDB-log')
PLAN = Plan(MARIADB, MARIADB)
REPLICATING = dict(configured=True, io_running='Yes', sql_running='Yes', last_io_errno=0, last_sql_errno=0)
STOPPED = dict(configured=True, io_running='No', sql_running='No', last_io_errno=0, last_sql_errno=0)


def state_at(tmp_path, phase, **data):
    state = CutoverState(str(tmp_path / 'state.json'), clock=lambda: 2000.0)
    state.data = dict(source_server_id=7, phase=phase, steps=[dict(phase=phase, at=1990.0)], earlier_freezes=[], **data)
    return state


@pytest.mark.parametrize('phase, rds, expected', [
    ('preflight', REPLICATING, None),
    ('freezing', REPLICATING, 'undo'),
    ('final_position', REPLICATING, 'undo'),
    ('stopping', STOPPED, 'undo'),
    ('rds_stopped', dict(configured=False), 'promoted'),
    ('promoted', dict(configured=False), 'promoted'),
    ('done', dict(configured=False), 'done'),
    ('done', REPLICATING, None),  # set up again since: a new cutover
    ('unfrozen', REPLICATING, None),
])
def test_left_over(tmp_path, phase, rds, expected):
    assert cr.left_over(state_at(tmp_path, phase), 7, rds) == expected


@pytest.mark.parametrize('phase', ['rds_stopped', 'promoted', 'done'])
def test_a_promotion_record_with_a_writable_source_is_no_promotion(tmp_path, phase):
    # An old record beside an RDS reset since (replicating from nothing) and a writable source.
    assert cr.left_over(state_at(tmp_path, phase), 7, dict(configured=False), source_read_only=False) is None


def test_a_freeze_left_is_undone_whether_or_not_the_source_is_still_read_only(tmp_path):
    assert cr.left_over(state_at(tmp_path, 'freezing'), 7, REPLICATING, source_read_only=False) == 'undo'


def test_another_source_record_is_ignored(tmp_path):
    assert cr.left_over(state_at(tmp_path, 'freezing'), 8, REPLICATING) is None


def test_a_left_freeze_is_undone_and_its_gap_recorded(tmp_path):
    state = state_at(tmp_path, 'final_position', previous_read_only=0, frozen_at=1950.0)
    src = FakeCursor([('read_only AS ro', [{'ro': 1}])])
    rds = FakeCursor([])
    queries = Queries([])
    gap = cr.undo_left_freeze(state, src, rds, REPLICATING, PLAN, queries)
    assert list(queries) == ['SET GLOBAL read_only = OFF']
    assert gap['seconds'] == 50.0 and state.phase == 'unfrozen' and state.earlier_seconds() == 50.0


def test_a_left_stop_of_rds_is_started_again(tmp_path):
    state = state_at(tmp_path, 'stopping', previous_read_only=0, frozen_at=1950.0)
    src = FakeCursor([('read_only AS ro', [{'ro': 1}])])
    queries = Queries([])
    cr.undo_left_freeze(state, src, FakeCursor([]), STOPPED, PLAN, queries)
    assert list(queries) == ['SET GLOBAL read_only = OFF', PLAN.rds_start[0]]


def test_a_freeze_given_back_meanwhile_adds_no_gap(tmp_path):
    state = state_at(tmp_path, 'freezing', previous_read_only=0, frozen_at=1.0)
    queries = Queries([])
    assert cr.undo_left_freeze(state, FakeCursor([('read_only AS ro', [{'ro': 0}])]), FakeCursor([]),
                               REPLICATING, PLAN, queries) is None
    assert list(queries) == [] and state.earlier_seconds() == 0 and state.phase == 'unfrozen'


def test_a_source_read_only_before_the_freeze_stays_so(tmp_path):
    state = state_at(tmp_path, 'freezing', previous_read_only=1, frozen_at=1990.0)
    queries = Queries([])
    cr.undo_left_freeze(state, FakeCursor([('read_only AS ro', [{'ro': 1}])]), FakeCursor([]), REPLICATING, PLAN,
                        queries)
    assert list(queries) == []


def events_cursor(events):
    return FakeCursor([('information_schema.EVENTS', [dict(db=db, name=name) for db, name in events])])


def test_finish_enables_the_events_and_returns_the_recorded_result(tmp_path):
    result = dict(final_position=dict(file='b.1', position=4, gtid=''), window_seconds=0.2)
    state = state_at(tmp_path, 'promoted', result=result)
    rds = events_cursor([('shop', 'tick')])
    queries = Queries([])
    finished = cr.finish(state, rds, PLAN, queries)
    assert finished['window_seconds'] == 0.2 and finished['events_enabled'] == ['shop.tick']
    assert list(queries) == ['ALTER EVENT `shop`.`tick` ENABLE']
    assert state.phase == 'done' and state.data['result']['events_enabled'] == ['shop.tick']
    assert rds.executed[0][1] == [MARIADB.replica_disabled_event_status()]


def test_finish_after_done_changes_nothing(tmp_path):
    state = state_at(tmp_path, 'done', result=dict(window_seconds=0.3, events_enabled=['a.b']))
    queries = Queries([])
    assert cr.finish(state, FakeCursor([]), PLAN, queries) == dict(window_seconds=0.3, events_enabled=['a.b'])
    assert list(queries) == []


def test_a_promotion_the_record_missed_is_rebuilt_from_its_steps(tmp_path):
    state = state_at(tmp_path, 'rds_stopped', frozen_at=1989.5, final_position=dict(file='b.1', position=4, gtid=''),
                     rds_position=dict(file='c.1', position=9, gtid=''))
    result = cr.recorded_result(state)
    assert result['window_seconds'] == 0.5 and result['rds_position']['file'] == 'c.1'


def test_enable_events_without_a_status_word_does_nothing():
    assert enable_events(FakeCursor([]), MARIADB, None) == []
