# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.mysql_rds.replication.plugins.module_utils import replica_options as ro


def params(**overrides):
    values = dict((name, spec.get('default')) for name, spec in ro.source_argument_spec().items())
    values.update(source_host='db1', source_user='repl', source_log_file='mysql-bin.000001', source_log_pos=4)
    values.update(overrides)
    return values


def test_source_password_is_never_logged():
    assert ro.source_argument_spec()['source_password']['no_log'] is True


def test_good_input_has_no_problem():
    assert ro.coordinate_problems(params()) + ro.required_problems(params()) + ro.limit_problems(params()) == []


@pytest.mark.parametrize('overrides, check, words', [
    (dict(source_log_pos=None), ro.coordinate_problems, 'go together'),
    (dict(source_log_file=None), ro.coordinate_problems, 'go together'),
    (dict(source_log_pos=3), ro.coordinate_problems, 'must be 4 or more'),
    (dict(source_host=None), ro.required_problems, 'source_host is required with state=started'),
    (dict(state='present', source_user=''), ro.required_problems, 'source_user is required with state=present'),
    (dict(delay=-1), ro.limit_problems, 'between 0 and 86400'),
    (dict(delay=86401), ro.limit_problems, 'between 0 and 86400'),
    (dict(max_lag=-1), ro.limit_problems, 'max_lag must be 0 or more'),
])
def test_problems(overrides, check, words):
    assert any(words in problem for problem in check(params(**overrides)))


def test_stopped_and_absent_need_no_source():
    for state in ('stopped', 'absent'):
        assert ro.required_problems(params(state=state, source_host=None, source_user=None)) == []


def test_start_point_is_coordinates_gtid_or_auto_position():
    assert ro.has_start_point(params())
    assert ro.has_start_point(params(source_log_file=None, source_gtid='0-1-2'))
    assert ro.has_start_point(params(source_log_file=None, source_auto_position=True))
    assert not ro.has_start_point(params(source_log_file=None))


@pytest.mark.parametrize('io, sql, expected', [
    ('Yes', 'Yes', True), ('Connecting', 'Yes', True), ('No', 'Yes', False), ('Yes', 'No', False),
])
def test_fully_running(io, sql, expected):
    assert ro.fully_running(dict(io_running=io, sql_running=sql)) is expected
