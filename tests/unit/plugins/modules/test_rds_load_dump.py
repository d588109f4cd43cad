# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""rds_load_dump refuses to load over schemas that already hold objects on the target."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

import pytest
import yaml

from ansible.module_utils.testing import patch_module_args

from ansible_collections.mysql_rds.replication.plugins.modules import rds_load_dump as rld
from ansible_collections.mysql_rds.replication.tests.unit.plugins.fake_cursor import FakeCursor


def counts(tables=0, views=0, routines=0, events=0):
    return dict(tables=tables, views=views, routines=routines, events=events)


def test_target_objects_asks_only_for_the_schemas_to_load():
    cursor = FakeCursor([('information_schema.SCHEMATA', [
        dict(name='billing', tables=0, views=0, routines=2, events=0),
        dict(name='shop', tables=12, views=1, routines=0, events=None)])])
    found = rld.target_objects(cursor, ['shop', 'billing', 'absent'])
    assert found == {'billing': counts(routines=2), 'shop': counts(tables=12, views=1)}
    sql, params = cursor.executed[0]
    assert params == ['shop', 'billing', 'absent']
    assert 'IN (%s, %s, %s)' in sql  # names are parameters, never spliced into the statement


def test_target_objects_without_schemas_queries_nothing():
    cursor = FakeCursor([])
    assert rld.target_objects(cursor, []) == {}
    assert cursor.executed == []


@pytest.mark.parametrize('objects, occupied', [
    ({}, {}),
    ({'empty': counts()}, {}),  # an existing but empty schema loses nothing
    ({'t': counts(tables=1)}, {'t': counts(tables=1)}),
    ({'v': counts(views=1)}, {'v': counts(views=1)}),
    ({'r': counts(routines=1)}, {'r': counts(routines=1)}),
    ({'e': counts(events=1)}, {'e': counts(events=1)}),
    ({'empty': counts(), 'shop': counts(tables=3)}, {'shop': counts(tables=3)}),
])
def test_occupied_schemas(objects, occupied):
    assert rld.occupied_schemas(objects) == occupied


@pytest.mark.parametrize('value, text', [
    (counts(tables=1), '1 table'),
    (counts(tables=12, views=1), '12 tables, 1 view'),
    (counts(routines=2, events=1), '2 routines, 1 event'),
])
def test_describe_counts(value, text):
    assert rld.describe_counts(value) == text


def test_refusal_message_names_schemas_counts_state_and_fix():
    msg = rld.refusal_message({'shop': counts(tables=12, views=1), 'billing': counts(routines=2)},
                              'rds.example.com:3306')
    assert 'rds.example.com:3306' in msg
    assert 'billing (2 routines); shop (12 tables, 1 view)' in msg
    assert 'not replicating from this source' in msg
    assert 'promoted' in msg and 'do not load it again' in msg
    assert 'overwrite=true' in msg and 'rds_replica_of_source_overwrite' in msg


class Exit(Exception):
    def __init__(self, result):
        super(Exit, self).__init__(result)
        self.result = result


class FakeConnection(object):
    def __init__(self, cursor):
        self._cursor = cursor
        self.closed = False

    def cursor(self):
        return self._cursor

    def close(self):
        self.closed = True


def run_main(monkeypatch, tmp_path, target_rows, check_mode=False, **args):
    """Run main() with the source's schemas and the target's object counts canned; no load really runs."""
    cursor = FakeCursor([('information_schema.SCHEMATA', target_rows)])
    empty_cnf = tmp_path / 'client.cnf'
    empty_cnf.write_text(u'[client]\n')
    connection = FakeConnection(cursor)
    loads = []
    warnings = []

    def fake_load(module, dump_cmd, load_cmd, dump_filter, secrets, **_kwargs):
        loads.append(dump_cmd)
        dump_filter.log_file, dump_filter.log_pos = 'mysql-bin.000001', 4
        return 10

    def leave(**result):
        raise Exit(result)

    monkeypatch.setattr(rld, 'connect', lambda module: connection)
    monkeypatch.setattr(rld, 'schemas_to_copy', lambda module: ['shop', 'billing'])
    monkeypatch.setattr(rld, 'load', fake_load)
    monkeypatch.setattr(rld.AnsibleModule, 'warn', lambda self, warning: warnings.append(warning))
    monkeypatch.setattr(rld.AnsibleModule, 'exit_json', lambda self, **result: leave(**result))
    monkeypatch.setattr(rld.AnsibleModule, 'fail_json', lambda self, **result: leave(failed=True, **result))
    module_args = dict(login_host='rds.example.com', login_user='admin', login_password='rds-secret',
                       source_host='127.0.0.1', source_user='dba', source_password='src-secret',
                       config_file=str(empty_cnf), _ansible_check_mode=check_mode)
    module_args.update(args)
    with patch_module_args(module_args):
        with pytest.raises(Exit) as caught:
            rld.main()
    caught.value.result['warnings'] = warnings
    return caught.value.result, loads, connection


OCCUPIED = [dict(name='shop', tables=2, views=0, routines=0, events=0)]


@pytest.mark.parametrize('check_mode', [False, True])
def test_main_refuses_before_loading(monkeypatch, tmp_path, check_mode):
    result, loads, connection = run_main(monkeypatch, tmp_path, OCCUPIED, check_mode=check_mode)
    assert result.get('failed') is True
    assert 'shop (2 tables)' in result['msg'] and 'overwrite=true' in result['msg']
    assert 'rds.example.com:3306' in result['msg']
    assert result['occupied'] == {'shop': counts(tables=2)}
    assert loads == []
    assert connection.closed
    assert 'secret' not in json.dumps(result)


def test_main_loads_into_empty_schemas(monkeypatch, tmp_path):
    rows = [dict(name='shop', tables=0, views=0, routines=0, events=0)]
    result, loads, _connection = run_main(monkeypatch, tmp_path, rows)
    assert not result.get('failed'), result
    assert result['changed'] is True and result['occupied'] == {}
    assert len(loads) == 1


def test_main_overwrites_when_asked(monkeypatch, tmp_path):
    result, loads, _connection = run_main(monkeypatch, tmp_path, OCCUPIED, overwrite=True)
    assert not result.get('failed'), result
    assert result['occupied'] == {'shop': counts(tables=2)}
    assert any('overwrite=true' in warning and 'shop' in warning for warning in result['warnings'])
    assert len(loads) == 1


def test_main_check_mode_with_overwrite_reports_without_loading(monkeypatch, tmp_path):
    result, loads, _connection = run_main(monkeypatch, tmp_path, OCCUPIED, check_mode=True, overwrite=True)
    assert result['changed'] is True and result['occupied'] == {'shop': counts(tables=2)}
    assert loads == []


def test_overwrite_is_documented_off_by_default():
    options = yaml.safe_load(rld.DOCUMENTATION)['options']
    assert options['overwrite']['type'] == 'bool' and options['overwrite']['default'] is False
    assert 'occupied' in yaml.safe_load(rld.RETURN)
