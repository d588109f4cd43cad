# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""No password in any msg, queries, status text or exception of the replica and info modules.

Each module runs its main() against a fake server whose error messages and status texts repeat the
passwords it was given (servers echo what they are sent); exit_json/fail_json are replaced below
Ansible's own no_log filter, so what is checked is what the module itself returns.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

import pymysql
import pytest

from ansible_collections.mysql_rds.replication.plugins.module_utils import connection, replica_options
from ansible_collections.mysql_rds.replication.plugins.module_utils.masking import (
    MASK, guard_output, mask_value, module_secrets)
from ansible_collections.mysql_rds.replication.plugins.modules import (
    mysql_replica_config, rds_external_master, replica_status_info, replication_server_info, table_checksum)
from ansible_collections.mysql_rds.replication.tests.unit.plugins.fake_cursor import FakeCursor
from ansible_collections.mysql_rds.replication.tests.unit.plugins import module_harness as harness
from ansible_collections.mysql_rds.replication.tests.unit.plugins.module_harness import FakeConnection, HardExit
from ansible_collections.mysql_rds.replication.tests.unit.plugins.module_utils.status_rows import (
    MARIADB1011_SLAVE_STATUS)

LOGIN_SECRET = 'Login-Pw-7731'
SOURCE_SECRET = 'Source-Pw-8842'
REPLICA_SECRET = 'Replica-Pw-9953'
SECRETS = (LOGIN_SECRET, SOURCE_SECRET, REPLICA_SECRET)
VERSION = ('VERSION()', [{'version': '10.11.9-MariaDB-log', 'comment': 'Source distribution'}])


def echo(*secrets):
    """A server error that repeats the given passwords (as a statement echo or a hostile proxy would)."""
    return pymysql.err.OperationalError(1064, "You have an error in your SQL syntax near %s"
                                        % ', '.join("'%s'" % secret for secret in secrets))


ECHO = echo(LOGIN_SECRET, SOURCE_SECRET)  # what the replica modules know


def run_main(monkeypatch, module, args, cursor, connect_in=None):
    """main() of ``module``; HardExit: the modules' broad excepts must not catch the exit."""
    module_args = dict(login_user='dba', login_password=LOGIN_SECRET, config_file='')
    module_args.update(args)
    return harness.run_main(monkeypatch, module, module_args, connect=lambda *a, **k: FakeConnection(cursor),
                            connect_in=connect_in, exit_type=HardExit)


def assert_masked(result, secrets=(LOGIN_SECRET, SOURCE_SECRET)):
    text = json.dumps(result, default=str)
    for secret in secrets:
        assert secret not in text, 'a password leaked: %s' % text[:2000]


def status_echoing_secrets():
    return dict(MARIADB1011_SLAVE_STATUS, Slave_IO_Running='Connecting', Last_IO_Errno=1045,
                Last_IO_Error="Access denied for user 'h2_repl' (password '%s'; login '%s')"
                              % (SOURCE_SECRET, LOGIN_SECRET))


SOURCE = dict(source_host='127.0.0.1', source_port=13401, source_user='h2_repl', source_password=SOURCE_SECRET,
              source_log_file='mysql-bin.000002', source_log_pos=4)


def test_rds_external_master_masks_an_echoing_server(monkeypatch):
    cursor = FakeCursor([VERSION, ('rds_replica_status', [{}]), ('rds_set_external_master', ECHO)])
    result = run_main(monkeypatch, rds_external_master, SOURCE, cursor, connect_in=replica_options)
    assert result['failed'] is True and MASK in result['msg']
    assert_masked(result)


def test_rds_external_master_masks_status_texts(monkeypatch):
    cursor = FakeCursor([VERSION, ('rds_replica_status', [status_echoing_secrets()])])
    result = run_main(monkeypatch, rds_external_master, dict(SOURCE, state='present'), cursor,
                      connect_in=replica_options)
    assert MASK in result['status']['last_io_error']
    assert_masked(result)


def test_mysql_replica_config_masks_an_echoing_server(monkeypatch):
    cursor = FakeCursor([VERSION, ('SHOW SLAVE STATUS', [{}]), ('read_only', [{'ro': 0}]),
                         ('CHANGE MASTER', ECHO)])
    result = run_main(monkeypatch, mysql_replica_config, SOURCE, cursor, connect_in=replica_options)
    assert result['failed'] is True and MASK in result['msg']
    assert_masked(result)


def test_mysql_replica_config_masks_a_failed_start(monkeypatch):
    """The status after the start repeats the password: the failure (msg and status) is masked."""
    cursor = FakeCursor([VERSION, ('SHOW SLAVE STATUS', [status_echoing_secrets()]), ('read_only', [{'ro': 0}])])
    result = run_main(monkeypatch, mysql_replica_config, dict(SOURCE, force=True), cursor,
                      connect_in=replica_options)
    assert result['failed'] is True and 'source_user/source_password' in result['msg']
    assert MASK in result['msg'] and MASK in result['status']['last_io_error']
    assert_masked(result)


def test_replica_status_info_masks_an_echoing_server(monkeypatch):
    result = run_main(monkeypatch, replica_status_info, {},
                      FakeCursor([VERSION, ('SHOW SLAVE STATUS', echo(LOGIN_SECRET))]))
    assert result['failed'] is True and MASK in result['msg']
    assert_masked(result, [LOGIN_SECRET])
    result = run_main(monkeypatch, replica_status_info, {},
                      FakeCursor([VERSION, ('SHOW SLAVE STATUS', [status_echoing_secrets()]),
                                  ('AS gtid', [{'gtid': ''}])]))
    assert MASK in result['error'] and MASK in result['status']['last_io_error']
    assert_masked(result, [LOGIN_SECRET])


def test_replication_server_info_masks_an_echoing_server(monkeypatch):
    result = run_main(monkeypatch, replication_server_info, {},
                      FakeCursor([VERSION, ('@@', echo(LOGIN_SECRET)), ('SHOW', echo(LOGIN_SECRET))]))
    assert result['failed'] is True and MASK in result['msg']
    assert_masked(result, [LOGIN_SECRET])


def test_table_checksum_masks_both_logins(monkeypatch):
    replica_login = dict(login_host='10.0.0.2', login_user='dba', login_password=REPLICA_SECRET, config_file='')
    result = run_main(monkeypatch, table_checksum, dict(replica_login=replica_login),
                      FakeCursor([VERSION, ('server_id', echo(LOGIN_SECRET, REPLICA_SECRET))]))
    assert result['failed'] is True and MASK in result['msg']
    assert_masked(result, [LOGIN_SECRET, REPLICA_SECRET])


def test_an_unexpected_exception_is_a_masked_failure(monkeypatch):
    """Not a traceback (which Ansible prints unfiltered): a failure naming the exception, masked."""
    def boom(*args, **kwargs):
        raise KeyError('boom with %s' % SOURCE_SECRET)
    monkeypatch.setattr(rds_external_master, 'plan', boom)
    cursor = FakeCursor([VERSION, ('rds_replica_status', [{}])])
    result = run_main(monkeypatch, rds_external_master, SOURCE, cursor, connect_in=replica_options)
    assert result['failed'] is True
    assert 'KeyError' in result['msg'] and MASK in result['msg']
    assert_masked(result)


def test_connect_masks_the_password_in_its_error(monkeypatch):
    def refuse(**kwargs):
        raise pymysql.err.OperationalError(1045, "Access denied for user 'dba' (password '%s')" % kwargs['password'])
    monkeypatch.setattr(connection.pymysql, 'connect', refuse)

    class Module(object):
        params = dict(login_host='db1', login_user='dba', login_password=LOGIN_SECRET, config_file='')

        def fail_json(self, **kwargs):
            raise HardExit(kwargs)
    with pytest.raises(HardExit) as caught:
        connection.connect(Module())
    assert LOGIN_SECRET not in caught.value.result['msg'] and 'login_password' in caught.value.result['msg']


def test_masking_helpers():
    class Module(object):
        no_log_values = set(['short', 'short-and-longer', ''])
    assert module_secrets(Module(), None, 'extra') == ['short-and-longer', 'extra', 'short']
    value = {'k short': ['a short-and-longer b', ('short',), 3, None]}
    assert mask_value(value, module_secrets(Module())) == {'k %s' % MASK: ['a %s b' % MASK, (MASK,), 3, None]}
    seen = []

    class Exiting(Module):
        def exit_json(self, **result):
            seen.append(result)

        def fail_json(self, **result):
            seen.append(result)
    module = Exiting()
    guard_output(module, 'given')
    module.exit_json(msg='given short')
    module.fail_json('failed: short-and-longer', detail=['given'])
    assert seen == [dict(msg='%s %s' % (MASK, MASK)), dict(msg='failed: %s' % MASK, detail=[MASK])]
