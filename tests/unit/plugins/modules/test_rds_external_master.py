# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.mysql_rds.replication.plugins.module_utils.dialect import Dialect, DialectError, normalize_status
from ansible_collections.mysql_rds.replication.plugins.module_utils.masking import MASK, render_query
from ansible_collections.mysql_rds.replication.plugins.modules import rds_external_master as rem
from ansible_collections.mysql_rds.replication.tests.unit.plugins.module_utils.status_rows import (
    MARIADB1011_SLAVE_STATUS)
from ansible_collections.mysql_rds.replication.tests.unit.plugins.modules import docs_spec

MARIADB = Dialect.from_server('10.11.9-MariaDB-log', 'Source distribution')
MYSQL84 = Dialect.from_server('8.4.3', 'MySQL Community Server - GPL')
SECRET = 'Repl-Pa55'

RUNNING = normalize_status(MARIADB1011_SLAVE_STATUS)  # 127.0.0.1:13401 as h2_repl, SSL, running
STOPPED = normalize_status(dict(MARIADB1011_SLAVE_STATUS, Slave_IO_Running='No', Slave_SQL_Running='No'))
ABSENT = normalize_status(None)


def params(**overrides):
    values = dict((name, spec.get('default')) for name, spec in rem.argument_spec().items())
    values.update(source_host='127.0.0.1', source_port=13401, source_user='h2_repl', source_password=SECRET,
                  source_log_file='mysql-bin.000002', source_log_pos=1968)
    values.update(overrides)
    return values


def calls(the_plan):
    return [sql.split('(')[0].replace('CALL mysql.', '') for sql, _params in the_plan.calls]


def test_new_source_sets_and_starts():
    the_plan = rem.plan(MARIADB, ABSENT, params())
    assert calls(the_plan) == ['rds_set_external_master', 'rds_start_replication']
    assert the_plan.end_state == 'running'


def test_matching_running_source_is_a_no_op():
    for state in ('started', 'present'):
        assert rem.plan(MARIADB, RUNNING, params(state=state)).calls == []


def test_coordinates_are_not_compared():
    assert rem.plan(MARIADB, RUNNING, params(source_log_file='mysql-bin.000099', source_log_pos=4)).calls == []


def test_other_source_when_started_stops_sets_starts():
    the_plan = rem.plan(MARIADB, RUNNING, params(source_host='10.0.0.8'))
    assert calls(the_plan) == ['rds_stop_replication', 'rds_set_external_master', 'rds_start_replication']


def test_other_source_when_present_and_running_refuses_without_force():
    with pytest.raises(ValueError, match='force=true'):
        rem.plan(MARIADB, RUNNING, params(state='present', source_port=3306))
    the_plan = rem.plan(MARIADB, RUNNING, params(state='present', source_port=3306, force=True))
    assert calls(the_plan) == ['rds_stop_replication', 'rds_set_external_master', 'rds_start_replication']


def test_present_leaves_stopped_replica_stopped():
    the_plan = rem.plan(MARIADB, STOPPED, params(state='present', source_ssl=False))
    assert calls(the_plan) == ['rds_set_external_master']
    assert the_plan.end_state == 'stopped'


def test_started_starts_a_stopped_matching_replica():
    assert calls(rem.plan(MARIADB, STOPPED, params())) == ['rds_start_replication']


def no_source(**overrides):
    """params of a run that acts on the configured source (no source_* options)."""
    return params(source_host=None, source_user=None, source_password=None, source_log_file=None,
                  source_log_pos=None, **overrides)


def test_stopped_and_absent():
    assert calls(rem.plan(MARIADB, RUNNING, no_source(state='stopped'))) == ['rds_stop_replication']
    assert rem.plan(MARIADB, STOPPED, no_source(state='stopped')).calls == []
    assert calls(rem.plan(MARIADB, RUNNING, params(state='absent'))) == ['rds_reset_external_master']
    assert rem.plan(MARIADB, ABSENT, params(state='absent')).calls == []


def test_mysql84_procedure_names():
    the_plan = rem.plan(MYSQL84, ABSENT, params())
    assert calls(the_plan) == ['rds_set_external_source', 'rds_start_replication']


def test_gtid_on_mysql_names_the_fix():
    with pytest.raises(DialectError, match='source_auto_position'):
        rem.plan(MYSQL84, ABSENT, params(source_log_file=None, source_log_pos=None, source_gtid='0-1-2'))


def test_delay_on_rds_mariadb_is_refused():
    with pytest.raises(DialectError, match='delay'):
        rem.plan(MARIADB, ABSENT, params(delay=60))


def test_reconfigure_needs_password_and_start_point():
    with pytest.raises(ValueError, match='source_password'):
        rem.plan(MARIADB, ABSENT, params(source_password=None))
    with pytest.raises(ValueError, match='starting point'):
        rem.plan(MARIADB, ABSENT, params(source_log_file=None, source_log_pos=None))


def test_force_pushes_a_new_password_to_a_matching_source():
    the_plan = rem.plan(MARIADB, RUNNING, params(force=True))
    assert calls(the_plan) == ['rds_stop_replication', 'rds_set_external_master', 'rds_start_replication']


@pytest.mark.parametrize('overrides, words', [
    (dict(source_log_pos=None), 'go together'),
    (dict(source_log_pos=1), 'must be 4'),
    (dict(source_host=None), 'source_host and source_user go together'),
    (dict(state='present', source_host=None, source_user=None), 'source_host is required with state=present'),
    (dict(source_host=None, source_user=None), 'needs source_host and source_user'),
    (dict(source_log_file=None, source_log_pos=None, source_use_gtid=True), 'source_use_gtid=true takes'),
    (dict(source_log_file=None, source_log_pos=None, source_coordinates=dict(file='b.1', position=None, gtid='')),
     'needs file and position'),
    (dict(source_log_file=None, source_log_pos=None, source_coordinates=dict(file='b.1', position=2, gtid=None)),
     'must be 4 or more'),
    (dict(source_log_file=None, source_log_pos=None, source_auto_position=True,
          source_coordinates=dict(file='b.1', position=4, gtid=None)), 'source_use_gtid=true instead'),
    (dict(delay=86401), 'delay'),
    (dict(max_lag=-1), 'max_lag must be 0 or more'),
])
def test_validate(overrides, words):
    assert any(words in problem for problem in rem.validate(params(**overrides)))


def test_validate_accepts_good_input():
    assert rem.validate(params()) == []


def test_procedures_are_rendered_with_the_password_masked():
    the_plan = rem.plan(MARIADB, ABSENT, params())
    shown = [render_query(sql, sql_params, [SECRET]) for sql, sql_params in the_plan.calls]
    assert SECRET not in ' '.join(shown)
    assert "'%s'" % MASK in shown[0]
    assert shown[0].startswith("CALL mysql.rds_set_external_master('127.0.0.1', 13401, 'h2_repl', ")


def test_diff_views_mask_the_password():
    before = rem.current_settings(RUNNING)
    assert before['source_password'] == MASK
    after = rem.predicted_settings(before, params(source_host='10.0.0.8'),
                                   rem.plan(MARIADB, RUNNING, params(source_host='10.0.0.8')))
    assert after['source_host'] == '10.0.0.8' and after['source_password'] == MASK
    assert SECRET not in repr(after)


def test_argument_spec_hides_the_source_password():
    spec = rem.argument_spec()
    assert spec['source_password']['no_log'] is True
    assert spec['login_password']['no_log'] is True


def coordinates(**overrides):
    values = dict(source_log_file=None, source_log_pos=None,
                  source_coordinates=dict(file='mysql-bin.000009', position=456, gtid='0-13401-77'))
    values.update(overrides)
    return params(**values)


def test_validate_accepts_coordinates_and_acting_on_the_configured_source():
    assert rem.validate(coordinates()) == []
    assert rem.validate(coordinates(source_use_gtid=True)) == []
    for state in ('started', 'stopped'):
        assert rem.validate(no_source(state=state)) == []


def test_source_coordinates_file_and_position():
    the_plan = rem.plan(MARIADB, ABSENT, coordinates())
    sql, sql_params = the_plan.calls[0]
    assert sql.startswith('CALL mysql.rds_set_external_master(')
    assert sql_params[4:6] == ['mysql-bin.000009', 456]


def test_source_coordinates_gtid_on_mariadb():
    sql, sql_params = rem.plan(MARIADB, ABSENT, coordinates(source_use_gtid=True)).calls[0]
    assert sql.startswith('CALL mysql.rds_set_external_master_gtid(')
    assert '0-13401-77' in sql_params


def test_source_coordinates_gtid_is_auto_position_on_mysql():
    mysql80 = Dialect.from_server('8.0.36', 'Source distribution')
    sql, _sql_params = rem.plan(mysql80, ABSENT, coordinates(source_use_gtid=True)).calls[0]
    assert sql.startswith('CALL mysql.rds_set_external_master_with_auto_position(')


def test_source_use_gtid_without_a_gtid_on_mariadb_names_the_fix():
    with pytest.raises(ValueError, match='source_coordinates.gtid'):
        rem.plan(MARIADB, ABSENT, coordinates(source_use_gtid=True, source_coordinates=dict(
            file='mysql-bin.000009', position=456, gtid='')))


def test_started_without_source_starts_the_configured_one():
    the_plan = rem.plan(MARIADB, STOPPED, no_source())
    assert calls(the_plan) == ['rds_start_replication'] and the_plan.start
    assert rem.plan(MARIADB, RUNNING, no_source()).calls == []
    half = normalize_status(dict(MARIADB1011_SLAVE_STATUS, Slave_SQL_Running='No'))
    assert calls(rem.plan(MARIADB, half, no_source())) == ['rds_stop_replication', 'rds_start_replication']


@pytest.mark.parametrize('state, words', [('started', 'nothing is configured|no source is configured'),
                                          ('stopped', 'nothing to stop')])
def test_acting_on_the_configured_source_fails_without_one(state, words):
    with pytest.raises(ValueError, match=words):
        rem.plan(MARIADB, ABSENT, no_source(state=state))


def test_rds_read_replica_pause_and_resume():
    """An RDS-managed read replica: only the stop/start procedures, never the set-source one."""
    read_replica = normalize_status(dict(MARIADB1011_SLAVE_STATUS, Master_Host='rds-source.internal'))
    assert calls(rem.plan(MARIADB, read_replica, no_source(state='stopped'))) == ['rds_stop_replication']
    paused = normalize_status(dict(MARIADB1011_SLAVE_STATUS, Master_Host='rds-source.internal',
                                   Slave_IO_Running='No', Slave_SQL_Running='No'))
    assert calls(rem.plan(MARIADB, paused, no_source(state='started'))) == ['rds_start_replication']


def test_ssl_is_a_deprecated_alias_of_source_ssl():
    spec = rem.argument_spec()['source_ssl']
    assert spec['aliases'] == ['ssl']
    assert spec['deprecated_aliases'] == [dict(name='ssl', version='0.3.0', collection_name='mysql_rds.replication')]


def test_documentation_matches_the_argument_spec():
    docs_spec.check(rem, rem.argument_spec())
