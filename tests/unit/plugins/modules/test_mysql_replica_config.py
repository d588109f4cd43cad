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

MARIADB = Dialect.from_server('10.11.9-MariaDB-log', 'Source distribution')
MYSQL80 = Dialect.from_server('8.0.36', 'MySQL Community Server - GPL')
SECRET = 'Repl-Pa55'

RUNNING = normalize_status(MARIADB1011_SLAVE_STATUS)  # 127.0.0.1:13401 h2_repl, SSL+CA+verify, slave_pos
STOPPED = normalize_status(dict(MARIADB1011_SLAVE_STATUS, Slave_IO_Running='No', Slave_SQL_Running='No'))
ABSENT = normalize_status(None)


def params(**overrides):
    values = dict((name, spec.get('default')) for name, spec in mrc.argument_spec().items())
    values.update(source_host='127.0.0.1', source_port=13401, source_user='h2_repl', source_password=SECRET,
                  source_gtid='0-13401-31', ssl_ca='/tmp/lab-h2/tls/ca.pem')
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


def test_stopped_stops():
    the_plan = mrc.plan(MARIADB, RUNNING, params(state='stopped', source_host=None), current_read_only=True)
    assert the_plan.stop and not the_plan.start and the_plan.statements == []


def test_mysql8_auto_position_and_filters():
    status = normalize_status(MYSQL80_REPLICA_STATUS)
    wanted = params(source_host='10.0.3.17', source_port=3306, source_user='repl', source_gtid=None,
                    source_auto_position=True, ssl_ca=None, ssl_verify_server_cert=True, delay=3600,
                    connect_retry=30, ignore_tables=['mysql.rds\\_%'])
    the_plan = mrc.plan(MYSQL80, status, wanted, current_read_only=True)
    assert the_plan.statements == [
        ('CHANGE REPLICATION SOURCE TO SOURCE_AUTO_POSITION = %s', [1]),
        ('CHANGE REPLICATION FILTER REPLICATE_WILD_IGNORE_TABLE = (%s)', ['mysql.rds\\_%']),
    ]


@pytest.mark.parametrize('overrides, words', [
    (dict(source_gtid='0-1'), 'source_gtid must be'),
    (dict(source_log_file='mysql-bin.000001', source_log_pos=None), 'go together'),
    (dict(ssl_cert='/etc/c.pem'), 'ssl_cert and ssl_key'),
    (dict(ssl=False), 'need ssl=true'),
    (dict(source_user=None), 'source_user is required'),
    (dict(source_log_pos=1), 'must be 4'),
    (dict(delay=86401), 'delay'),
    (dict(max_lag=-1), 'max_lag must be 0 or more'),
])
def test_validate(overrides, words):
    assert any(words in problem for problem in mrc.validate(params(**overrides)))


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
