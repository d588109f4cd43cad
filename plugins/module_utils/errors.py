# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Translate server/client error codes into messages that name the fix."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.mysql_rds.replication.plugins.module_utils.masking import mask_text


class SqlError(Exception):
    """A failed statement, with a secret-free message that says what to do."""

    def __init__(self, message, errno=None, server_message=None):
        super(SqlError, self).__init__(message)
        self.errno = errno
        self.server_message = server_message

    @property
    def message(self):
        return self.args[0]


# errno -> hint; "{target}" is the host:port or socket we tried.
HINTS = {
    1044: 'the account lacks privileges on that database: grant them or use another login_user.',
    1045: 'check login_user/login_password (or the [client] section of config_file) and that the '
          "account's host part allows connections from this client (skip-name-resolve servers "
          'match on IP addresses).',
    1049: 'the database does not exist.',
    1130: "this client's address is not allowed by any account: create the user for this host.",
    1142: 'the login user lacks a privilege this step needs: on RDS connect as the master user.',
    1227: 'the login user lacks a privilege this step needs (SUPER/REPLICATION ADMIN etc.): on RDS '
          'use the mysql.rds_* procedures as the master user (mysql_rds.replication.rds_external_master); '
          'elsewhere grant the privilege or use an admin login.',
    1236: 'the source no longer has the binary log the replica asked for (purged or never existed): '
          'raise binlog retention on the source (mysql_rds.replication.rds_binlog_retention, e.g. '
          'hours=24) and take a new snapshot with fresh coordinates, or give a file/position that '
          'exists (SHOW BINARY LOGS on the source).',
    1305: 'the procedure does not exist on this engine/version: check the engine (see the dialect '
          'detected) and the RDS procedure list for this version.',
    1370: 'the login user may not execute this routine: on RDS connect as the master user.',
    2002: 'cannot connect through the unix socket {target}: check login_unix_socket and that the '
          'server is running on this machine.',
    2003: 'cannot reach {target}: check login_host/login_port, that the server is running and '
          'listening on TCP there, and firewall/security-group rules.',
    2005: 'unknown host {target}: check login_host (DNS name or IP).',
    2006: 'the server closed the connection: check connect_timeout and the server error log.',
    2013: 'lost the connection to {target} (often a TLS or timeout problem): check connect_timeout, '
          'ca_cert/client_cert/client_key and the server error log.',
    2026: 'TLS handshake with {target} failed: check ca_cert (must sign the server certificate), '
          'client_cert/client_key, and check_hostname (the certificate must name login_host).',
    2059: 'the client cannot use the authentication plugin of this account: use '
          'mysql_native_password or caching_sha2_password with TLS.',
    2061: 'the account uses caching_sha2_password and needs TLS: set ca_cert.',
    3159: 'the server requires TLS (require_secure_transport): set ca_cert.',
}

# The replica's IO/SQL threads: same codes, but the fix is on the replication side.
REPLICATION_HINTS = {
    1045: 'the source refused the replication login: check source_user/source_password and that the '
          "replication account's host part on the source matches the replica's address (anonymous "
          "''@'localhost' users on the source can shadow it).",
    1130: "the source has no account for the replica's address: create the replication user for that host.",
    2003: 'the replica cannot reach the source: check source_host/source_port and the firewall or '
          'security group between them.',
    2005: 'the replica cannot resolve source_host: use a resolvable name or an IP address.',
    2026: 'TLS to the source failed: check source_ssl_ca (it must sign the source certificate), '
          'source_ssl_verify_server_cert and that the certificate names source_host.',
    2061: 'the replication account uses caching_sha2_password and needs TLS: set source_ssl=true.',
    3159: 'the source requires TLS (require_secure_transport): set source_ssl=true.',
    1032: 'a row the source changed is missing on the replica (drift: writes on the replica or an '
          'inconsistent snapshot). Do not skip it: rebuild the replica from a consistent snapshot and '
          'verify with mysql_rds.replication.table_checksum.',
    1062: 'a row the source inserted already exists on the replica (drift). Do not skip it: rebuild the '
          'replica from a consistent snapshot and verify with mysql_rds.replication.table_checksum.',
    1146: 'the replica lacks a table the source writes: load the schema, ignore it with ignore_tables '
          "(RDS's own mysql.rds_* tables are ignored by the default), or replicate only the schemas the "
          'replica holds with do_tables (replica_of_rds_databases in the role).',
    # The IO thread logged in, then the source refused to register it or to send its binlog. MariaDB
    # says "Access denied ... (Errno: 1045)" inside, MySQL "... REPLICATION SLAVE privilege(s) (Errno: 1227)".
    1597: 'the source accepted the replication login but refused to serve it a binlog: the replication '
          'account lacks the REPLICATION SLAVE privilege on the source. GRANT REPLICATION SLAVE ON *.* TO '
          'that account on the source (the replica retries by itself every connect_retry seconds).',
    1227: 'the replication account lacks the REPLICATION SLAVE privilege on the source: GRANT REPLICATION '
          'SLAVE ON *.* TO it on the source.',
    1236: 'the source no longer has the binary log the replica needs (purged, or the coordinates are wrong): '
          'more waiting cannot fix it, the replica needs a fresh copy with new coordinates. Direction 1 '
          '(replica_of_rds): re-run it with replica_of_rds_force_reload=true. Direction 2 '
          '(rds_replica_of_source): remove RDS\'s source (rds_external_master state=absent), load again with '
          'rds_load_dump, and set the source from its new coordinates. Keep the binlogs long enough for the '
          'next copy (binlog retention on RDS: mysql_rds.replication.rds_binlog_retention, hours=24; '
          'binlog_expire_logs_seconds/expire_logs_days on a self-managed source).',
}

TLS_WORDS = ('SSL', 'TLS', 'CERTIFICATE', 'HANDSHAKE')
NESTED_ERROR = re.compile(r'(?:fatal )?error (\d{4,5}) from (?:master|source)', re.IGNORECASE)


def split_exception(exc):
    """Return (errno, text) from a PyMySQL/OS exception without its repr noise."""
    args = getattr(exc, 'args', ())
    if len(args) >= 2 and isinstance(args[0], int):
        return args[0], str(args[1])
    return None, str(exc)


def hint_for(errno, text, target='', replication=False):
    """The fix to apply for ``errno`` (or None).

    ``replication`` selects the replica-thread reading of the code (the source's
    login, not ours). "Got fatal error 1236 from source" counts as 1236.
    """
    upper = (text or '').upper()
    nested = NESTED_ERROR.search(text or '')
    if nested:
        errno = int(nested.group(1))
    if errno in (2003, 2013) and any(word in upper for word in TLS_WORDS):
        errno = 2026
    hint = REPLICATION_HINTS.get(errno) if replication else None
    hint = hint or HINTS.get(errno)
    if hint is None:
        return None
    return hint.format(target=target)


def timeout_hint(errno, text, target='', timeout=None):
    """The fix for a socket timeout (``timeout``: (option name, seconds) that was in force), or None
    when ``text`` is not a timeout."""
    lower = (text or '').lower()
    if not timeout or 'timed out' not in lower:
        return None
    name, seconds = timeout
    where = target or 'the server'
    if name == 'connect_timeout':
        if errno == 2003 and 'handshake' not in lower:
            return ('no TCP connection to %s within connect_timeout=%ss: check login_host/login_port and '
                    'firewall/security-group rules (packets are dropped, not refused).' % (where, seconds))
        return ('no MySQL handshake from %s within connect_timeout=%ss: what listens there is stalled '
                '(stopped or overloaded) or is not a MySQL server: check login_host/login_port.'
                % (where, seconds))
    return ('no answer from %s within %s=%ss: the server is stalled (stopped, overloaded, or waiting on '
            'a lock) or the statement needs longer than %s; the connection was closed.'
            % (where, name, seconds, name))


def describe(exc, action, secrets=(), target='', timeout=None):
    """Build a SqlError for a failed ``action`` (e.g. "connect", a query shown masked).

    ``timeout``: (option name, seconds) of the socket timeout in force, so a timeout names it."""
    errno, text = split_exception(exc)
    text = mask_text(text, secrets)
    parts = ['%s failed' % mask_text(action, secrets)]
    if errno is not None:
        parts.append(': (%s) %s' % (errno, text))
    else:
        parts.append(': %s' % text)
    hint = timeout_hint(errno, text, target, timeout)
    if hint:
        parts[0] = '%s timed out (%s=%ss)' % (mask_text(action, secrets), timeout[0], timeout[1])
    else:
        hint = hint_for(errno, text, target)
    if hint:
        parts.append(' -- fix: %s' % mask_text(hint, secrets))
    return SqlError(''.join(parts), errno=errno, server_message=text)
