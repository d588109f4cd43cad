# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a module's main() in a unit test: exit_json/fail_json raise instead of leaving, connect() hands
out fake connections, and the result is what the module returned."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.testing import patch_module_args


class _Leaving(object):
    def __init__(self, result=None):
        super(_Leaving, self).__init__(result)
        self.result = result


class Exit(_Leaving, Exception):
    """Raised instead of exiting; ``result`` is what the module passed to exit_json/fail_json."""


class HardExit(_Leaving, BaseException):
    """Exit that the modules' broad ``except Exception`` cannot catch (as the real SystemExit)."""


class FakeConnection(object):
    """A PyMySQL-like connection that hands out one cursor; ``options`` are those it was opened with."""

    def __init__(self, cursor=None, options=None):
        self._cursor = cursor
        self.options = options
        self.closed = False

    def cursor(self):
        return self._cursor

    def close(self):
        self.closed = True


def login_args(**args):
    """Module arguments: a login whose option file never exists, then ``args``."""
    module_args = dict(login_user='dba', login_password='secret', config_file='/nonexistent/never.cnf')
    module_args.update(args)
    return module_args


def run_main(monkeypatch, module, module_args, connect=None, connect_in=None, warnings=None, deprecations=None,
             exit_type=Exit):
    """Run ``module.main()`` with ``module_args``; return the result (fail_json's with ``failed=True``).

    ``connect`` replaces ``connect`` in ``connect_in`` (default ``module``); ``warnings`` and
    ``deprecations``, when lists, collect what the module warns (text) and deprecates ((msg, kwargs)).
    """
    def leave(**result):
        raise exit_type(result)

    if connect is not None:
        monkeypatch.setattr(connect_in or module, 'connect', connect)
    if warnings is not None:
        monkeypatch.setattr(AnsibleModule, 'warn', lambda self, text: warnings.append(text))
    if deprecations is not None:
        monkeypatch.setattr(AnsibleModule, 'deprecate', lambda self, msg, **kw: deprecations.append((msg, kw)))
    monkeypatch.setattr(AnsibleModule, 'exit_json', lambda self, **result: leave(**result))
    monkeypatch.setattr(AnsibleModule, 'fail_json', lambda self, **result: leave(failed=True, **result))
    with patch_module_args(module_args):
        with pytest.raises(exit_type) as caught:
            module.main()
    return caught.value.result
