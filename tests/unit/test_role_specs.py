# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The roles' argument specs, defaults and variables step agree, and no default renders a secret.

- An argument-spec default that renders a variable (``{{ ... }}``) is printed, rendered, with the
  whole spec on any argument validation failure (issue 11: ``-e replica_of_rds_parallel_threads=four``
  printed the RDS master password): no spec default may render a password, secret or token.
- A role default that sets a password-like variable from another variable carries a secret under a
  second name (and into every output that shows the role's defaults): not allowed either.
- role_variables (tasks/variables.yml) warns about every variable with the role's prefix that the
  spec does not list, so each default is a spec option; the deprecated names of the renamed maps are
  not options and their new names are; the ``lists`` it normalizes are list options.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import glob
import os
import re

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROLES = sorted(os.path.basename(os.path.dirname(os.path.dirname(path)))
               for path in glob.glob(os.path.join(REPO, 'roles', '*', 'meta', 'argument_specs.yml')))
SECRET = re.compile(r'password|secret|token', re.IGNORECASE)
TEMPLATE = re.compile(r'{{(.*?)}}|{%(.*?)%}', re.DOTALL)


def load(role, *parts):
    path = os.path.join(REPO, 'roles', role, *parts)
    if not os.path.exists(path):
        return None
    with open(path) as handle:
        return yaml.safe_load(handle)


def options(role):
    return load(role, 'meta', 'argument_specs.yml')['argument_specs']['main']['options']


def spec_defaults(specs, path=''):
    """(option path, default) of every option and sub-option."""
    for name, spec in (specs or {}).items():
        if not isinstance(spec, dict):
            continue
        if 'default' in spec:
            yield path + name, spec['default']
        for key in ('options', 'suboptions'):
            yield from spec_defaults(spec.get(key), path + name + '.')


def rendered_secrets(value):
    """The templates of a value (strings of any nesting) that name a secret-like variable."""
    if isinstance(value, dict):
        return [found for item in value.values() for found in rendered_secrets(item)]
    if isinstance(value, (list, tuple)):
        return [found for item in value for found in rendered_secrets(item)]
    if isinstance(value, str):
        return [match.group(0) for match in TEMPLATE.finditer(value) if SECRET.search(match.group(0))]
    return []


def variables_task(role):
    tasks = load(role, 'tasks', 'variables.yml') or []
    calls = [task['mysql_rds.replication.role_variables'] for task in tasks
             if 'mysql_rds.replication.role_variables' in task]
    assert len(calls) == 1 and tasks[0].get('mysql_rds.replication.role_variables') is not None, (
        'roles/%s/tasks/variables.yml: the first task calls mysql_rds.replication.role_variables' % role)
    return calls[0]


def test_every_role_is_checked():
    assert set(ROLES) >= {'replica_of_rds', 'rds_replica_of_source', 'cutover_to_rds'}


@pytest.mark.parametrize('role', ROLES)
def test_no_argument_spec_default_renders_a_secret(role):
    found = [(name, rendered) for name, default in spec_defaults(options(role))
             for rendered in rendered_secrets(default)]
    assert not found, 'roles/%s/meta/argument_specs.yml defaults render secrets: %s' % (role, found)


# cutover_to_rds/defaults/main.yml takes its two passwords from rds_replica_of_source_*: the fix (empty
# defaults, the fallback to rds_replica_of_source_* in vars/main.yml's _cutover_to_rds_source_login and
# the RDS login) is the cutover role's owner's; drop this entry with it.
KNOWN_DEFAULTS_FROM_OTHER_VARIABLES = {'cutover_to_rds': ['cutover_to_rds_login_password',
                                                          'cutover_to_rds_rds_master_password']}


@pytest.mark.parametrize('role', ROLES)
def test_no_default_sets_a_password_like_variable_from_another_variable(role):
    defaults = load(role, 'defaults', 'main.yml') or {}
    found = sorted(name for name, value in defaults.items()
                   if SECRET.search(name) and isinstance(value, str) and TEMPLATE.search(value))
    found += sorted(name for name, value in defaults.items() if rendered_secrets(value) and name not in found)
    known = KNOWN_DEFAULTS_FROM_OTHER_VARIABLES.get(role, [])
    new = [name for name in found if name not in known]
    assert not new, 'roles/%s/defaults/main.yml sets these from another variable: %s' % (role, new)


@pytest.mark.parametrize('role', sorted(KNOWN_DEFAULTS_FROM_OTHER_VARIABLES))
def test_the_known_exceptions_still_exist(role):
    """An exception fixed in the role must leave the list, so that the list never hides a new one."""
    defaults = load(role, 'defaults', 'main.yml') or {}
    fixed = [name for name in KNOWN_DEFAULTS_FROM_OTHER_VARIABLES[role]
             if not (isinstance(defaults.get(name), str) and TEMPLATE.search(defaults[name]))]
    assert not fixed, ('fixed in roles/%s/defaults/main.yml: drop from KNOWN_DEFAULTS_FROM_OTHER_VARIABLES: %s'
                       % (role, fixed))


@pytest.mark.parametrize('role', ROLES)
def test_every_default_is_an_option_of_the_spec(role):
    missing = sorted(set(load(role, 'defaults', 'main.yml') or {}) - set(options(role)))
    assert not missing, ('roles/%s: defaults the argument spec does not list (role_variables warns about '
                         'them on every run): %s' % (role, missing))


@pytest.mark.parametrize('role', ROLES)
def test_the_variables_step_maps_to_options_of_the_spec(role):
    specs = options(role)
    call = variables_task(role)
    assert call['prefix'] == role
    assert call['renamed'] == '{{ _%s_renamed }}' % role
    renamed = (load(role, 'vars', 'main.yml') or {}).get('_%s_renamed') or {}
    replaced = dict((old, new.split()[0]) for old, new in (call.get('replaced') or {}).items())
    for old, new in list(renamed.items()) + list(replaced.items()):
        assert old.startswith(role + '_') and old not in specs, (role, old)
        assert new in specs, (role, old, new)
    list_options = set(name for name, spec in specs.items() if spec.get('type') == 'list')
    assert set(call.get('lists') or []) == list_options, (role, sorted(list_options))
