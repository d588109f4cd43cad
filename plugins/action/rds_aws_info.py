# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""rds_aws_info also takes the module_defaults of ``group/aws`` and ``group/amazon.aws.aws``.

Those groups are ansible-core's and amazon.aws's own lists, which another collection cannot join
(``extend_group`` only pulls their modules into a group of ours, ``group/mysql_rds.replication.aws``).
So this action adds their defaults to the task's arguments, below everything else: the task's own
arguments and the defaults of ``group/mysql_rds.replication.aws`` or of the module itself win. The
module then runs where the task runs (``delegate_to`` as usual).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.plugins.action import ActionBase

MODULE = 'mysql_rds.replication.rds_aws_info'
# As a play stores them once resolved (group/aws is ansible-core's group ansible.builtin.aws).
AWS_GROUPS = ('group/ansible.builtin.aws', 'group/aws', 'group/amazon.aws.aws')


def aws_group_defaults(module_defaults):
    """The merged defaults of the AWS groups, later entries (inner blocks, the task) winning."""
    if isinstance(module_defaults, dict):
        module_defaults = [module_defaults]
    merged = {}
    for entry in module_defaults or []:
        for group in AWS_GROUPS:
            merged.update((entry or {}).get(group) or {})
    return merged


class ActionModule(ActionBase):
    _supports_check_mode = True
    _supports_async = False
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        defaults = aws_group_defaults(self._task.module_defaults)
        args = self._templar.template(dict((k, v) for k, v in defaults.items() if k not in self._task.args))
        omit = (task_vars or {}).get('omit')  # a placeholder string before ansible-core 2.19
        args = dict((k, v) for k, v in args.items() if not (isinstance(omit, str) and v == omit))
        args.update(self._task.args)
        result.update(self._execute_module(module_name=MODULE, module_args=args, task_vars=task_vars))
        return result
