# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.mysql_rds.replication.plugins.module_utils import replica_options as ro
from ansible_collections.mysql_rds.replication.tests.unit.plugins.module_harness import Exit


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
    (dict(source_host=None), ro.required_problems, 'source_host and source_user go together'),
    (dict(source_host=None, source_user=None), ro.required_problems, 'needs source_host and source_user'),
    (dict(state='present', source_host=None), ro.required_problems, 'source_host is required with state=present'),
    (dict(state='present', source_user=''), ro.required_problems, 'source_user is required with state=present'),
    (dict(delay=-1), ro.limit_problems, 'between 0 and 86400'),
    (dict(delay=86401), ro.limit_problems, 'between 0 and 86400'),
    (dict(max_lag=-1), ro.limit_problems, 'max_lag must be 0 or more'),
])
def test_problems(overrides, check, words):
    assert any(words in problem for problem in check(params(**overrides)))


def test_started_stopped_and_absent_need_no_source():
    for state in ('started', 'stopped', 'absent'):
        assert ro.required_problems(params(state=state, source_host=None, source_user=None, source_log_file=None,
                                           source_log_pos=None)) == []


class FakeDialect(object):
    def __init__(self, mariadb):
        self.is_mariadb = mariadb
        self.name = 'MariaDB 10.11' if mariadb else 'MySQL 8.0'


COORDS = dict(file='mysql-bin.000003', position=1234, gtid='0-1-9')


@pytest.mark.parametrize('mariadb, use_gtid, expected', [
    (True, False, dict(source_log_file='mysql-bin.000003', source_log_pos=1234, source_gtid=None,
                       source_auto_position=False)),
    (False, False, dict(source_log_file='mysql-bin.000003', source_log_pos=1234, source_gtid=None,
                        source_auto_position=False)),
    (True, True, dict(source_log_file=None, source_log_pos=None, source_gtid='0-1-9', source_auto_position=False)),
    (False, True, dict(source_log_file=None, source_log_pos=None, source_gtid=None, source_auto_position=True)),
])
def test_resolve_start_point(mariadb, use_gtid, expected):
    given = params(source_log_file=None, source_log_pos=None, source_coordinates=dict(COORDS),
                   source_use_gtid=use_gtid)
    assert ro.coordinate_problems(given) == []
    flat = ro.resolve_start_point(FakeDialect(mariadb), given)
    assert dict((key, flat.get(key)) for key in expected) == expected
    assert given['source_log_file'] is None  # the module's params are left alone


def test_resolve_start_point_without_coordinates_changes_nothing():
    given = params()
    assert ro.resolve_start_point(FakeDialect(True), given) is given
    # a dict of nothing (e.g. an empty coordinates fact) is no starting point
    assert ro.given_coordinates(params(source_coordinates=dict(file=None, position=None, gtid=None))) is None
    assert not ro.has_start_point(params(source_log_file=None, source_log_pos=None,
                                         source_coordinates=dict(file='', position=None, gtid='')))


def test_coordinates_exclude_the_flat_options():
    for flat in ('source_log_file', 'source_log_pos', 'source_gtid'):
        assert ['source_coordinates', flat] in ro.MUTUALLY_EXCLUSIVE


def test_ssl_is_a_deprecated_alias():
    spec = ro.source_argument_spec()['source_ssl']
    assert spec['default'] is True and spec['aliases'] == ['ssl']
    assert spec['deprecated_aliases'] == [dict(name='ssl', version='0.3.0', collection_name='mysql_rds.replication')]


class FakeModule(object):
    check_mode = False

    def __init__(self):
        self.params = dict(source_password='Repl-Pa55', login_password='Login-Pa55', wait=False)
        self.result = None

    def exit_json(self, **result):
        self.result = result
        raise Exit()

    fail_json = exit_json


class FakeDescribedDialect(object):
    def describe(self):
        return dict(flavor='mariadb')


def test_replica_run_returns_queries_and_the_deprecated_procedures(monkeypatch):
    executed = []
    timeouts = []
    monkeypatch.setattr(ro, 'connect', lambda module, **kw: timeouts.append(kw) or type('C', (), {'cursor': lambda self: None})())
    monkeypatch.setattr(ro, 'run', lambda cursor, sql, sql_params=None, secrets=(): executed.append(sql))
    module = FakeModule()
    replica = ro.ReplicaRun(module, also=['procedures'])
    assert timeouts == [dict(read_timeout=ro.CHANGE_TIMEOUT, write_timeout=ro.CHANGE_TIMEOUT)]
    replica.dialect = FakeDescribedDialect()
    replica.execute('CALL p(%s, %s)', ['h', 'Repl-Pa55'])
    with pytest.raises(Exit):
        replica.exit(dict(seconds_behind_source=0), {}, {})
    assert module.result['queries'] == module.result['procedures'] == ["CALL p('h', '********')"]
    assert module.result['changed'] is True and executed == ['CALL p(%s, %s)']
    with pytest.raises(Exit):
        replica.fail('boom')
    assert module.result['queries'] == ["CALL p('h', '********')"] and 'procedures' in module.result


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


@pytest.mark.parametrize('errno, expected', [(1045, False), (1597, False), (2003, True), (0, True)])
def test_an_io_thread_retrying_an_error_retries_cannot_fix_is_not_running(errno, expected):
    status = dict(io_running='Connecting', sql_running='Yes', last_io_errno=errno)
    assert ro.fully_running(status) is expected
