# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A second server's login: one dict option, the old flat options deprecated one release."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.mysql_rds.replication.plugins.module_utils import second_login as sl
from ansible_collections.mysql_rds.replication.plugins.module_utils.connection import connection_argument_spec

FLAT = dict(login_host='source_host', login_port='source_port', login_user='source_user',
            login_password='source_password', ca_cert='source_ca_cert')


class Module(object):
    def __init__(self, **params):
        self.params = params
        self.deprecations = []

    def deprecate(self, msg, version=None, collection_name=None):
        self.deprecations.append((msg, version, collection_name))


def test_login_option_has_exactly_the_login_sub_options():
    option = sl.login_option()
    assert option['type'] == 'dict' and option['options'] == connection_argument_spec()
    assert option['options']['login_password']['no_log'] is True


def test_deprecated_options_have_the_common_types_no_defaults_and_no_log():
    specs = sl.deprecated_options(FLAT, dict(source_host=['source_login_host']))
    assert specs['source_host'] == dict(type='str', aliases=['source_login_host'])
    assert specs['source_port'] == dict(type='int')
    assert specs['source_password'] == dict(type='str', no_log=True)
    assert specs['source_ca_cert'] == dict(type='path')
    assert not any('default' in spec for spec in specs.values())


def test_flat_options_share_the_main_config_and_are_deprecated():
    module = Module(source_login=None, source_host='10.0.0.1', source_port=None, source_user='dba',
                    source_password='pw', source_ca_cert=None, config_file='/etc/my.cnf', connect_timeout=5,
                    check_hostname=False)
    options = sl.resolve(module, 'source_login', FLAT)
    assert options == dict(login_host='10.0.0.1', login_port=None, login_user='dba', login_password='pw',
                           ca_cert=None, config_file='/etc/my.cnf', connect_timeout=5, check_hostname=False)
    assert [msg for msg, _v, _c in module.deprecations] == [
        'source_host is deprecated: use source_login.login_host instead.',
        'source_password is deprecated: use source_login.login_password instead.',
        'source_user is deprecated: use source_login.login_user instead.']
    assert all((v, c) == ('0.3.0', 'mysql_rds.replication') for _msg, v, c in module.deprecations)


def test_the_dict_wins():
    login = dict(login_host='127.0.0.1', login_port=3307, login_user='u', login_password='p', config_file='')
    module = Module(source_login=login, source_host='10.0.0.1', source_port=None, source_user=None,
                    source_password=None, source_ca_cert=None)
    assert sl.resolve(module, 'source_login', FLAT) == login
    assert module.deprecations[0][0] == ('source_host is deprecated: use source_login.login_host instead '
                                         '(ignored: source_login is set).')


def test_nothing_flat_nothing_deprecated():
    module = Module(source_login=dict(login_user='u'), source_host=None, source_port=None, source_user=None,
                    source_password=None, source_ca_cert=None)
    sl.resolve(module, 'source_login', FLAT)
    assert module.deprecations == []
