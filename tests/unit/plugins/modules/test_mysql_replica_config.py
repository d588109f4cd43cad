# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.mysql_rds.replication.plugins.module_utils.dialect import Dialect, DialectError, normalize_status
from ansible_collections.mysql_rds.replication.plugins.module_utils.masking import MASK, render_query
from ansible_collections.mysql_rds.replication.plugins.modules import mysql_replica_config as mrc
from ansible_collections.mysql_rds.replication.tests.unit.plugins.module_utils.status_rows import (
    MARIADB1011_SLAVE_STATUS, MYSQL80_REPLICA_STATUS)
from ansible_collections.mysql_rds.replication.tests.unit.plugins.modules import docs_spec

MARIADB = Dialect.from_server('10.11.9-MariaDB-log', 'Source distribution')
MYSQL80 = Dialect.from_server('8.0.36', 'MySQL Community Server - GPL')
SECRET = 'Repl-Pa55'

RUNNING = normalize_status(MARIADB1011_SLAVE_STATUS)  # 127.0.0.1:13401 h2_repl, SSL+CA+verify, slave_pos
STOPPED = normalize_status(dict(MARIADB1011_SLAVE_STATUS, Slave_IO_Running='No', Slave_SQL_Running='No'))
ABSENT = normalize_status(None)


def params(**overrides):
    values = dict((name, spec.get('default')) for name, spec in mrc.argument_spec().items())
    values.update(source_host='127.0.0.1', source_port=13401, source_user='h2_repl', source_password=SECRET,
                  source_gtid='0-13401-31', source_ssl_ca='/tmp/lab-h2/tls/ca.pem')
    values.update(overrides)
    return values


def statements(the_plan):
    return [sql for sql, _params in the_plan.statements]


def test_new_replica_sets_gtid_changes_filters_and_starts():
    the_plan = mrc.plan(MARIADB, ABSENT, params(), current_read_only=False)
    assert statements(the_plan) == [
        'SET GLOBAL gtid_slave_pos = %s',
        'CHANGE MASTER TO MASTER_HOST = %s, MASTER_PORT = %s, MASTER_USER = %s, MASTER_PASSWORD = %s, '
        'MASTER_SSL = %s, MASTER_SSL_CA = %s, MASTER_SSL_VERIFY_SERVER_CERT = %s, MASTER_USE_GTID = slave_pos',
        'SET GLOBAL replicate_wild_ignore_table = %s',
    ]
    assert the_plan.start and not the_plan.stop
    assert the_plan.end_state == 'running'


def test_matching_replica_is_a_no_op():
    the_plan = mrc.plan(MARIADB, RUNNING, params(), current_read_only=True)
    assert the_plan.statements == [] and not the_plan.start and not the_plan.stop
    assert the_plan.read_only is None


def test_only_the_difference_is_changed():
    the_plan = mrc.plan(MARIADB, RUNNING, params(connect_retry=10), current_read_only=True)
    assert the_plan.statements == [('CHANGE MASTER TO MASTER_CONNECT_RETRY = %s', [10])]
    assert the_plan.stop and the_plan.start


def test_filter_change_needs_a_stop():
    the_plan = mrc.plan(MARIADB, RUNNING, params(ignore_tables=['mysql.rds\\_%', 'tmp.%']), current_read_only=True)
    assert the_plan.statements == [('SET GLOBAL replicate_wild_ignore_table = %s', ['mysql.rds\\_%,tmp.%'])]
    assert the_plan.stop and the_plan.start


SUBSET = normalize_status(dict(MARIADB1011_SLAVE_STATUS, Replicate_Wild_Do_Table='app.%,my\\_db.%'))


def test_do_filter_is_set_beside_the_ignore_filter():
    the_plan = mrc.plan(MARIADB, ABSENT, params(do_tables=['app.%', 'my\\_db.%']), current_read_only=False)
    assert the_plan.statements[-2:] == [('SET GLOBAL replicate_wild_ignore_table = %s', ['mysql.rds\\_%']),
                                        ('SET GLOBAL replicate_wild_do_table = %s', ['app.%,my\\_db.%'])]
    changed = mrc.plan(MARIADB, RUNNING, params(do_tables=['app.%']), current_read_only=True)
    assert changed.statements == [('SET GLOBAL replicate_wild_do_table = %s', ['app.%'])]
    assert changed.stop and changed.start


def test_do_filter_matching_is_a_no_op_and_empty_removes_it():
    same = mrc.plan(MARIADB, SUBSET, params(do_tables=['app.%', 'my\\_db.%']), current_read_only=True)
    assert same.statements == [] and not same.stop and not same.start
    removed = mrc.plan(MARIADB, SUBSET, params(), current_read_only=True)
    assert removed.statements == [('SET GLOBAL replicate_wild_do_table = %s', [''])]
    assert removed.stop and removed.start
    # acting on the configured source (state=stopped, no source_* options) applies the filter too
    stopped = mrc.plan(MARIADB, SUBSET, no_source(state='stopped'), current_read_only=True)
    assert stopped.statements == [('SET GLOBAL replicate_wild_do_table = %s', [''])]


def test_do_filter_on_mysql():
    status = normalize_status(dict(MYSQL80_REPLICA_STATUS, Replicate_Wild_Do_Table='app.%'))
    wanted = params(source_host=status['source_host'], source_port=status['source_port'],
                    source_user=status['source_user'], source_gtid=None, source_ssl_ca=None,
                    ignore_tables=status['replicate_wild_ignore_table'], do_tables=['app.%', 'billing.%'])
    the_plan = mrc.plan(MYSQL80, status, wanted, current_read_only=True)
    assert the_plan.statements[-1] == (
        'CHANGE REPLICATION FILTER REPLICATE_WILD_DO_TABLE = (%s, %s)', ['app.%', 'billing.%'])
    removed = mrc.plan(MYSQL80, status, dict(wanted, do_tables=[]), current_read_only=True)
    assert removed.statements[-1] == ('CHANGE REPLICATION FILTER REPLICATE_WILD_DO_TABLE = ()', [])


def test_do_filter_in_the_diff():
    assert mrc.settings_view(SUBSET, True)['do_tables'] == ['app.%', 'my\\_db.%']
    assert mrc.settings_view(RUNNING, True)['do_tables'] == []
    the_plan = mrc.plan(MARIADB, RUNNING, params(do_tables=['app.%']), current_read_only=True)
    after = mrc.predicted_view(mrc.settings_view(RUNNING, True), params(do_tables=['app.%']), the_plan, True)
    assert after['do_tables'] == ['app.%']


def test_present_refuses_to_reconfigure_a_running_replica():
    with pytest.raises(ValueError, match='force=true'):
        mrc.plan(MARIADB, RUNNING, params(state='present', connect_retry=10), current_read_only=True)
    assert mrc.plan(MARIADB, RUNNING, params(state='present'), current_read_only=True).statements == []


def test_present_on_stopped_replica_changes_but_does_not_start():
    the_plan = mrc.plan(MARIADB, STOPPED, params(state='present', delay=300), current_read_only=True)
    assert the_plan.statements == [('CHANGE MASTER TO MASTER_DELAY = %s', [300])]
    assert not the_plan.start and the_plan.end_state == 'stopped'


def test_read_only_is_set_without_stopping():
    the_plan = mrc.plan(MARIADB, RUNNING, params(read_only=True), current_read_only=False)
    assert the_plan.read_only is True and not the_plan.stop and the_plan.statements == []


def test_update_password_always_sends_it_every_time():
    the_plan = mrc.plan(MARIADB, RUNNING, params(update_password='always'), current_read_only=True)
    assert the_plan.statements == [('CHANGE MASTER TO MASTER_PASSWORD = %s', [SECRET])]


def test_new_source_without_start_point_is_refused():
    with pytest.raises(ValueError, match='starting point'):
        mrc.plan(MARIADB, ABSENT, params(source_gtid=None), current_read_only=False)


def test_absent_resets():
    the_plan = mrc.plan(MARIADB, RUNNING, params(state='absent'), current_read_only=True)
    assert the_plan.stop and statements(the_plan) == ['RESET SLAVE ALL']
    assert mrc.plan(MARIADB, ABSENT, params(state='absent'), current_read_only=True).statements == []


def no_source(**overrides):
    """params of a run that acts on the configured source (no source_* options)."""
    return params(source_host=None, source_user=None, source_password=None, source_gtid=None, source_ssl_ca=None,
                  **overrides)


def test_stopped_stops():
    the_plan = mrc.plan(MARIADB, RUNNING, no_source(state='stopped'), current_read_only=True)
    assert the_plan.stop and not the_plan.start and the_plan.statements == []
    assert the_plan.end_state == 'stopped'


def test_started_without_source_starts_the_configured_one():
    the_plan = mrc.plan(MARIADB, STOPPED, no_source(), current_read_only=True)
    assert the_plan.start and not the_plan.stop and the_plan.statements == []
    assert mrc.validate(no_source()) == [] and mrc.validate(no_source(state='stopped')) == []
    idle = mrc.plan(MARIADB, RUNNING, no_source(), current_read_only=True)
    assert not idle.start and not idle.stop and idle.statements == []


@pytest.mark.parametrize('state, words', [('started', 'no source is configured'), ('stopped', 'nothing to stop')])
def test_acting_on_the_configured_source_fails_without_one(state, words):
    with pytest.raises(ValueError, match=words):
        mrc.plan(MARIADB, ABSENT, no_source(state=state), current_read_only=False)


def coordinates(**overrides):
    values = dict(source_gtid=None, source_coordinates=dict(file='mysql-bin.000009', position=456, gtid='0-13401-77'))
    values.update(overrides)
    return params(**values)


def test_source_coordinates_file_and_position():
    the_plan = mrc.plan(MARIADB, ABSENT, coordinates(), current_read_only=False)
    sql, sql_params = the_plan.statements[0]
    assert 'MASTER_LOG_FILE = %s, MASTER_LOG_POS = %s' in sql and 'MASTER_USE_GTID = no' in sql
    assert 'mysql-bin.000009' in sql_params and 456 in sql_params


def test_source_coordinates_gtid_on_mariadb():
    the_plan = mrc.plan(MARIADB, ABSENT, coordinates(source_use_gtid=True), current_read_only=False)
    assert the_plan.statements[0] == ('SET GLOBAL gtid_slave_pos = %s', ['0-13401-77'])
    assert 'MASTER_USE_GTID = slave_pos' in the_plan.statements[1][0]


def test_source_coordinates_gtid_is_auto_position_on_mysql():
    the_plan = mrc.plan(MYSQL80, ABSENT, coordinates(source_use_gtid=True), current_read_only=False)
    assert 'SOURCE_AUTO_POSITION = %s' in the_plan.statements[0][0]
    assert 'SOURCE_LOG_FILE' not in the_plan.statements[0][0]


def test_channel_tls_options():
    spec = mrc.argument_spec()
    for name in ('source_ssl_ca', 'source_ssl_cert', 'source_ssl_key'):
        assert spec[name]['type'] == 'path' and not spec[name].get('aliases')
    assert spec['source_ssl']['aliases'] == ['ssl']
    assert spec['source_ssl_verify_server_cert']['aliases'] == ['ssl_verify_server_cert']
    assert spec['source_ssl_verify_server_cert']['deprecated_aliases'][0]['version'] == '0.3.0'
    # the old channel names are the login's now, as in community.mysql
    assert 'ssl_ca' in spec['ca_cert']['aliases'] and 'ssl_cert' in spec['client_cert']['aliases']
    assert 'ssl_key' in spec['client_key']['aliases']
    the_plan = mrc.plan(MARIADB, ABSENT, params(source_ssl_cert='/etc/c.pem', source_ssl_key='/etc/k.pem'),
                        current_read_only=False)
    sql, sql_params = the_plan.statements[1]
    assert 'MASTER_SSL_CERT = %s, MASTER_SSL_KEY = %s' in sql and '/etc/k.pem' in sql_params


def test_mysql8_auto_position_and_filters():
    status = normalize_status(MYSQL80_REPLICA_STATUS)
    wanted = params(source_host='10.0.3.17', source_port=3306, source_user='repl', source_gtid=None,
                    source_auto_position=True, source_ssl_ca=None, source_ssl_verify_server_cert=True, delay=3600,
                    connect_retry=30, ignore_tables=['mysql.rds\\_%'])
    the_plan = mrc.plan(MYSQL80, status, wanted, current_read_only=True)
    assert the_plan.statements == [
        ('CHANGE REPLICATION SOURCE TO SOURCE_AUTO_POSITION = %s', [1]),
        ('CHANGE REPLICATION FILTER REPLICATE_WILD_IGNORE_TABLE = (%s)', ['mysql.rds\\_%']),
    ]


@pytest.mark.parametrize('overrides, words', [
    (dict(source_gtid='0-1'), 'source_gtid must be'),
    (dict(source_log_file='mysql-bin.000001', source_log_pos=None), 'go together'),
    (dict(source_ssl_cert='/etc/c.pem'), 'source_ssl_cert and source_ssl_key'),
    (dict(source_ssl=False), 'need source_ssl=true'),
    (dict(source_user=None), 'source_host and source_user go together'),
    (dict(state='present', source_user=None), 'source_user is required with state=present'),
    (dict(source_host=None, source_user=None), 'needs source_host and source_user'),
    (dict(source_gtid=None, source_use_gtid=True), 'source_use_gtid=true takes'),
    (dict(source_gtid=None, source_coordinates=dict(file='b.1', position=None, gtid='')), 'needs file and position'),
    (dict(source_log_pos=1), 'must be 4'),
    (dict(delay=86401), 'delay'),
    (dict(max_lag=-1), 'max_lag must be 0 or more'),
    (dict(do_tables=['app.%', ' ']), 'do_tables has empty or space-padded entries'),
    (dict(do_tables=['app']), 'do_tables entries must be db.table patterns'),
    (dict(do_tables=['app.%,billing.%']), 'without commas'),
])
def test_validate(overrides, words):
    assert any(words in problem for problem in mrc.validate(params(**overrides)))


def test_a_missing_tls_file_fails_unless_pending_in_check_mode(tmp_path):
    missing = params(login_host='127.0.0.1', source_ssl_ca=str(tmp_path / 'not-yet.pem'))
    pending = dict(missing, source_ssl_files_pending=True)
    assert any('file not found: source_ssl_ca=' in problem for problem in mrc.validate(missing, check_mode=True))
    assert any('file not found: source_ssl_ca=' in problem for problem in mrc.validate(pending))
    assert mrc.validate(pending, check_mode=True) == []
    assert mrc.absent_tls_options(pending) == ['source_ssl_ca']


def test_queries_and_diffs_mask_the_password():
    the_plan = mrc.plan(MARIADB, ABSENT, params(), current_read_only=False)
    shown = ' '.join(render_query(sql, sql_params, [SECRET]) for sql, sql_params in the_plan.statements)
    assert SECRET not in shown and MASK in shown
    view = mrc.settings_view(RUNNING, True)
    assert view['source_password'] == MASK
    assert SECRET not in repr(mrc.predicted_view(view, params(), the_plan, True))


def test_gtid_kinds_are_checked_against_the_engine():
    with pytest.raises(DialectError, match='source_auto_position'):
        mrc.plan(MYSQL80, ABSENT, params(source_gtid='slave_pos'), current_read_only=False)
    with pytest.raises(DialectError, match='source_gtid=slave_pos'):
        mrc.plan(MARIADB, ABSENT, params(source_gtid=None, source_auto_position=True), current_read_only=False)


def test_documentation_matches_the_argument_spec():
    docs_spec.check(mrc, mrc.argument_spec())
