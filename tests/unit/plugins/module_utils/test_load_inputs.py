# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.mysql_rds.replication.plugins.module_utils.load_inputs import input_problems


class FakeModule(object):
    def __init__(self, **params):
        self.params = dict(parallel=1, lock_wait_timeout=10, databases=[], exclude_databases=[],
                           dump_command='sh', client_command='sh', dump_path=None)
        self.params.update(params)

    @staticmethod
    def get_bin_path(name):
        return '/bin/sh' if name == 'sh' else None


def test_good_arguments_pass_and_names_are_trimmed():
    module = FakeModule(databases=['app', ' shop'])
    assert input_problems(module) == []
    assert module.params['databases'] == ['app', 'shop']


def test_each_bad_argument_is_named_with_its_fix(tmp_path):
    module = FakeModule(parallel=0, lock_wait_timeout=-1, databases=['app', ' ', 'x'], dump_command='no-such-dump',
                        client_command=str(tmp_path / 'missing'), dump_path=str(tmp_path / 'nodir' / 'dump.sql'))
    problems = ' '.join(input_problems(module))
    for expected in ('parallel must be 1 or more', 'lock_wait_timeout must be 1 second or more',
                     "databases has a blank entry ('app', ' ', 'x')", 'dump_command no-such-dump was not found',
                     'client_command %s was not found' % (tmp_path / 'missing'), 'does not exist or is not writable'):
        assert expected in problems, problems
