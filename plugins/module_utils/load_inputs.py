# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""rds_load_dump's arguments checked before any server is touched: each problem names its option
and the fix."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os


def _runnable(module, command):
    if os.path.sep in command:
        return os.path.isfile(command) and os.access(command, os.X_OK)
    return module.get_bin_path(command) is not None


def input_problems(module):
    params = module.params
    problems = []
    if params['parallel'] < 1:
        problems.append('parallel must be 1 or more (got %s).' % params['parallel'])
    if params['lock_wait_timeout'] < 1:
        problems.append('lock_wait_timeout must be 1 second or more (got %s).' % params['lock_wait_timeout'])
    for option in ('databases', 'exclude_databases'):
        names = [(name or '').strip() for name in params[option] or []]
        if '' in names:
            problems.append('%s has a blank entry (%s): give schema names only, as a list or separated by '
                            'commas.' % (option, ', '.join(repr(name) for name in params[option])))
        params[option] = names  # 'a, b' as a string comes as ['a', ' b']
    for option in ('dump_command', 'client_command'):
        if not _runnable(module, params[option]):
            problems.append('%s %s was not found or cannot run on this host: install the MySQL/MariaDB client '
                            'programs or give their path in %s.' % (option, params[option], option))
    if params['dump_path']:
        directory = os.path.dirname(os.path.abspath(params['dump_path']))
        if not os.path.isdir(directory) or not os.access(directory, os.W_OK):
            problems.append('dump_path %s: the directory %s does not exist or is not writable; create it or '
                            'choose another dump_path.' % (params['dump_path'], directory))
    return problems
