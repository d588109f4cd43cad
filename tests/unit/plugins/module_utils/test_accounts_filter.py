# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which accounts are copied and which privileges the RDS master user may grant."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.mysql_rds.replication.plugins.module_utils import accounts_filter as af
from ansible_collections.mysql_rds.replication.plugins.module_utils.accounts_dialect import AccountDialect
from ansible_collections.mysql_rds.replication.plugins.module_utils.accounts_read import parse_grants
from ansible_collections.mysql_rds.replication.plugins.module_utils.dialect import Dialect

WORDS = AccountDialect(Dialect.from_server('10.11.9-MariaDB-log'))
# The lab's emulation of the RDS for MariaDB master user.
RDS_ADMIN = dict(
    account='admin@%',
    grants=parse_grants([
        'GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, PROCESS, REFERENCES, INDEX, ALTER, SHOW DATABASES, '
        'CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, REPLICATION SLAVE, BINLOG MONITOR, CREATE VIEW, SHOW VIEW, '
        'CREATE ROUTINE, ALTER ROUTINE, CREATE USER, EVENT, TRIGGER, DELETE HISTORY ON *.* TO `admin`@`%` '
        "IDENTIFIED BY PASSWORD '*BF90' WITH GRANT OPTION",
        'GRANT EXECUTE ON PROCEDURE `mysql`.`rds_kill` TO `admin`@`%`',
    ])[0],
    roles=[], plugins={'mysql_native_password'},
    privileges=['ALTER', 'SELECT', 'SUPER', 'FILE', 'PROCESS', 'USAGE', 'GRANT OPTION', 'PROXY', 'READ_ONLY ADMIN'])


def account(user, host, **extra):
    return dict(dict(user=user, host=host, plugin='mysql_native_password', hash='*1', methods=1, is_role=False), **extra)


ACCOUNTS = dict((name, account(*name.split('@'))) for name in
                ['app@%', 'app@10.0.0.1', 'App@%', 'app_ro@%', 'appXro@%', 'report@10.%', 'root@localhost'])


@pytest.mark.parametrize('include, exclude, expected', [
    (['%'], [], sorted(ACCOUNTS)),
    (['app'], [], ['app@%', 'app@10.0.0.1']),
    (['app@%'], [], ['app@%', 'app@10.0.0.1']),
    (['app@10.%'], [], ['app@10.0.0.1']),
    (['app_ro'], [], ['app_ro@%']),               # '_' is a plain character
    (['app%'], ['app@10.0.0.1', 'appX%'], ['app@%', 'app_ro@%']),
    (['%@10.%'], [], ['app@10.0.0.1', 'report@10.%']),
    (['%@LOCALHOST'], [], ['root@localhost']),  # hosts without case
])
def test_patterns(include, exclude, expected):
    assert af.selected(ACCOUNTS, include, exclude) == expected


def test_why_skipped():
    assert af.why_skipped(account('root', 'localhost'), 'admin@%') == 'system account'
    assert af.why_skipped(account('rdsadmin', 'localhost'), 'admin@%') == 'system account'
    assert af.why_skipped(account('mariadb.sys', 'localhost'), 'admin@%') == 'system account'
    assert af.why_skipped(account('admin', '%'), 'admin@%') == "the target's own login"
    assert af.why_skipped(account('', 'localhost'), 'admin@%') == 'anonymous account'
    assert af.why_skipped(account('reader', '', is_role=True), 'admin@%') == 'a role, not an account'
    assert af.why_skipped(account('app', '%'), 'admin@%') is None


def test_replication_accounts():
    assert af.is_replication_account({'*.*': {'REPLICATION SLAVE'}}, [])
    assert af.is_replication_account({'*.*': {'REPLICATION SLAVE', 'BINLOG MONITOR', 'SLAVE MONITOR'}}, [])
    assert not af.is_replication_account({'*.*': {'REPLICATION SLAVE', 'SELECT'}}, [])
    assert not af.is_replication_account({'*.*': {'REPLICATION SLAVE'}, '`db`.*': {'SELECT'}}, [])
    assert not af.is_replication_account({'*.*': {'BINLOG MONITOR'}}, [])
    assert not af.is_replication_account({'*.*': {'REPLICATION SLAVE'}}, ['`r`'])


@pytest.mark.parametrize('outer, inner, expected', [
    ('*.*', '`db`.`t`', True),
    ('*.*', 'PROCEDURE `db`.`p`', True),
    ('`db`.*', '`db`.`t`', True),
    ('`db`.*', 'FUNCTION `db`.`f`', True),
    ('`db`.*', '`dbx`.*', False),
    ('`db\\_%`.*', '`db_1`.`t`', True),
    ('`db\\_%`.*', '`dbx1`.`t`', False),
    ('`db`.`t`', '`db`.`t`', True),
    ('`db`.`t`', '`db`.`u`', False),
    ('PROCEDURE `mysql`.`rds_kill`', 'PROCEDURE `mysql`.`rds_kill`', True),
    ('*.*', "''@'%'", False),
])
def test_covers(outer, inner, expected):
    assert af.covers(outer, inner) is expected


def test_privileges_the_master_user_lacks_are_dropped():
    grants, _roles = parse_grants([
        "GRANT SELECT, PROCESS, FILE, SUPER, SHUTDOWN ON *.* TO `ops`@`%` IDENTIFIED BY PASSWORD '*1'",
        'GRANT ALL PRIVILEGES ON `shop`.* TO `ops`@`%` WITH GRANT OPTION',
        'GRANT SELECT (`a`) ON `shop`.`t` TO `ops`@`%`',
        'GRANT EXECUTE ON PROCEDURE `mysql`.`rds_kill` TO `ops`@`%`',
        "GRANT PROXY ON ''@'%' TO `ops`@`%`",
    ])
    kept, dropped = af.filter_grants(grants, RDS_ADMIN, WORDS)
    assert kept == {'*.*': {'SELECT', 'PROCESS'}, '`shop`.*': {'ALL PRIVILEGES', 'GRANT OPTION'},
                    '`shop`.`t`': {'SELECT (`a`)'}, 'PROCEDURE `mysql`.`rds_kill`': {'EXECUTE'}}
    assert dropped == [("''@'%'", 'PROXY'), ('*.*', 'FILE'), ('*.*', 'SHUTDOWN'), ('*.*', 'SUPER')]


def test_all_privileges_on_everything_becomes_what_the_login_may_grant():
    kept, dropped = af.filter_grants({'*.*': {'ALL PRIVILEGES'}}, RDS_ADMIN, WORDS)
    assert kept == {'*.*': {'ALTER', 'SELECT', 'PROCESS'}}
    assert dropped == [('*.*', 'SUPER'), ('*.*', 'FILE'), ('*.*', 'READ_ONLY ADMIN')]


def test_all_privileges_on_a_database_the_login_may_not_grant_whole():
    login = dict(RDS_ADMIN, grants={'*.*': {'SELECT', 'INSERT', 'GRANT OPTION'}})
    kept, dropped = af.filter_grants({'`db`.*': {'ALL PRIVILEGES'}}, login, WORDS)
    assert kept == {'`db`.*': {'SELECT', 'INSERT'}}
    assert ('`db`.*', 'DELETE HISTORY') in dropped and ('`db`.*', 'SELECT') not in dropped


def test_nothing_without_grant_option():
    login = dict(RDS_ADMIN, grants={'*.*': {'SELECT'}})
    assert af.filter_grants({'`db`.*': {'SELECT'}}, login, WORDS) == ({}, [('`db`.*', 'SELECT')])


def test_controllable_leaves_what_the_login_may_not_revoke():
    target = {'*.*': {'SELECT', 'SUPER'}, '`db`.*': {'ALL PRIVILEGES'}}
    assert af.controllable(target, RDS_ADMIN, WORDS) == {'*.*': {'SELECT'}, '`db`.*': {'ALL PRIVILEGES'}}
