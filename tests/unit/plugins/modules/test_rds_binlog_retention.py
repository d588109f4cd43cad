# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.mysql_rds.replication.plugins.modules import rds_binlog_retention as rbr
from ansible_collections.mysql_rds.replication.tests.unit.plugins.modules import docs_spec


@pytest.mark.parametrize('hours, limit, ok', [
    (None, 168, True), (1, 168, True), (168, 168, True), (0, 168, False), (169, 168, False),
    (-1, 168, False), (2160, 2160, True), (2161, 2160, False),
])
def test_validate_hours(hours, limit, ok):
    problem = rbr.validate_hours(hours, limit)
    assert (problem is None) == ok
    if not ok:
        assert 'between 1 and %s' % limit in problem and 'omitted' in problem


class Cursor(object):
    def __init__(self, value):
        self.value = value
        self.description = [('name',)]

    def execute(self, sql, params=None):
        assert sql == 'CALL mysql.rds_show_configuration()'

    def fetchall(self):
        return [{'name': 'binlog retention hours', 'value': self.value, 'description': '...'},
                {'name': 'source delay', 'value': '0', 'description': '...'}]

    def nextset(self):
        return False


@pytest.mark.parametrize('value, hours', [(None, None), ('24', 24), ('NULL', None)])
def test_read_hours(value, hours):
    assert rbr.read_hours(Cursor(value)) == hours


def test_documentation_matches_the_argument_spec():
    docs_spec.check(rbr, rbr.argument_spec())
