# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The account statements per engine."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.mysql_rds.replication.plugins.module_utils.accounts_dialect import AccountDialect
from ansible_collections.mysql_rds.replication.plugins.module_utils.dialect import Dialect


def words(version, comment=''):
    return AccountDialect(Dialect.from_server(version, comment))


def test_where_accounts_live():
    assert 'mysql.global_priv' in words('10.11.9-MariaDB').lookup('list_accounts')
    assert 'mysql.global_priv' in words('10.4.0-MariaDB').lookup('list_accounts')
    assert 'mysql.user' in words('10.3.39-MariaDB').lookup('list_accounts')
    assert 'mysql.user' in words('8.0.36').lookup('list_accounts')
    assert 'mysql.user' in words('8.0.mysql_aurora.3.05.2').lookup('list_accounts')


def test_identified_clause_per_engine():
    assert (words('10.11.9-MariaDB').identified('create_user', 'app', '10.%', 'ed25519')
            == 'CREATE USER `app`@`10.%%` IDENTIFIED VIA ed25519 USING %s')
    assert (words('8.0.36').identified('alter_user', 'a`b', '%', 'caching_sha2_password')
            == 'ALTER USER `a``b`@`%%` IDENTIFIED WITH caching_sha2_password AS %s')
    with pytest.raises(ValueError):
        words('8.0.36').identified('create_user', 'app', '%', "x' OR '1")


def test_grant_and_revoke():
    mariadb = words('10.11.9-MariaDB')
    assert (mariadb.grant('SELECT', '`db`.*', 'app', '%', grant_option=True)
            == 'GRANT SELECT ON `db`.* TO `app`@`%` WITH GRANT OPTION')
    assert mariadb.revoke('GRANT OPTION', '*.*', 'app', '%') == 'REVOKE GRANT OPTION ON *.* FROM `app`@`%`'


def test_all_privileges_of_a_database():
    assert 'DELETE HISTORY' in words('10.11.9-MariaDB').lookup('all_database')
    assert 'DELETE HISTORY' not in words('10.3.0-MariaDB').lookup('all_database')
    assert 'DELETE HISTORY' not in words('8.0.36').lookup('all_table')
    assert words('8.0.36').lookup('all_routine') == ('EXECUTE', 'ALTER ROUTINE')
