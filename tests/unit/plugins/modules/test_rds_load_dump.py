# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""rds_load_dump's main(): the guard before anything changes (also in check mode), the source login
(source_login dict, deprecated flat options), read_coordinates, the empty source, what is returned."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import re

import pytest
import yaml

from ansible_collections.mysql_rds.replication.plugins.module_utils import dump_copy
from ansible_collections.mysql_rds.replication.plugins.module_utils.connection import connection_argument_spec
from ansible_collections.mysql_rds.replication.plugins.module_utils.dump_dialect import COORDINATE_OPTIONS
from ansible_collections.mysql_rds.replication.plugins.module_utils.errors import SqlError
from ansible_collections.mysql_rds.replication.plugins.modules import rds_load_dump as rld
from ansible_collections.mysql_rds.replication.tests.unit.plugins.fake_cursor import FakeCursor
from ansible_collections.mysql_rds.replication.tests.unit.plugins import module_harness as harness
from ansible_collections.mysql_rds.replication.tests.unit.plugins.module_harness import FakeConnection
from ansible_collections.mysql_rds.replication.tests.unit.plugins.modules import docs_spec

MARIADB = [dict(version='10.11.9-MariaDB-log', comment='MariaDB Server')]
OCCUPIED = [dict(name='shop', tables=2, views=0, routines=0, events=0)]
EMPTY = [dict(name='shop', tables=0, views=0, routines=0, events=0)]
SOURCE_LOGIN = dict(login_host='127.0.0.1', login_port=3306, login_user='dba', login_password='src-secret')


def counts(tables=0, views=0, routines=0, events=0):
    return dict(tables=tables, views=views, routines=routines, events=events)


class Run(object):
    """What one main() run did: result, loads (dump commands run), connections and their options."""

    def __init__(self):
        self.result = None
        self.loads = []
        self.warnings = []
        self.deprecations = []
        self.connected = []      # options given to connect() (None: the target)
        self.event_clauses = []  # the event clause of each load's filter


def run_main(monkeypatch, tmp_path, target_rows=(), schemas=('shop', 'billing'), check_mode=False, status=None,
             extra_answers=(), dump_reports=True, lock_holder=None, **args):
    """Run main() with the source's schemas and the target's answers canned; no client really runs.
    ``lock_holder``: the connection id of another copy holding the copy lock (None: free)."""
    answers = [('information_schema.SCHEMATA', list(target_rows)), ('VERSION()', MARIADB)]
    answers.extend(extra_answers)
    answers.append(('GET_LOCK', [dict(taken=0 if lock_holder else 1)]))
    answers.append(('IS_USED_LOCK', [dict(holder=lock_holder)]))
    answers.append(('max_allowed_packet AS packet', [dict(packet=67108864, may_set=0)]))
    answers.append(('SHOW SLAVE STATUS', status if status is not None else []))
    cursor = FakeCursor(answers)
    empty_cnf = tmp_path / 'client.cnf'
    empty_cnf.write_text(u'[client]\n')
    connection = FakeConnection(cursor)
    run = Run()

    def fake_load(dump_cmd, load_cmd, dump_filter, secrets, **_kwargs):
        run.loads.append(dump_cmd)
        run.event_clauses.append(dump_filter.event_clause)
        if dump_reports:
            dump_filter.coordinates.update(file='mysql-bin.000001', position=4, gtid='0-1-7')
        return 10

    def fake_connect(module, options=None):
        run.connected.append(options)
        return connection

    monkeypatch.setattr(rld, 'schemas_to_copy', lambda module, cursor: list(schemas))
    monkeypatch.setattr(dump_copy, 'load', fake_load)
    module_args = dict(login_host='rds.example.com', login_user='admin', login_password='rds-secret',
                       config_file=str(empty_cnf), _ansible_check_mode=check_mode)
    if 'source_user' not in args and 'source_login' not in args:
        module_args['source_login'] = dict(SOURCE_LOGIN, config_file=str(empty_cnf))
    module_args.update(args)
    run.result = harness.run_main(monkeypatch, rld, module_args, connect=fake_connect, warnings=run.warnings,
                                  deprecations=run.deprecations)
    run.cursor = cursor
    run.connection = connection
    return run


def slave_row(host, port, io='Yes', sql='Yes'):
    return [dict(Master_Host=host, Master_Port=port, Master_User='repl', Slave_IO_Running=io, Slave_SQL_Running=sql,
                 Master_Log_File='mysql-bin.000001', Read_Master_Log_Pos=4, Relay_Master_Log_File='mysql-bin.000001',
                 Exec_Master_Log_Pos=4, Seconds_Behind_Master=0, Last_IO_Errno=0, Last_IO_Error='',
                 Last_SQL_Errno=0, Last_SQL_Error='')]


def read_only(cursor):
    """Every statement run on the fake servers only reads (the copy lock's session timeout changes nothing)."""
    return all(re.match(r'\s*(SELECT|SHOW|CALL mysql\.rds_replica_status|SET SESSION wait_timeout)\b', sql, re.IGNORECASE)
               for sql, _params in cursor.executed)


# ------------------------------------------------------------------------------------------ the guard
@pytest.mark.parametrize('check_mode', [False, True])
def test_main_refuses_before_loading(monkeypatch, tmp_path, check_mode):
    run = run_main(monkeypatch, tmp_path, OCCUPIED, check_mode=check_mode)
    result = run.result
    assert result.get('failed') is True
    assert 'shop (2 tables)' in result['msg'] and 'overwrite=true' in result['msg']
    assert 'rds.example.com:3306' in result['msg']
    assert result['occupied'] == {'shop': counts(tables=2)}
    assert run.loads == []
    assert run.connection.closed
    assert read_only(run.cursor), run.cursor.executed
    assert 'secret' not in json.dumps(result)


def test_refusal_says_the_target_replicates_from_this_source(monkeypatch, tmp_path):
    run = run_main(monkeypatch, tmp_path, OCCUPIED, check_mode=True, status=slave_row('127.0.0.1', 3306))
    msg = run.result['msg']
    assert run.result.get('failed') is True
    assert 'not replicating' not in msg
    assert 'it replicates from 127.0.0.1:3306, the source of this dump (replication running)' in msg


def test_refusal_says_the_target_replicates_from_another_server(monkeypatch, tmp_path):
    run = run_main(monkeypatch, tmp_path, OCCUPIED, status=slave_row('10.0.0.9', 3306, io='No', sql='No'))
    msg = run.result['msg']
    assert 'it replicates from 10.0.0.9:3306 (replication stopped)' in msg and 'source of this dump' not in msg


def test_refusal_says_the_target_replicates_from_nothing(monkeypatch, tmp_path):
    run = run_main(monkeypatch, tmp_path, OCCUPIED)
    assert 'it does not replicate from any source and already holds data' in run.result['msg']


def test_refusal_claims_nothing_when_the_status_cannot_be_read(monkeypatch, tmp_path):
    refused = SqlError('Access denied; you need the SLAVE MONITOR privilege', errno=1227)
    run = run_main(monkeypatch, tmp_path, OCCUPIED, status=refused,
                   extra_answers=[('rds_replica_status', SqlError('no such procedure', errno=1305))])
    msg = run.result['msg']
    assert 'it already holds data in schema(s)' in msg and 'replicate' not in msg.split('. ')[0]


def test_main_loads_into_empty_schemas(monkeypatch, tmp_path):
    run = run_main(monkeypatch, tmp_path, EMPTY)
    result = run.result
    assert not result.get('failed'), result
    assert result['changed'] is True and result['occupied'] == {}
    assert len(run.loads) == 1
    assert result['coordinates'] == dict(file='mysql-bin.000001', position=4, gtid='0-1-7')
    assert len(result['queries']) == 1 and ' | dump_filter | ' in result['queries'][0]
    assert result['queries'][0].startswith('mariadb-dump --defaults-extra-file=<pipe> ')
    assert result['dump_command'][1] == '--defaults-extra-file=<pipe>'
    assert 'secret' not in json.dumps(result)


def test_main_overwrites_when_asked(monkeypatch, tmp_path):
    run = run_main(monkeypatch, tmp_path, OCCUPIED, overwrite=True)
    assert not run.result.get('failed'), run.result
    assert run.result['occupied'] == {'shop': counts(tables=2)}
    assert any('overwrite=true' in warning and 'shop' in warning for warning in run.warnings)
    assert len(run.loads) == 1


def test_main_check_mode_with_overwrite_reports_without_loading(monkeypatch, tmp_path):
    run = run_main(monkeypatch, tmp_path, OCCUPIED, check_mode=True, overwrite=True)
    assert run.result['changed'] is True and run.result['occupied'] == {'shop': counts(tables=2)}
    assert run.loads == []
    assert read_only(run.cursor)
    assert run.result['queries'] == [' '.join(run.result['dump_command']) + ' | dump_filter | '
                                     'mariadb --defaults-extra-file=<pipe> --binary-mode --batch '
                                     '--max-allowed-packet=1073741824']


def test_check_mode_reads_the_load_settings_and_changes_none(monkeypatch, tmp_path):
    answers = [('@@GLOBAL.innodb_flush_log_at_trx_commit', [dict(value=1)])]
    run = run_main(monkeypatch, tmp_path, EMPTY, check_mode=True, extra_answers=answers,
                   target_load_settings=dict(innodb_flush_log_at_trx_commit=2))
    assert not run.result.get('failed'), run.result
    assert read_only(run.cursor), run.cursor.executed
    queries = run.result['queries']
    assert queries[0] == 'SET GLOBAL innodb_flush_log_at_trx_commit = 2'
    assert queries[-1] == 'SET GLOBAL innodb_flush_log_at_trx_commit = 1'
    assert run.result['load_settings'] == [dict(name='innodb_flush_log_at_trx_commit', old=1, new=2)]


# ------------------------------------------------------------------------------------ big rows
BIG_COLUMNS = [('information_schema.COLUMNS', [dict(db='shop', tbl='files', col='id', octets=64),
                                               dict(db='shop', tbl='files', col='body', octets=4294967295),
                                               dict(db='shop', tbl='small', col='note', octets=65535)]),
               ('MAX(COALESCE(LENGTH(`body`), 0)) AS biggest FROM `shop`.`files`', [dict(biggest=40 * 1024 * 1024)])]


def test_a_big_row_an_rds_target_cannot_take_fails_before_anything_changes(monkeypatch, tmp_path):
    run = run_main(monkeypatch, tmp_path, EMPTY, extra_answers=BIG_COLUMNS)
    result = run.result
    assert result.get('failed') and run.loads == [] and read_only(run.cursor), result
    assert "shop.files holds a row of 41943040 bytes" in result['msg']
    assert "Set max_allowed_packet to 84934656 or more in the target's parameter group" in result['msg']
    assert result['max_allowed_packet'] == dict(needed=84934656, target=67108864, largest_row=41943040, table='shop.files')
    assert not any('small' in sql for sql, _params in run.cursor.executed)  # declared small enough: not read


def test_a_self_managed_target_gets_the_packet_it_needs_for_the_load(monkeypatch, tmp_path):
    answers = [('max_allowed_packet AS packet', [dict(packet=16777216, may_set=1)]),
               ('@@GLOBAL.max_allowed_packet', [dict(value=16777216)])] + BIG_COLUMNS
    run = run_main(monkeypatch, tmp_path, EMPTY, check_mode=True, extra_answers=answers)
    assert not run.result.get('failed'), run.result
    assert run.result['load_settings'] == [dict(name='max_allowed_packet', old=16777216, new=84934656)]
    assert run.result['queries'][0] == 'SET GLOBAL max_allowed_packet = 84934656'
    assert run.result['queries'][-1] == 'SET GLOBAL max_allowed_packet = 16777216'


# ------------------------------------------------------------------------------------ events
def test_events_keep_by_default_and_disable_on_replica_with_the_target_dialect_clause(monkeypatch, tmp_path):
    run = run_main(monkeypatch, tmp_path, EMPTY)
    assert run.event_clauses == [None] and run.result['events_disabled'] == []
    run = run_main(monkeypatch, tmp_path, EMPTY, events='disable_on_replica')
    assert not run.result.get('failed'), run.result
    assert run.event_clauses == ['DISABLE ON SLAVE']


# ------------------------------------------------------------------------------------ coordinates
def test_read_coordinates_false_asks_the_dump_for_none(monkeypatch, tmp_path):
    run = run_main(monkeypatch, tmp_path, EMPTY, read_coordinates=False)
    assert not run.result.get('failed'), run.result
    assert run.result['coordinates'] is None
    assert not set(COORDINATE_OPTIONS) & set(run.loads[0])


def test_the_dump_asks_for_coordinates_by_default(monkeypatch, tmp_path):
    run = run_main(monkeypatch, tmp_path, EMPTY)
    assert set(COORDINATE_OPTIONS) <= set(run.loads[0])


def test_a_dump_without_coordinates_fails(monkeypatch, tmp_path):
    run = run_main(monkeypatch, tmp_path, EMPTY, dump_reports=False)
    assert run.result.get('failed') and 'carries no binlog coordinates' in run.result['msg']
    assert len(run.result['queries']) == 1


BINLOG = [('SHOW MASTER STATUS', [dict(File='mysql-bin.000009', Position=1234)]),
          ('gtid_binlog_pos', [dict(gtid='0-1-99')])]


def test_an_empty_source_returns_its_position_through_the_status_layer(monkeypatch, tmp_path):
    run = run_main(monkeypatch, tmp_path, schemas=(), extra_answers=BINLOG)
    result = run.result
    assert result['changed'] is False and result['databases'] == [] and result['queries'] == []
    assert result['coordinates'] == dict(file='mysql-bin.000009', position=1234, gtid='0-1-99')
    assert run.loads == []


def test_an_empty_source_without_binlog_fails_and_without_read_coordinates_reads_none(monkeypatch, tmp_path):
    run = run_main(monkeypatch, tmp_path, schemas=(), extra_answers=[('SHOW MASTER STATUS', [])])
    assert run.result.get('failed') and 'binary logging is off' in run.result['msg']
    run = run_main(monkeypatch, tmp_path, schemas=(), read_coordinates=False)
    assert not run.result.get('failed') and run.result['coordinates'] is None
    assert not any('MASTER STATUS' in sql for sql, _params in run.cursor.executed)


# --------------------------------------------------------------------------------- the source login
def test_source_login_is_the_source(monkeypatch, tmp_path):
    run = run_main(monkeypatch, tmp_path, EMPTY)
    source = [options for options in run.connected if options]
    assert source and source[0]['login_user'] == 'dba' and source[0]['login_host'] == '127.0.0.1'
    assert run.deprecations == []


def test_flat_source_options_still_work_and_are_deprecated(monkeypatch, tmp_path):
    run = run_main(monkeypatch, tmp_path, EMPTY, source_login_host='10.1.1.1', source_user='dba',
                   source_password='src-secret')
    assert not run.result.get('failed'), run.result
    source = [options for options in run.connected if options][0]
    assert source['login_host'] == '10.1.1.1' and source['login_user'] == 'dba'
    assert source['config_file'] == str(tmp_path / 'client.cnf')  # shared with the main login, as before
    named = sorted(msg.split()[0] for msg, _kw in run.deprecations)
    assert named == ['source_host', 'source_password', 'source_user']
    assert all(kw == dict(version='0.3.0', collection_name='mysql_rds.replication') for _msg, kw in run.deprecations)
    assert 'source_login.login_host' in ' '.join(msg for msg, _kw in run.deprecations)


def test_the_dict_wins_over_flat_options(monkeypatch, tmp_path):
    run = run_main(monkeypatch, tmp_path, EMPTY, source_login=dict(SOURCE_LOGIN, config_file=''),
                   source_host='10.9.9.9', source_user='other')
    source = [options for options in run.connected if options][0]
    assert source['login_host'] == '127.0.0.1' and source['login_user'] == 'dba'
    assert len(run.deprecations) == 2 and all('ignored' in msg for msg, _kw in run.deprecations)


def test_a_source_login_is_required(monkeypatch, tmp_path):
    empty_cnf = tmp_path / 'client.cnf'
    empty_cnf.write_text(u'[client]\n')

    result = harness.run_main(monkeypatch, rld, dict(login_user='admin', config_file=str(empty_cnf)))
    assert result.get('failed') is True
    assert 'source_login' in result['msg'] and 'source_user' in result['msg']


# ------------------------------------------------------------------------------ docs and argument spec
def documented_options():
    """The module's own options, source_login (from its doc fragment) included."""
    common = connection_argument_spec()
    return dict((name, value) for name, value in docs_spec.documented_options(rld).items() if name not in common)


def test_every_option_is_documented_as_specified():
    docs = documented_options()
    spec = rld.argument_spec()
    common = connection_argument_spec()
    own = dict((name, value) for name, value in spec.items() if name not in common)
    assert sorted(own) == sorted(docs)
    for name, value in own.items():
        doc = docs[name]
        assert doc['type'] == value['type'], name
        assert doc.get('default') == value.get('default'), name
        assert sorted(doc.get('aliases', [])) == sorted(value.get('aliases', [])), name
        assert doc.get('choices') == value.get('choices'), name
        assert doc.get('elements') == value.get('elements'), name


def test_source_login_has_exactly_the_login_sub_options():
    suboptions = documented_options()['source_login']['suboptions']
    spec = connection_argument_spec()
    assert sorted(suboptions) == sorted(spec) == sorted(rld.argument_spec()['source_login']['options'])
    for name, value in spec.items():
        assert suboptions[name]['type'] == value['type'], name
        assert suboptions[name].get('default') == value.get('default'), name
        assert sorted(suboptions[name].get('aliases', [])) == sorted(value.get('aliases', [])), name


def test_deprecated_flat_options_have_no_default_and_say_so():
    docs = documented_options()
    for name in rld.FLAT_SOURCE.values():
        assert 'default' not in docs[name] and 'default' not in rld.argument_spec()[name]
        assert 'Deprecated (removed in 0.3.0)' in docs[name]['description'][0]
    assert rld.argument_spec()['source_password']['no_log'] is True


def test_returns_are_documented():
    returned = yaml.safe_load(rld.RETURN)
    assert sorted(returned['coordinates']['contains']) == ['file', 'gtid', 'position']
    assert returned['coordinates']['sample'] == dict(file='mysql-bin.000003', position=1968, gtid='0-13604-42')
    assert 'queries' in returned and 'occupied' in returned
    options = documented_options()
    assert options['overwrite']['type'] == 'bool' and options['overwrite']['default'] is False
    assert options['read_coordinates']['type'] == 'bool' and options['read_coordinates']['default'] is True


def test_the_module_stays_small():
    with open(rld.__file__.replace('.pyc', '.py')) as handle:
        text = handle.read()
    for name in ('DOCUMENTATION', 'EXAMPLES', 'RETURN'):
        start = text.index("%s = r'''" % name)
        text = text[:start] + text[text.index("'''", start + len(name) + 7) + 3:]
    code = [line for line in text.splitlines() if line.strip() and not line.strip().startswith('#')]
    assert len(code) <= 300
    assert os.path.basename(rld.__file__).startswith('rds_load_dump')


# ------------------------------------------------------------------------------- target_skip_binlog
@pytest.mark.parametrize('check_mode', [False, True])
def test_skip_binlog_without_the_privilege_fails_before_anything_changes_and_never_tries(
        monkeypatch, tmp_path, check_mode):
    run = run_main(monkeypatch, tmp_path, EMPTY, check_mode=check_mode, target_skip_binlog=True,
                   extra_answers=[("'BINLOG ADMIN'", [dict(held=None)])])
    assert run.result.get('failed') is True and run.result.get('changed') is not True
    assert 'target_skip_binlog' in run.result['msg'] and 'BINLOG ADMIN' in run.result['msg']
    assert 'admin on rds.example.com:3306' in run.result['msg'] and 'Nothing was changed' in run.result['msg']
    assert run.loads == []
    assert read_only(run.cursor), run.cursor.executed
    assert not any('sql_log_bin' in sql for sql, _params in run.cursor.executed)


def test_skip_binlog_with_the_privilege_loads_every_session_without_binlogging(monkeypatch, tmp_path):
    run = run_main(monkeypatch, tmp_path, EMPTY, target_skip_binlog=True,
                   extra_answers=[("'BINLOG ADMIN'", [dict(held='SUPER,BINLOG ADMIN')])])
    assert run.result.get('failed') is not True, run.result
    pipelines = [query for query in run.result['queries'] if query.startswith('mariadb-dump')]
    assert run.loads and pipelines
    assert all("'--init-command=SET SESSION sql_log_bin=0'" in query for query in pipelines), pipelines


def test_without_skip_binlog_the_privileges_are_not_read(monkeypatch, tmp_path):
    run = run_main(monkeypatch, tmp_path, EMPTY)
    assert run.result.get('failed') is not True, run.result
    assert not any('BINLOG ADMIN' in sql for sql, _params in run.cursor.executed)
    assert not any('sql_log_bin' in query for query in run.result['queries'])


# ------------------------------------------------------------------------------------------ the copy lock
def test_the_copy_holds_the_lock_on_a_connection_of_its_own_from_before_its_first_change(monkeypatch, tmp_path):
    run = run_main(monkeypatch, tmp_path, target_rows=EMPTY)
    assert not run.result.get('failed'), run.result
    statements = [sql for sql, _params in run.cursor.executed]
    taken = next(index for index, sql in enumerate(statements) if 'GET_LOCK(' in sql)
    assert statements[taken - 1] == 'SET SESSION wait_timeout = 31536000'
    assert all(re.match(r'\s*(SELECT|SHOW)\b', sql) for sql in statements[:taken - 1]), statements[:taken]
    assert run.connected.count(None) >= 2  # the lock's own connection besides the preflight's


@pytest.mark.parametrize('check_mode', [False, True])
def test_a_copy_still_running_into_the_target_is_named_and_nothing_changes(monkeypatch, tmp_path, check_mode):
    run = run_main(monkeypatch, tmp_path, target_rows=EMPTY, check_mode=check_mode, lock_holder=4242)
    msg = run.result.get('msg', '')
    assert run.result.get('failed') is True, run.result
    assert 'another copy (rds_load_dump) is loading into this server: its connection 4242 holds the lock' in msg
    assert 'CALL mysql.rds_kill(4242)' in msg and 'nothing was changed' in msg
    assert run.loads == [] and read_only(run.cursor), run.cursor.executed
    # a real run tries to take the lock (refused), check mode only looks who holds it
    assert any('GET_LOCK(' in sql for sql, _params in run.cursor.executed) is (not check_mode)
