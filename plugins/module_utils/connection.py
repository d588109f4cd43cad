# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PyMySQL connection built from the common connection options.

Usage in a module::

    argument_spec = connection_argument_spec()
    argument_spec.update(my_options)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    conn = connect(module)              # autocommit on, fails the module on error
    cursor = conn.cursor()              # rows are dicts (DictCursor)
    try:
        rows = run(cursor, 'SELECT @@server_id AS id')
    except SqlError as exc:
        module.fail_json(msg=exc.message)
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import traceback

try:
    import configparser
except ImportError:  # pragma: no cover - Python 2
    import ConfigParser as configparser  # type: ignore

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.mysql_rds.replication.plugins.module_utils.errors import SqlError, describe
from ansible_collections.mysql_rds.replication.plugins.module_utils.masking import render_query

PYMYSQL_IMPORT_ERROR = None
try:
    import pymysql
    import pymysql.cursors
except ImportError:  # pragma: no cover - depends on the controller/target
    pymysql = None
    PYMYSQL_IMPORT_ERROR = traceback.format_exc()

DEFAULT_CONFIG_FILE = '~/.my.cnf'
# Socket read/write timeouts (seconds) of the modules' connections: a server silent this long on a
# status read is stalled (SIGSTOP, a frozen VM, a dead network path), not slow; changing replication
# (a stop waits for the applier's current transaction) gets longer.
STATUS_TIMEOUT = 300
CHANGE_TIMEOUT = 600

__all__ = ['connection_argument_spec', 'connect', 'connection_params', 'run', 'SqlError',
           'read_client_options', 'ConnectionConfigError', 'target_of', 'set_timeouts', 'timeouts_of',
           'STATUS_TIMEOUT', 'CHANGE_TIMEOUT']


class ConnectionConfigError(Exception):
    """Bad connection options (unreadable config_file, missing TLS file...)."""


def connection_argument_spec():
    """The shared connection options (doc fragment mysql_rds.replication.connection)."""
    return dict(
        login_host=dict(type='str', default='localhost'),
        login_port=dict(type='int', default=3306),
        login_user=dict(type='str'),
        login_password=dict(type='str', no_log=True),
        login_unix_socket=dict(type='str'),
        config_file=dict(type='path', default=DEFAULT_CONFIG_FILE),
        ca_cert=dict(type='path', aliases=['ssl_ca', 'ssl_ca_cert']),
        client_cert=dict(type='path', aliases=['ssl_cert', 'ssl_cert_file']),
        client_key=dict(type='path', aliases=['ssl_key', 'ssl_key_file'], no_log=False),
        check_hostname=dict(type='bool', default=True),
        connect_timeout=dict(type='int', default=30),
    )


def _unquote(value):
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in ('"', "'"):
        return value[1:-1]
    return value


def read_client_options(path, must_exist=False):
    """Return the [client] section of a MySQL option file as a dict.

    Keys are normalized ('-' and '_' are the same in option files). A missing
    default ~/.my.cnf is not an error; a missing explicit file is.
    """
    path = os.path.expanduser(path)
    if not os.path.exists(path):
        if must_exist:
            raise ConnectionConfigError('config_file %s does not exist: fix the path or omit it.' % path)
        return {}
    parser = configparser.RawConfigParser(allow_no_value=True, strict=False)
    try:
        with open(path) as handle:
            lines = [line for line in handle if not line.lstrip().startswith('!')]
        parser.read_string(''.join(lines), source=path)
    except (IOError, OSError) as exc:
        raise ConnectionConfigError('cannot read config_file %s (%s): check its permissions.' % (path, exc.strerror))
    except configparser.Error as exc:
        raise ConnectionConfigError('config_file %s is not a valid option file (%s).'
                                    % (path, exc.__class__.__name__))
    if not parser.has_section('client'):
        return {}
    options = {}
    for key, value in parser.items('client'):
        if value is not None:
            options[key.replace('-', '_')] = _unquote(value)
    return options


def client_options(config_file):
    """The [client] options of ``config_file``: None means the default file (ignored when missing),
    '' no file at all (as community.mysql), any other path a file that must exist."""
    if config_file == '':
        return {}
    config_path = config_file or DEFAULT_CONFIG_FILE
    explicit = os.path.expanduser(config_path) != os.path.expanduser(DEFAULT_CONFIG_FILE)
    return read_client_options(config_path, must_exist=explicit)


def connection_params(params):
    """Map module params to pymysql.connect() keyword arguments (no I/O but the option file)."""
    client = client_options(params.get('config_file'))
    timeout = params.get('connect_timeout')
    if timeout is not None and not 0 <= timeout <= 31536000:
        raise ConnectionConfigError('connect_timeout must be a positive number of seconds (got %s; 0 or unset = 30): '
                                    'fix connect_timeout; nothing was changed.' % timeout)

    kwargs = dict(
        user=params.get('login_user') or client.get('user'),
        password=params.get('login_password') if params.get('login_password') is not None
        else client.get('password', ''),
        connect_timeout=params.get('connect_timeout') or 30,
        autocommit=True,
        charset='utf8mb4',
    )
    socket = params.get('login_unix_socket') or client.get('socket')
    if socket:
        kwargs['unix_socket'] = os.path.expanduser(socket)
    else:
        kwargs['host'] = params.get('login_host') or client.get('host') or 'localhost'
        kwargs['port'] = params.get('login_port') or int(client.get('port', 3306))

    ssl = {}
    for option, key in (('ca_cert', 'ca'), ('client_cert', 'cert'), ('client_key', 'key')):
        value = params.get(option)
        if value:
            ssl[key] = tls_file(option, value)
    if ssl:
        if 'ca' in ssl:
            ssl['check_hostname'] = bool(params.get('check_hostname', True))
        kwargs['ssl'] = ssl
    return kwargs


def tls_file(option, path):
    """``path`` expanded, or ConnectionConfigError naming the option when it is missing or
    unreadable (before any connection: a missing CA is not a login problem)."""
    path = os.path.expanduser(path)
    if not os.path.isfile(path):
        raise ConnectionConfigError('file not found: %s=%s (fix the path; nothing was changed).' % (option, path))
    try:
        with open(path, 'rb'):
            pass
    except (IOError, OSError) as exc:
        raise ConnectionConfigError('file not found: %s=%s is not readable by this user (%s): fix its '
                                    'permissions.' % (option, path, exc.strerror))
    return path


def target_of(kwargs):
    """Human-readable endpoint (socket path or host:port) for messages."""
    if kwargs.get('unix_socket'):
        return kwargs['unix_socket']
    return '%s:%s' % (kwargs.get('host'), kwargs.get('port'))


def as_connection_options(params, names):
    """A second server's options (``names``: common option -> the module's own option) given as the
    common connection options; config_file, connect_timeout and check_hostname are shared."""
    options = dict((common, params.get(own)) for common, own in names.items())
    for shared in ('config_file', 'connect_timeout', 'check_hostname'):
        options.setdefault(shared, params.get(shared))
    return options


def set_timeouts(conn, read_timeout=None, write_timeout=None):
    """Change the socket read/write timeouts (seconds, None = wait forever) of an open PyMySQL
    connection; they apply from its next read/write (PyMySQL sets the socket timeout per call)."""
    for value in (read_timeout, write_timeout):
        if value is not None and value <= 0:
            raise ValueError('timeouts must be > 0 seconds or None (got %r)' % (value,))
    conn._read_timeout = read_timeout  # pylint: disable=protected-access
    conn._write_timeout = write_timeout  # pylint: disable=protected-access
    return conn


def timeouts_of(conn):
    """(read_timeout, write_timeout) of a PyMySQL connection (None: none, or not a connection)."""
    return getattr(conn, '_read_timeout', None), getattr(conn, '_write_timeout', None)


def connect(module, fail=True, options=None, read_timeout=None, write_timeout=None):
    """Open a PyMySQL connection (autocommit on, DictCursor) or fail the module.

    ``options`` are the common connection options of the server to reach (default: the module's
    own, see as_connection_options()). With ``fail=False`` a SqlError/ConnectionConfigError is
    raised instead.

    The whole handshake (TCP, greeting, TLS, authentication) is bounded by connect_timeout per
    read/write, also when something that is not a MySQL server accepts the TCP connection and never
    answers. Then ``read_timeout``/``write_timeout`` (seconds; None = no limit, e.g. for long
    checksums) apply to every statement on the connection; change them with set_timeouts().
    A statement that gets no answer in time fails naming the timeout (see run()).
    """
    if pymysql is None:
        module.fail_json(msg=missing_required_lib('PyMySQL'), exception=PYMYSQL_IMPORT_ERROR)
    try:
        kwargs = connection_params(module.params if options is None else options)
    except ConnectionConfigError as exc:
        if not fail:
            raise
        module.fail_json(msg=str(exc))
    secrets = [kwargs.get('password')]
    target = target_of(kwargs)
    handshake = kwargs['connect_timeout']
    try:
        conn = pymysql.connect(cursorclass=pymysql.cursors.DictCursor, read_timeout=handshake,
                               write_timeout=handshake, **kwargs)
    except Exception as exc:  # pylint: disable=broad-except
        error = describe(exc, 'connect to %s as %s' % (target, kwargs.get('user')), secrets=secrets,
                         target=target, timeout=('connect_timeout', handshake))
        if not fail:
            raise error
        module.fail_json(msg=error.message, errno=error.errno)
    return set_timeouts(conn, read_timeout, write_timeout)


def _timeout_of_cursor(cursor, exc):
    """(option name, seconds) of the timeout in force on the connection behind ``cursor`` for the
    failed operation (PyMySQL reports a timed-out write as 2006 "gone away"), for messages."""
    read_timeout, write_timeout = timeouts_of(getattr(cursor, 'connection', None))
    args = getattr(exc, 'args', ())
    if write_timeout and args and args[0] == 2006:
        return ('write_timeout', write_timeout)
    if read_timeout:
        return ('read_timeout', read_timeout)
    return None


def run(cursor, sql, params=None, secrets=()):
    """Execute ``sql`` with ``params``; return all rows (list of dicts, [] if none).

    Without params (None or an empty list, as the dialect's statements have) the text is sent
    as it is: a LIKE pattern's '%' needs no doubling.

    Errors come back as SqlError, with the statement rendered with every value in
    ``secrets`` masked and a hint naming the fix. Extra result sets (procedure
    calls) are drained so the connection stays usable.
    """
    try:
        cursor.execute(sql, params if params else None)
        rows = list(cursor.fetchall()) if cursor.description else []
        while cursor.nextset():
            if not rows and cursor.description:
                rows = list(cursor.fetchall())
        return rows
    except Exception as exc:  # pylint: disable=broad-except
        raise describe(exc, render_query(sql, params, secrets), secrets=secrets,
                       timeout=_timeout_of_cursor(cursor, exc))
