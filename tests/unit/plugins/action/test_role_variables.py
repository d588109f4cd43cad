# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The role_variables action plugin, with a fake task on a small role (no playbook, no server).

test_role_variables_playbook.py runs it through ansible-playbook in the three roles.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import types

import pytest
import yaml

from ansible.errors import AnsibleActionFail
from ansible.parsing.dataloader import DataLoader

from ansible_collections.mysql_rds.replication.plugins.action import role_variables

SPEC = {
    'argument_specs': {
        'main': {
            'short_description': 'a role',
            'options': {
                'demo_rds_host': {'type': 'str'},
                'demo_rds_port': {'type': 'int', 'default': 3306},
                'demo_rds_master_password': {'type': 'str', 'no_log': True},
                'demo_databases': {'type': 'list', 'elements': 'str', 'default': []},
                'demo_exclude_databases': {'type': 'list', 'elements': 'str', 'default': []},
                'demo_wait_timeout': {'type': 'int', 'default': 600},
                'demo_proof': {'type': 'bool', 'default': True},
            },
        },
    },
}
DEFAULTS = {'demo_rds_port': 3306, 'demo_databases': [], 'demo_exclude_databases': [],
            'demo_wait_timeout': 600, 'demo_proof': True}
RENAMED = {'demo_source_host': 'demo_rds_host', 'demo_source_port': 'demo_rds_port',
           'demo_master_password': 'demo_rds_master_password', 'demo_verify': 'demo_proof'}
REPLACED = {'demo_polls': 'demo_wait_timeout (seconds; polls x 5)'}


class Recorder(object):
    def __init__(self):
        self.warnings, self.deprecations = [], []

    def warning(self, msg, *args, **kwargs):
        self.warnings.append(msg)

    def deprecated(self, msg, version=None, collection_name=None, **kwargs):
        self.deprecations.append((msg, version, collection_name))

    def messages(self):
        return self.warnings + [msg for msg, dummy, dummy2 in self.deprecations]


class FakeTemplar(object):
    """Values as they are (what the plugin templates here holds no template)."""

    def template(self, value, **kwargs):
        return value


@pytest.fixture
def role(tmp_path):
    for sub, name, data in (('meta', 'argument_specs.yml', SPEC), ('defaults', 'main.yml', DEFAULTS)):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / name).write_text(yaml.safe_dump(data))
    return str(tmp_path)


@pytest.fixture
def shown(monkeypatch):
    recorder = Recorder()
    monkeypatch.setattr(role_variables, 'display', recorder)
    return recorder


def run(role_path, variables, **args):
    task_args = dict(prefix='demo', renamed=RENAMED, replaced=REPLACED, lists=['demo_databases'])
    task_args.update(args)
    task = types.SimpleNamespace(args=task_args, async_val=0, check_mode=False, action='role_variables',
                                 _role=None)
    connection = types.SimpleNamespace(_shell=types.SimpleNamespace(tmpdir='/nonexistent'))  # no tmp dir made
    action = role_variables.ActionModule(task, connection, None, DataLoader(), FakeTemplar())
    task_vars = dict(DEFAULTS, role_path=role_path, inventory_hostname='h1')
    task_vars.update(variables)
    return action.run(task_vars=task_vars)


def test_nothing_to_say_with_the_defaults(role, shown):
    result = run(role, {'demo_rds_host': 'db', '_demo_private': 1, 'other_role_x': 2})
    assert result['facts'] == {}
    assert (result['deprecated'], result['unknown'], result['normalized'], result['replaced']) == ([], [], [], [])
    assert shown.messages() == []
    assert not result.get('_ansible_no_log')


def test_an_old_name_sets_the_new_one_with_a_deprecation_warning(role, shown):
    result = run(role, {'demo_source_host': 'db.example'})
    assert result['facts'] == {'demo_rds_host': 'db.example'}
    assert result['deprecated'] == ['demo_source_host']
    assert shown.deprecations == [('demo_source_host is deprecated: use demo_rds_host.', '0.3.0',
                                   'mysql_rds.replication')]
    assert result['unknown'] == []


def test_the_new_name_wins_when_both_are_set(role, shown):
    result = run(role, {'demo_source_port': 3307, 'demo_rds_port': 3308})
    assert result['facts'] == {}
    assert result['deprecated'] == ['demo_source_port']
    assert shown.deprecations[0][0] == ('demo_source_port is deprecated and demo_rds_port is also set: '
                                        'demo_rds_port is used, demo_source_port is ignored.')


def test_a_new_name_at_its_default_is_not_set_by_the_user(role, shown):
    result = run(role, {'demo_source_port': 3307, 'demo_rds_port': 3306})
    assert result['facts'] == {'demo_rds_port': 3307}
    assert 'also set' not in shown.deprecations[0][0]


def test_the_same_value_under_both_names_is_no_conflict(role, shown):
    result = run(role, {'demo_source_port': 3307, 'demo_rds_port': 3307})
    assert result['facts'] == {'demo_rds_port': 3307}
    assert 'also set' not in shown.deprecations[0][0]


def test_an_old_value_gets_the_type_of_its_new_name(role, shown):
    result = run(role, {'demo_source_port': '3307', 'demo_verify': 'false'})
    assert result['facts'] == {'demo_rds_port': 3307, 'demo_proof': False}


def test_an_old_value_of_the_wrong_type_fails_naming_no_value(role, shown):
    with pytest.raises(AnsibleActionFail) as failed:
        run(role, {'demo_source_port': 'four-thousand'})
    assert str(failed.value).startswith('demo_source_port (deprecated, now demo_rds_port) must be of type int.')
    assert 'four-thousand' not in str(failed.value)


def test_a_secret_value_hides_the_result_and_no_message_holds_it(role, shown):
    result = run(role, {'demo_master_password': 's3cr3t-value'})
    assert result['facts'] == {'demo_rds_master_password': 's3cr3t-value'}
    assert result['_ansible_no_log'] is True
    assert not any('s3cr3t' in msg for msg in shown.messages())
    assert 's3cr3t' not in repr(dict((k, v) for k, v in result.items() if k != 'facts'))


def test_a_replaced_name_warns_with_its_hint_and_the_role_derives_the_value(role, shown):
    result = run(role, {'demo_polls': 12})
    assert result['facts'] == {}
    assert result['replaced'] == ['demo_polls'] and result['deprecated'] == ['demo_polls']
    assert shown.deprecations[0][0] == 'demo_polls is deprecated: use demo_wait_timeout (seconds; polls x 5).'


def test_a_replaced_name_is_ignored_when_its_new_name_is_set(role, shown):
    result = run(role, {'demo_polls': 12, 'demo_wait_timeout': 60})
    assert result['replaced'] == [] and result['deprecated'] == ['demo_polls']
    assert 'demo_wait_timeout is used' in shown.deprecations[0][0]


@pytest.mark.parametrize('given, expected', [
    ('sbtest', ['sbtest']),
    ('a, b,,c ,', ['a', 'b', 'c']),
    ('', []),
    (' , ', []),
])
def test_a_list_given_as_a_string_becomes_a_list(role, shown, given, expected):
    result = run(role, {'demo_databases': given})
    assert result['facts'] == {'demo_databases': expected}
    assert result['normalized'] == ['demo_databases']


def test_a_list_stays_a_list(role, shown):
    result = run(role, {'demo_databases': ['a,b', 'c']})
    assert result['facts'] == {} and result['normalized'] == []


def test_list_options_of_the_spec_are_normalized_even_when_not_listed(role, shown):
    result = run(role, {'demo_exclude_databases': 'x,y'}, lists=[])
    assert result['facts'] == {'demo_exclude_databases': ['x', 'y']}


def test_an_old_list_name_given_as_a_string_arrives_as_a_list(role, shown):
    result = run(role, {'demo_old_dbs': 'a,b'}, renamed={'demo_old_dbs': 'demo_databases'})
    assert result['facts'] == {'demo_databases': ['a', 'b']}
    assert result['normalized'] == ['demo_databases']


def test_a_misspelled_name_gets_a_warning_naming_the_closest_one(role, shown):
    result = run(role, {'demo_databses': 'secretish', 'demo_wait_timout': 5, 'demo_colour': 1})
    assert result['unknown'] == ['demo_colour', 'demo_databses', 'demo_wait_timout']
    assert shown.warnings == [
        'demo_colour is not a variable of this role (its variables: meta/argument_specs.yml, README.md).',
        'demo_databses is not a variable of this role: did you mean demo_databases?',
        'demo_wait_timout is not a variable of this role: did you mean demo_wait_timeout?',
    ]
    assert result['facts'] == {}


def test_known_names_are_not_reported(role, shown):
    result = run(role, {'demo_extra': 1}, known=['demo_extra'])
    assert result['unknown'] == [] and shown.warnings == []


def test_a_role_without_argument_spec_fails(tmp_path, shown):
    with pytest.raises(AnsibleActionFail, match='no argument spec'):
        run(str(tmp_path), {})


def test_outside_a_role_it_fails(shown):
    with pytest.raises(AnsibleActionFail, match='runs as a task of a role'):
        run('', {})


def test_unknown_arguments_fail(role, shown):
    with pytest.raises(AnsibleActionFail, match='colour'):
        run(role, {}, colour='blue')
