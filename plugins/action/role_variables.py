# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The first step of each role: its variables, as the role's argument spec knows them.

Deprecated names are mapped to their new ones (an Ansible deprecation warning each), list
variables given as strings become lists, and variables with the role's prefix that the role does
not know get a warning naming the closest known one. Values are only returned under ``facts``
(the role sets them with set_fact); every message and every other key holds names only.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import difflib
import os
import re

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.validation import check_type_bool, check_type_float, check_type_int
from ansible.module_utils.six import string_types
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

display = Display()

COLLECTION = 'mysql_rds.replication'
REMOVED_IN = '0.3.0'
SECRET = re.compile(r'password|secret|token|key', re.IGNORECASE)
YAML_NAMES = ('main.yml', 'main.yaml')
# A deprecated name is not in the argument spec, so nothing checked its value: it gets the type of
# its new name (a string from -e or a survey becomes the int or bool the new name is).
CONVERSIONS = {'int': check_type_int, 'bool': check_type_bool, 'float': check_type_float}

ARGUMENT_SPEC = dict(
    prefix=dict(type='str', required=True),
    renamed=dict(type='dict', default={}),
    replaced=dict(type='dict', default={}),
    lists=dict(type='list', elements='str', default=[]),
    known=dict(type='list', elements='str', default=[]),
)


def is_secret(name):
    """True for a variable whose value must never be shown."""
    return bool(SECRET.search(name))


def split_list(value):
    """A comma-separated string as a list (items stripped, empty ones dropped)."""
    return [item.strip() for item in value.split(',') if item.strip()]


def closest(name, candidates, prefix=''):
    """The known name closest to a misspelled one, or None (the common prefix is not compared)."""
    suffixes = dict((known[len(prefix):], known) for known in sorted(candidates) if known.startswith(prefix))
    matches = difflib.get_close_matches(name[len(prefix):], list(suffixes), n=1, cutoff=0.7)
    return suffixes[matches[0]] if matches else None


def unknown_message(name, candidates, prefix=''):
    match = closest(name, candidates, prefix)
    if match:
        return '%s is not a variable of this role: did you mean %s?' % (name, match)
    return '%s is not a variable of this role (its variables: meta/argument_specs.yml, README.md).' % name


def split_replacement(text):
    """'new_name (hint)' -> ('new_name', 'new_name (hint)')."""
    text = str(text).strip()
    return text.split(None, 1)[0], text


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _requires_connection = False
    _VALID_ARGS = frozenset(ARGUMENT_SPEC)

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        dummy, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)

        role_path = self._role_path(task_vars)
        specs = self._argument_spec_options(role_path)
        defaults = self._role_defaults(role_path, specs)
        renamed = dict((str(old), str(new)) for old, new in args['renamed'].items())
        replaced = dict((str(old), split_replacement(new)) for old, new in args['replaced'].items())

        facts, deprecated, applied = self._map_deprecated(renamed, replaced, specs, defaults, task_vars)
        spec_lists = [name for name, spec in specs.items() if isinstance(spec, dict) and spec.get('type') == 'list']
        lists = set(args['lists']) | set(spec_lists)
        normalized = self._normalize_lists(sorted(lists), facts, task_vars)

        prefix = args['prefix'].rstrip('_') + '_'
        known = set(specs) | set(args['known'])
        unknown = sorted(name for name in task_vars if name.startswith(prefix)
                         and name not in known and name not in renamed and name not in replaced)
        for name in unknown:
            display.warning(unknown_message(name, known, prefix))

        result.update(changed=False, facts=facts, deprecated=deprecated, replaced=applied,
                      unknown=unknown, normalized=normalized)
        if any(is_secret(name) for name in facts):
            result['_ansible_no_log'] = True
        return result

    def _map_deprecated(self, renamed, replaced, specs, defaults, task_vars):
        """A deprecation warning per old name in use; the values of the renamed ones under their new names."""
        facts, deprecated, applied = {}, [], []
        for old in sorted(set(renamed) | set(replaced)):
            if old not in task_vars:
                continue
            deprecated.append(old)
            new, use = (renamed[old], renamed[old]) if old in renamed else replaced[old]
            value = None
            if old in renamed:
                value = self._convert(old, new, self._templar.template(task_vars[old]), specs.get(new))
            if self._set_by_user(new, task_vars, defaults) and not (
                    old in renamed and self._same(task_vars[new], value)):
                display.deprecated('%s is deprecated and %s is also set: %s is used, %s is ignored.'
                                   % (old, new, new, old), version=REMOVED_IN, collection_name=COLLECTION)
                continue
            display.deprecated('%s is deprecated: use %s.' % (old, use), version=REMOVED_IN,
                               collection_name=COLLECTION)
            if old in renamed:
                facts[new] = value
            else:
                applied.append(old)
        return facts, deprecated, applied

    def _normalize_lists(self, names, facts, task_vars):
        """List variables given as a string become lists in facts; returns their names."""
        normalized = []
        for name in names:
            if name not in facts and name not in task_vars:
                continue
            value = facts[name] if name in facts else self._templar.template(task_vars[name])
            if isinstance(value, string_types):
                facts[name] = split_list(value)
                normalized.append(name)
        return normalized

    def _same(self, raw, value):
        """The new name's value (rendered) equals the old one's."""
        # A value that does not render (an undefined reference) is not the same.
        try:
            return self._templar.template(raw) == value
        except Exception:  # pylint: disable=broad-except
            return False

    @staticmethod
    def _convert(old, new, value, spec):
        """The value of a deprecated name as the type of its new name (names only when it is not)."""
        kind = (spec or {}).get('type') if isinstance(spec, dict) else None
        if kind not in CONVERSIONS or value is None:
            return value
        try:
            return CONVERSIONS[kind](value)
        except (TypeError, ValueError):
            raise AnsibleActionFail('%s (deprecated, now %s) must be of type %s.' % (old, new, kind)) from None

    def _role_path(self, task_vars):
        role = getattr(self._task, '_role', None)
        path = task_vars.get('role_path') or getattr(role, '_role_path', None)
        if not path:
            raise AnsibleActionFail('role_variables runs as a task of a role (no role path here).')
        return path

    def _load(self, path):
        if not os.path.isfile(path):
            return None
        return self._loader.load_from_file(path)

    def _argument_spec_options(self, role_path):
        """The options of the role's main entry point (meta/argument_specs.yml, else meta/main.yml)."""
        for name in ('argument_specs.yml', 'argument_specs.yaml') + YAML_NAMES:
            data = self._load(os.path.join(role_path, 'meta', name))
            specs = (data or {}).get('argument_specs') if isinstance(data, dict) else None
            if specs:
                options = (specs.get('main') or {}).get('options') or {}
                return dict(options)
        raise AnsibleActionFail('The role at %s has no argument spec for its main entry point.' % role_path)

    def _role_defaults(self, role_path, specs):
        """The role's defaults as written (not rendered): defaults/main.yml, else the spec's."""
        defaults = dict((name, spec.get('default')) for name, spec in specs.items()
                        if isinstance(spec, dict) and 'default' in spec)
        for name in YAML_NAMES:
            data = self._load(os.path.join(role_path, 'defaults', name))
            if isinstance(data, dict):
                defaults.update(data)
                break
        return defaults

    @staticmethod
    def _set_by_user(name, task_vars, defaults):
        """The variable is defined with another value than the role's default."""
        if name not in task_vars:
            return False
        return name not in defaults or task_vars[name] != defaults[name]
