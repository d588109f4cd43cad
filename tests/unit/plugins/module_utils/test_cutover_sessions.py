# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.mysql_rds.replication.plugins.module_utils import cutover_sessions as cs
from ansible_collections.mysql_rds.replication.plugins.module_utils.errors import SqlError
from ansible_collections.mysql_rds.replication.tests.unit.plugins.fake_cursor import FakeCursor


def test_other_sessions_keeps_replication_and_server_threads():
    cursor = FakeCursor([('processlist', [{'id': 7}, {'id': 9}])])
    assert cs.other_sessions(cursor) == [7, 9]
    sql, params = cursor.executed[0]
    assert 'id <> CONNECTION_ID()' in sql and "command <> 'Sleep'" not in sql
    assert sql.count('%s') == len(params)
    assert set(cs.KEEP_USERS) <= set(params) and set(cs.KEEP_COMMANDS) <= set(params)
    assert 'Binlog Dump' in params and 'Binlog Dump GTID' in params


def test_other_sessions_running_only_leaves_idle_ones():
    cursor = FakeCursor([('processlist', [])])
    cs.other_sessions(cursor, running_only=True)
    assert "command <> 'Sleep'" in cursor.executed[0][0]


def test_kill_counts_what_it_killed_and_skips_sessions_already_gone():
    def answer(sql, params):
        if params == [8]:
            raise SqlError('Unknown thread id: 8', errno=1094)
        return []
    cursor = FakeCursor([('KILL CONNECTION', answer)])
    assert cs.kill(cursor, [7, 8, 9]) == 2
    assert cursor.statements == ['KILL CONNECTION 7', 'KILL CONNECTION 8', 'KILL CONNECTION 9']


def test_kill_others_runs_through_the_given_execute():
    cursor = FakeCursor([('processlist', [{'id': 4}])])
    seen = []

    def execute(cur, sql, params=None):
        seen.append(sql % tuple(params))
    assert cs.kill_others(cursor, execute=execute) == 1
    assert seen == ['KILL CONNECTION 4']
