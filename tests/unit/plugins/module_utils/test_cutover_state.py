# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

import pytest

from ansible_collections.mysql_rds.replication.plugins.module_utils import cutover_state as cs
from ansible_collections.mysql_rds.replication.plugins.module_utils.cutover_signals import Interrupted, Signals


class Clock(object):
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_default_path_is_one_file_per_rds_endpoint_under_home():
    path = cs.default_path('db.abc.eu-west-1.rds.amazonaws.com', 3306)
    assert path == os.path.expanduser('~/.mysql_rds_replication/cutover-db.abc.eu-west-1.rds.amazonaws.com_3306.json')
    assert '/' not in os.path.basename(cs.default_path('a/b', 1))


def test_every_record_is_on_disk_before_the_next_step(tmp_path):
    path = str(tmp_path / 'sub' / 'state.json')
    state = cs.CutoverState(path)
    state.begin(13604, 'rds:3306')
    assert json.loads(open(path).read())['phase'] == 'preflight'
    state.record('freezing', previous_read_only=0, frozen_at=1.5)
    on_disk = json.loads(open(path).read())
    assert on_disk['phase'] == 'freezing' and on_disk['frozen_at'] == 1.5 and on_disk['pid'] == os.getpid()
    assert [step['phase'] for step in on_disk['steps']] == ['preflight', 'freezing']
    assert cs.CutoverState(path).phase == 'freezing'  # a re-run reads it back
    assert not [name for name in os.listdir(str(tmp_path / 'sub')) if name.startswith('.cutover-')]


def test_unreadable_record_is_no_record(tmp_path):
    path = tmp_path / 'state.json'
    path.write_text('{not json')
    assert cs.CutoverState(str(path)).data == {}


def test_gaps_of_aborted_attempts_are_kept_until_the_cutover_completes(tmp_path):
    clock = Clock()
    state = cs.CutoverState(str(tmp_path / 's.json'), clock=clock)
    state.begin(1, 'rds')
    state.record('freezing', previous_read_only=0, frozen_at=1000.0)
    clock.now = 1012.5
    state.unfrozen('timeout')
    assert state.earlier_seconds() == 12.5
    state.begin(1, 'rds')  # the next attempt keeps it
    assert state.earlier_seconds() == 12.5
    state.begin(2, 'rds')  # another source: a new cutover
    assert state.earlier_seconds() == 0
    state.record('done')
    state.begin(2, 'rds')
    assert state.data['earlier_freezes'] == []


def test_a_pending_signal_is_raised_at_the_next_record(tmp_path):
    signals = Signals()
    state = cs.CutoverState(str(tmp_path / 's.json'), checkpoint=signals.checkpoint)
    signals.note(2)
    with pytest.raises(Interrupted) as err:
        state.record('freezing')
    assert 'SIGINT' in str(err.value)
    assert cs.read_record(state.path)['phase'] == 'freezing'  # recorded first
    signals.note(15)
    state.record('rds_stopped', checkpoint=False)  # not between RDS's stop and its promotion
    with pytest.raises(Interrupted):
        signals.checkpoint()


def test_the_lab_hold_waits_at_its_phase_only_and_is_interruptible(tmp_path):
    clock = Clock()
    signals = Signals()
    state = cs.CutoverState(str(tmp_path / 's.json'), checkpoint=signals.checkpoint, clock=clock, sleep=clock.sleep,
                            environ={cs.HOLD_VARIABLE: 'final_position:3'})
    state.record('freezing')
    assert clock.now == 1000.0
    state.record('final_position')
    assert clock.now >= 1003.0

    def interrupt(seconds):
        signals.note(2)
    state.sleep = interrupt
    with pytest.raises(Interrupted):
        state.record('final_position')


def test_signals_install_and_restore():
    import signal
    before = signal.getsignal(signal.SIGTERM)
    signals = Signals().install()
    assert signal.getsignal(signal.SIGTERM) == signals.note
    signals.restore()
    assert signal.getsignal(signal.SIGTERM) == before
