# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import socket
import struct
import threading
import time

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
    with pytest.raises(ConnectionConfigError, match='file not found: ca_cert='):
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


# --- timeouts: a listener that never answers, and a fake server that stalls after the login ---

class FakeModule(object):
    def __init__(self, module_params):
        self.params = module_params

    def fail_json(self, **kwargs):
        raise AssertionError(kwargs)


def _packet(seq, payload):
    return struct.pack('<I', len(payload))[:3] + bytes([seq]) + payload


def _read_packet(sock):
    head = b''
    while len(head) < 4:
        chunk = sock.recv(4 - len(head))
        if not chunk:
            return None
        head += chunk
    length = struct.unpack('<I', head[:3] + b'\0')[0]
    body = b''
    while len(body) < length:
        body += sock.recv(length - len(body))
    return body


# Protocol 41, secure connection, plugin auth, transactions, long password; no TLS.
CAPABILITIES = 0x00000001 | 0x00000200 | 0x00002000 | 0x00008000 | 0x00080000
GREETING = (b'\x0a' + b'5.7.99-fake\0' + struct.pack('<I', 7) + b'abcdefgh\0'
            + struct.pack('<H', CAPABILITIES & 0xffff) + b'\x2d' + struct.pack('<H', 2)
            + struct.pack('<H', CAPABILITIES >> 16) + b'\x15' + b'\0' * 10 + b'ijklmnopqrst\0'
            + b'mysql_native_password\0')
OK = b'\x00\x00\x00' + struct.pack('<H', 2) + b'\x00\x00'  # autocommit on, no warnings


@pytest.fixture
def stalling_server():
    """A fake MySQL server: greets, accepts any login and SET NAMES, then never answers a query."""
    server = socket.socket()
    server.bind(('127.0.0.1', 0))
    server.listen(1)
    stop = threading.Event()
    clients = []

    def serve():
        client, _address = server.accept()
        clients.append(client)
        client.sendall(_packet(0, GREETING))
        _read_packet(client)                 # login
        client.sendall(_packet(2, OK))
        _read_packet(client)                 # SET NAMES
        client.sendall(_packet(1, OK))
        _read_packet(client)                 # the query: no answer, ever
        stop.wait(30)

    thread = threading.Thread(target=serve)
    thread.daemon = True
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    for client in clients:
        client.close()
    server.close()


def login(port, **overrides):
    return params(login_host='127.0.0.1', login_port=port, login_user='app', login_password=SECRET,
                  **overrides)


def test_connect_is_bounded_when_the_listener_never_answers():
    """Something that accepts TCP but never speaks MySQL: connect_timeout bounds the handshake."""
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(1)
    try:
        started = time.time()
        with pytest.raises(SqlError) as caught:
            connection.connect(FakeModule(login(listener.getsockname()[1], connect_timeout=1)), fail=False)
        assert time.time() - started < 5
    finally:
        listener.close()
    assert 'connect_timeout=1s' in caught.value.message
    assert 'not a MySQL server' in caught.value.message
    assert 'login_password' not in caught.value.message  # not a login problem
    assert SECRET not in caught.value.message


def test_read_timeout_applies_to_every_statement(stalling_server):
    conn = connection.connect(FakeModule(login(stalling_server, connect_timeout=5)), read_timeout=1,
                              write_timeout=2)
    assert connection.timeouts_of(conn) == (1, 2)
    started = time.time()
    with pytest.raises(SqlError) as caught:
        run(conn.cursor(), 'SELECT %s AS pw', [SECRET], secrets=[SECRET])
    assert 0.8 < time.time() - started < 5
    assert 'read_timeout=1s' in caught.value.message
    assert 'stalled' in caught.value.message
    assert SECRET not in caught.value.message


def test_set_timeouts_changes_an_open_connection(stalling_server):
    conn = connection.connect(FakeModule(login(stalling_server, connect_timeout=5)))
    assert connection.timeouts_of(conn) == (None, None)  # no limit unless asked
    connection.set_timeouts(conn, read_timeout=1)
    started = time.time()
    with pytest.raises(SqlError, match='read_timeout=1s'):
        run(conn.cursor(), 'SELECT SLEEP(60)')
    assert time.time() - started < 5
    with pytest.raises(ValueError):
        connection.set_timeouts(conn, read_timeout=0)


@pytest.mark.parametrize('option', ['ca_cert', 'client_cert', 'client_key'])
def test_missing_tls_file_is_named_before_connecting(option):
    with pytest.raises(ConnectionConfigError) as caught:
        connection_params(params(**{option: '/nonexistent/%s.pem' % option}))
    assert str(caught.value).startswith('file not found: %s=/nonexistent/%s.pem' % (option, option))


def test_unreadable_tls_file_is_named(tmp_path, monkeypatch):
    pem = tmp_path / 'ca.pem'
    pem.write_text('x')
    real_open = open

    def refusing_open(path, *args, **kwargs):
        if str(path) == str(pem):
            raise IOError(13, 'Permission denied')
        return real_open(path, *args, **kwargs)
    monkeypatch.setattr('builtins.open', refusing_open)
    with pytest.raises(ConnectionConfigError, match='file not found: ca_cert=.*not readable.*Permission denied'):
        connection.tls_file('ca_cert', str(pem))


def test_connect_fails_the_module_with_the_missing_file():
    class Failing(FakeModule):
        def fail_json(self, **kwargs):
            raise SystemExit(kwargs['msg'])
    with pytest.raises(SystemExit) as caught:
        connection.connect(Failing(login(1, ca_cert='/nonexistent/ca.pem')))
    assert str(caught.value).startswith('file not found: ca_cert=/nonexistent/ca.pem')


@pytest.mark.parametrize('errno, text, timeout, words', [
    (2013, 'Lost connection to MySQL server during query (timed out)', ('read_timeout', 10),
     ['timed out (read_timeout=10s)', 'stalled']),
    (2006, "MySQL server has gone away (TimeoutError('timed out'))", ('write_timeout', 3), ['write_timeout=3s']),
    (2003, "Can't connect to MySQL server on '10.1.1.1' (timed out)", ('connect_timeout', 5),
     ['no TCP connection', 'connect_timeout=5s', 'firewall']),
    (2003, "Can't connect to MySQL server on '10.1.1.1' (_ssl.c:989: The handshake operation timed out)",
     ('connect_timeout', 5), ['no MySQL handshake', 'connect_timeout=5s']),
])
def test_timeouts_name_the_timeout(errno, text, timeout, words):
    error = describe(OperationalError(errno, text), 'SELECT 1', target='10.1.1.1:3306', timeout=timeout)
    for word in words:
        assert word in error.message
    # without a timeout in force the code keeps its usual hint
    assert 'timed out (' not in describe(OperationalError(errno, text), 'SELECT 1').message


def test_run_names_the_timeout_of_the_failed_direction():
    class Conn(object):
        _read_timeout, _write_timeout = 5, 7
    reading = FakeCursor(fail=OperationalError(2013, 'Lost connection to MySQL server during query (timed out)'))
    writing = FakeCursor(fail=OperationalError(2006, "MySQL server has gone away (TimeoutError('timed out'))"))
    reading.connection = writing.connection = Conn()
    with pytest.raises(SqlError, match='read_timeout=5s'):
        run(reading, 'SELECT 1')
    with pytest.raises(SqlError, match='write_timeout=7s'):
        run(writing, 'SELECT 1')
