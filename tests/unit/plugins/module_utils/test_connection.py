# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.mysql_rds.replication.plugins.module_utils import connection
from ansible_collections.mysql_rds.replication.plugins.module_utils.connection import (
    ConnectionConfigError, connection_argument_spec, connection_params, read_client_options, run)
from ansible_collections.mysql_rds.replication.plugins.module_utils.errors import SqlError, describe
from ansible_collections.mysql_rds.replication.plugins.module_utils.masking import MASK, render_query

SECRET = 'S3cr3t-Pa55'
NO_FILE = '/nonexistent/default/.my.cnf'


@pytest.fixture(autouse=True)
def no_home_cnf(monkeypatch):
    """Never read the ~/.my.cnf of whoever runs the tests."""
    monkeypatch.setattr(connection, 'DEFAULT_CONFIG_FILE', NO_FILE)


def params(**overrides):
    spec = connection_argument_spec()
    values = dict((name, option.get('default')) for name, option in spec.items())
    values['config_file'] = NO_FILE
    values.update(overrides)
    return values


def test_argument_spec_marks_password_no_log():
    spec = connection_argument_spec()
    assert spec['login_password']['no_log'] is True
    assert spec['login_port']['default'] == 3306
    assert spec['connect_timeout']['default'] == 30
    assert set(['login_host', 'login_user', 'login_unix_socket', 'config_file', 'ca_cert', 'client_cert',
                'client_key', 'check_hostname']) <= set(spec)


def test_params_tcp_autocommit():
    kwargs = connection_params(params(login_host='127.0.0.1', login_port=13301, login_user='admin',
                                      login_password=SECRET))
    assert kwargs['autocommit'] is True
    assert (kwargs['host'], kwargs['port'], kwargs['user'], kwargs['password']) == ('127.0.0.1', 13301, 'admin', SECRET)
    assert 'ssl' not in kwargs and 'unix_socket' not in kwargs


def test_params_from_config_file(tmp_path):
    cnf = tmp_path / 'my.cnf'
    cnf.write_text('!includedir /etc/mysql/conf.d/\n[mysqld]\nport=1\n[client]\nuser = dba\npassword = "%s"\n'
                   'socket=/run/mysqld/mysqld.sock\n' % SECRET)
    kwargs = connection_params(params(config_file=str(cnf)))
    assert kwargs['user'] == 'dba'
    assert kwargs['password'] == SECRET
    assert kwargs['unix_socket'] == '/run/mysqld/mysqld.sock'
    assert 'host' not in kwargs


def test_explicit_options_win_over_config_file(tmp_path):
    cnf = tmp_path / 'my.cnf'
    cnf.write_text('[client]\nuser=dba\npassword=fromfile\n')
    kwargs = connection_params(params(config_file=str(cnf), login_user='admin', login_password='given'))
    assert (kwargs['user'], kwargs['password']) == ('admin', 'given')


def test_missing_explicit_config_file_is_an_error():
    with pytest.raises(ConnectionConfigError, match='does not exist'):
        connection_params(params(config_file='/nonexistent/explicit.cnf'))


def test_empty_config_file_reads_no_option_file(tmp_path, monkeypatch):
    home_cnf = tmp_path / 'home.cnf'
    home_cnf.write_text('[client]\nuser=fromhome\npassword=fromhome\nsocket=/run/home.sock\n')
    monkeypatch.setattr(connection, 'DEFAULT_CONFIG_FILE', str(home_cnf))
    # the default file is read when config_file is the default or omitted (None)...
    assert connection_params(params(config_file=str(home_cnf)))['user'] == 'fromhome'
    assert connection_params(params(config_file=None))['user'] == 'fromhome'
    # ...and not at all with '' (community.mysql's way to turn it off)
    kwargs = connection_params(params(config_file='', login_host='db1', login_user='dba'))
    assert (kwargs['user'], kwargs['password'], kwargs['host']) == ('dba', '', 'db1')
    assert 'unix_socket' not in kwargs


@pytest.mark.parametrize('alias, option', [
    ('ssl_ca', 'ca_cert'), ('ssl_ca_cert', 'ca_cert'), ('ssl_cert', 'client_cert'), ('ssl_cert_file', 'client_cert'),
    ('ssl_key', 'client_key'), ('ssl_key_file', 'client_key'),
])
def test_tls_aliases_as_community_mysql(tmp_path, alias, option):
    from ansible.module_utils.basic import AnsibleModule
    from ansible.module_utils.testing import patch_module_args
    pem = tmp_path / 'x.pem'
    pem.write_text('x')
    with patch_module_args({alias: str(pem), 'config_file': ''}):
        module = AnsibleModule(argument_spec=connection_argument_spec())
    assert module.params[option] == str(pem)
    assert module.params['config_file'] == ''
    assert alias in connection_argument_spec()[option]['aliases']


def test_missing_default_config_file_is_ignored():
    assert read_client_options(NO_FILE) == {}
    assert connection_params(params(login_user='dba'))['user'] == 'dba'


def test_tls_options(tmp_path):
    for name in ('ca.pem', 'cert.pem', 'key.pem'):
        (tmp_path / name).write_text('x')
    kwargs = connection_params(params(ca_cert=str(tmp_path / 'ca.pem'), client_cert=str(tmp_path / 'cert.pem'),
                                      client_key=str(tmp_path / 'key.pem'), check_hostname=False))
    assert kwargs['ssl'] == {'ca': str(tmp_path / 'ca.pem'), 'cert': str(tmp_path / 'cert.pem'),
                             'key': str(tmp_path / 'key.pem'), 'check_hostname': False}


def test_missing_ca_file_names_the_option():
    with pytest.raises(ConnectionConfigError, match='ca_cert'):
        connection_params(params(ca_cert='/nonexistent/ca.pem'))


class OperationalError(Exception):
    pass


@pytest.mark.parametrize('errno, text, fix', [
    (1045, "Access denied for user 'admin'@'10.0.0.5' (using password: YES)", 'login_password'),
    (2003, "Can't connect to MySQL server on '10.0.0.9' ([Errno 111] Connection refused)", 'firewall'),
    (2003, "Can't connect to MySQL server on '127.0.0.1' ([SSL: CERTIFICATE_VERIFY_FAILED] certificate verify "
           "failed)", 'ca_cert'),
    (1236, 'Could not find first log file name in binary log index file', 'binlog retention'),
    (1305, 'PROCEDURE mysql.rds_set_external_source does not exist', 'engine'),
    (1227, 'Access denied; you need (at least one of) the SUPER privilege(s)', 'rds_'),
])
def test_errors_name_the_fix(errno, text, fix):
    error = describe(OperationalError(errno, text), 'connect to 10.0.0.9:3306 as admin', target='10.0.0.9:3306')
    assert isinstance(error, SqlError)
    assert error.errno == errno
    assert fix in error.message
    assert text in error.message


def test_errors_never_carry_the_password():
    error = describe(OperationalError(1064, "You have an error in your SQL syntax near '%s'" % SECRET),
                     "CHANGE MASTER TO MASTER_PASSWORD = '%s'" % SECRET, secrets=[SECRET])
    assert SECRET not in error.message
    assert MASK in error.message


class FakeCursor(object):
    def __init__(self, fail=None, sets=None):
        self.fail = fail
        self.sets = list(sets or [[{'a': 1}]])
        self.description = None
        self.executed = []

    def execute(self, sql, params=None):
        self.executed.append((sql, params))
        if self.fail:
            raise self.fail
        self.description = [('a',)]

    def fetchall(self):
        return self.sets[0]

    def nextset(self):
        """Like PyMySQL: move to the next result set, False when there is none."""
        self.sets.pop(0)
        return bool(self.sets)


def test_run_returns_rows_and_drains_result_sets():
    cursor = FakeCursor(sets=[[{'Message': 'Replication started'}], []])
    assert run(cursor, 'CALL mysql.rds_start_replication()') == [{'Message': 'Replication started'}]
    assert cursor.sets == []  # every result set consumed


def test_run_sends_a_statement_without_params_as_is():
    bare, with_params = FakeCursor(), FakeCursor()
    run(bare, "SHOW STATUS LIKE 'binlog_snapshot_%'", [])
    run(with_params, 'SELECT %s', [1])
    assert bare.executed == [("SHOW STATUS LIKE 'binlog_snapshot_%'", None)]
    assert with_params.executed == [('SELECT %s', [1])]


def test_run_masks_secrets_in_errors():
    cursor = FakeCursor(fail=OperationalError(1045, 'Access denied'))
    with pytest.raises(SqlError) as caught:
        run(cursor, 'CALL mysql.rds_set_external_master(%s, %s)', ['db1', SECRET], secrets=[SECRET])
    assert SECRET not in caught.value.message
    assert "'db1'" in caught.value.message


def test_render_query_masks_by_value():
    text = render_query('CHANGE MASTER TO MASTER_HOST = %s, MASTER_PASSWORD = %s, MASTER_PORT = %s',
                        ['db1', "it's" + SECRET, 3306], secrets=["it's" + SECRET])
    assert text == "CHANGE MASTER TO MASTER_HOST = 'db1', MASTER_PASSWORD = '%s', MASTER_PORT = 3306" % MASK


def test_render_query_escapes_quotes_and_nulls():
    assert render_query('CALL p(%s, %s)', ["o'k", None]) == "CALL p('o\\'k', NULL)"


@pytest.mark.parametrize('errno, text, fix', [
    (2026, 'SSL connection error: certificate verify failed', 'source_ssl_ca'),
    (2061, 'Authentication plugin caching_sha2_password reported error: needs a secure connection',
     'source_ssl=true'),
    (3159, 'Connections using insecure transport are prohibited', 'source_ssl=true'),
])
def test_replication_hints_name_the_channel_options(errno, text, fix):
    from ansible_collections.mysql_rds.replication.plugins.module_utils.errors import hint_for
    assert fix in hint_for(errno, text, replication=True)
    assert 'source_ssl' not in (hint_for(errno, text) or '')  # our own login: the login options


def test_doc_fragments_document_the_connection_options(monkeypatch):
    """The connection fragment and the source_login fragment's sub-options match the spec."""
    monkeypatch.setattr(connection, 'DEFAULT_CONFIG_FILE', '~/.my.cnf')  # the real default, not the fixture's
    import yaml
    from ansible_collections.mysql_rds.replication.plugins.doc_fragments import connection as connection_doc
    from ansible_collections.mysql_rds.replication.plugins.doc_fragments import source_login
    from ansible_collections.mysql_rds.replication.tests.unit.plugins.modules.docs_spec import mismatches
    spec = connection_argument_spec()
    options = yaml.safe_load(connection_doc.ModuleDocFragment.DOCUMENTATION)['options']
    assert mismatches(spec, options) == []
    login = yaml.safe_load(source_login.ModuleDocFragment.DOCUMENTATION)['options']['source_login']
    assert login['type'] == 'dict'
    assert mismatches(spec, login['suboptions']) == []
