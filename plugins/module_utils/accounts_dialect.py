# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The account statements of each engine (part of the dialect layer, next to dialect.py).

Rows ``(flavor, minimum version, value)`` resolved like dialect.STATEMENTS (the highest version a
server reaches; Aurora MySQL falls back to MySQL's rows). Where an account's plugin and password
hash live (MariaDB 10.4+: the JSON of mysql.global_priv; before and on MySQL: mysql.user), how a
hash is given back (MariaDB ``IDENTIFIED VIA <plugin> USING``, MySQL ``IDENTIFIED WITH <plugin>
AS``), and the privileges ``ALL PRIVILEGES`` stands for below the global level.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.mysql_rds.replication.plugins.module_utils.dialect import MARIADB, MYSQL, SKIP_BINLOG, resolve

_COMMON = ('SELECT', 'INSERT', 'UPDATE', 'DELETE', 'CREATE', 'DROP', 'REFERENCES', 'INDEX', 'ALTER',
           'CREATE VIEW', 'SHOW VIEW', 'TRIGGER')

ACCOUNT_STATEMENTS = {
    # Rows: user, host, and either `priv` (MariaDB's JSON) or `plugin` + `hash`.
    'list_accounts': (
        (MARIADB, (0,), 'SELECT User AS user, Host AS host, plugin, authentication_string AS hash, '
                        "is_role = 'Y' AS is_role, ssl_type, ssl_cipher, x509_issuer, x509_subject FROM mysql.user"),
        (MARIADB, (10, 4, 0), 'SELECT User AS user, Host AS host, Priv AS priv FROM mysql.global_priv'),
        (MYSQL, (0,), 'SELECT User AS user, Host AS host, plugin, authentication_string AS hash, '
                      '0 AS is_role, ssl_type, ssl_cipher, x509_issuer, x509_subject FROM mysql.user'),
    ),
    # The TLS requirement ({clause}: NONE, SSL, X509 or ISSUER %s AND SUBJECT %s AND CIPHER %s).
    'require': (
        (MARIADB, (0,), 'ALTER USER {account} REQUIRE {clause}'),
        (MYSQL, (0,), 'ALTER USER {account} REQUIRE {clause}'),
    ),
    'grants_for': (
        (MARIADB, (0,), 'SHOW GRANTS FOR %s@%s'),
        (MYSQL, (0,), 'SHOW GRANTS FOR %s@%s'),
    ),
    'own_grants': (
        (MARIADB, (0,), 'SHOW GRANTS FOR CURRENT_USER()'),
        (MYSQL, (0,), 'SHOW GRANTS FOR CURRENT_USER()'),
    ),
    'current_account': (
        (MARIADB, (0,), 'SELECT CURRENT_USER() AS account'),
        (MYSQL, (0,), 'SELECT CURRENT_USER() AS account'),
    ),
    'auth_plugins': (
        (MARIADB, (0,), "SELECT PLUGIN_NAME AS name FROM information_schema.PLUGINS "
                        "WHERE PLUGIN_TYPE = 'AUTHENTICATION' AND PLUGIN_STATUS = 'ACTIVE'"),
        (MYSQL, (0,), "SELECT PLUGIN_NAME AS name FROM information_schema.PLUGINS "
                      "WHERE PLUGIN_TYPE = 'AUTHENTICATION' AND PLUGIN_STATUS = 'ACTIVE'"),
    ),
    # Every privilege the server knows (column Privilege), for ALL PRIVILEGES ON *.*.
    'privileges': (
        (MARIADB, (0,), 'SHOW PRIVILEGES'),
        (MYSQL, (0,), 'SHOW PRIVILEGES'),
    ),
    # {account}: `user`@`host`; %s: the hash (masked in `queries`).
    'create_user': (
        (MARIADB, (0,), 'CREATE USER {account} IDENTIFIED VIA {plugin} USING %s'),
        (MYSQL, (0,), 'CREATE USER {account} IDENTIFIED WITH {plugin} AS %s'),
    ),
    'alter_user': (
        (MARIADB, (0,), 'ALTER USER {account} IDENTIFIED VIA {plugin} USING %s'),
        (MYSQL, (0,), 'ALTER USER {account} IDENTIFIED WITH {plugin} AS %s'),
    ),
    'grant': (
        (MARIADB, (0,), 'GRANT {privileges} ON {object} TO {account}{grant_option}'),
        (MYSQL, (0,), 'GRANT {privileges} ON {object} TO {account}{grant_option}'),
    ),
    'revoke': (
        (MARIADB, (0,), 'REVOKE {privileges} ON {object} FROM {account}'),
        (MYSQL, (0,), 'REVOKE {privileges} ON {object} FROM {account}'),
    ),
    # The session's changes stay out of the binary log (a self-managed replica's own GTID state).
    'skip_binlog': (
        (MARIADB, (0,), SKIP_BINLOG),
        (MYSQL, (0,), SKIP_BINLOG),
    ),
    # What ALL PRIVILEGES means on a database, a table, a routine.
    'all_database': (
        (MARIADB, (0,), _COMMON + ('CREATE TEMPORARY TABLES', 'LOCK TABLES', 'EXECUTE', 'CREATE ROUTINE',
                                   'ALTER ROUTINE', 'EVENT')),
        (MARIADB, (10, 3, 4), _COMMON + ('CREATE TEMPORARY TABLES', 'LOCK TABLES', 'EXECUTE', 'CREATE ROUTINE',
                                         'ALTER ROUTINE', 'EVENT', 'DELETE HISTORY')),
        (MYSQL, (0,), _COMMON + ('CREATE TEMPORARY TABLES', 'LOCK TABLES', 'EXECUTE', 'CREATE ROUTINE',
                                 'ALTER ROUTINE', 'EVENT')),
    ),
    'all_table': (
        (MARIADB, (0,), _COMMON),
        (MARIADB, (10, 3, 4), _COMMON + ('DELETE HISTORY',)),
        (MYSQL, (0,), _COMMON),
    ),
    'all_routine': (
        (MARIADB, (0,), ('EXECUTE', 'ALTER ROUTINE')),
        (MYSQL, (0,), ('EXECUTE', 'ALTER ROUTINE')),
    ),
}

# Accounts of the engine or of RDS, never copied (by user name; any host).
SYSTEM_USERS = frozenset(['root', 'mysql.sys', 'mysql.session', 'mysql.infoschema', 'mariadb.sys',
                          'rdsadmin', 'rdsrepladmin', 'rdsproxyadmin', 'rds_superuser_role'])
# Privileges of a replication account: one holding REPLICATION SLAVE and only these is not copied.
REPLICATION_PRIVILEGES = frozenset(['REPLICATION SLAVE', 'REPLICATION CLIENT', 'BINLOG MONITOR',
                                    'SLAVE MONITOR', 'REPLICA MONITOR', 'REPLICATION SLAVE ADMIN',
                                    'REPLICATION MASTER ADMIN', 'USAGE'])
_PLUGIN = re.compile(r'^[A-Za-z0-9_]+$')


class AccountDialect(object):
    """The account words of one server (``dialect``: a dialect.Dialect)."""

    def __init__(self, dialect):
        self.dialect = dialect
        self.flavor = MYSQL if dialect.is_mysql else MARIADB

    def lookup(self, kind):
        return resolve(ACCOUNT_STATEMENTS[kind], self.flavor, self.dialect.version)

    def account(self, user, host):
        return '%s@%s' % (quote_name(user), quote_name(host))

    def identified(self, kind, user, host, plugin):
        """The create_user/alter_user statement (one parameter: the hash; a '%' of the account name
        doubled for the parameter substitution); refuses a plugin name that is not a word."""
        if not _PLUGIN.match(plugin or ''):
            raise ValueError('authentication plugin %r is not a plugin name' % (plugin,))
        return self.lookup(kind).format(account=self.account(user, host).replace('%', '%%'), plugin=plugin)

    def require(self, user, host, require):
        """(sql, params) setting an account's TLS requirement (``require``: accounts_read's tuple)."""
        kind, cipher, issuer, subject = require
        params = []
        if kind == 'SPECIFIED':
            parts = []
            for word, value in (('ISSUER', issuer), ('SUBJECT', subject), ('CIPHER', cipher)):
                if value:
                    parts.append(word + ' %s')
                    params.append(value)
            clause = ' AND '.join(parts) or 'SSL'
        else:
            clause = kind
        account = self.account(user, host)
        return self.lookup('require').format(account=account.replace('%', '%%') if params else account,
                                             clause=clause), params

    def grant(self, privileges, obj, user, host, grant_option=False):
        return self.lookup('grant').format(privileges=privileges, object=obj, account=self.account(user, host),
                                           grant_option=' WITH GRANT OPTION' if grant_option else '')

    def revoke(self, privileges, obj, user, host):
        return self.lookup('revoke').format(privileges=privileges, object=obj, account=self.account(user, host))


def quote_name(name):
    """An identifier or account part in backticks (backticks doubled)."""
    return '`%s`' % str(name).replace('`', '``')
