# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plans of accounts_copy: create/alter/revoke/grant, hashes masked."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pymysql
import pytest

from ansible_collections.mysql_rds.replication.plugins.module_utils import accounts_plan as ap
from ansible_collections.mysql_rds.replication.plugins.module_utils.accounts_dialect import AccountDialect
from ansible_collections.mysql_rds.replication.plugins.module_utils.dialect import Dialect
from ansible_collections.mysql_rds.replication.plugins.module_utils.errors import SqlError
from ansible_collections.mysql_rds.replication.tests.unit.plugins.fake_cursor import FakeCursor

WORDS = AccountDialect(Dialect.from_server('10.11.9-MariaDB-log'))
HASH = '*459E3A720379A4821AAA96DD139457ADAAC8095E'


def account(hash_=HASH, plugin='mysql_native_password'):
    return dict(user='app', host='%', plugin=plugin, hash=hash_, methods=1, is_role=False)


def queries(plan):
    return ap.shown(plan['statements'], [HASH])


def test_render_privileges_groups_columns():
    assert ap.render_privileges({'SELECT (`a`)', 'SELECT (`b`)', 'INSERT', 'UPDATE (`b`)'}) == \
        'INSERT, SELECT (`a`, `b`), UPDATE (`b`)'
    assert ap.grant_lines({'`db`.*': {'GRANT OPTION'}, '*.*': {'SELECT'}}) == [
        'SELECT ON *.*', 'USAGE ON `db`.* WITH GRANT OPTION']


def test_a_new_account():
    desired = {'`shop`.*': {'SELECT', 'INSERT', 'GRANT OPTION'}, '`shop`.`t`': {'UPDATE (`a`)'}}
    plan = ap.plan_account(WORDS, account(), desired, None, {}, {})
    assert plan['action'] == 'create'
    assert queries(plan) == [
        "CREATE USER `app`@`%` IDENTIFIED VIA mysql_native_password USING '********'",
        'GRANT INSERT, SELECT ON `shop`.* TO `app`@`%` WITH GRANT OPTION',
        'GRANT UPDATE (`a`) ON `shop`.`t` TO `app`@`%`',
    ]
    assert plan['before'] is None
    assert plan['after'] == dict(plugin='mysql_native_password', password_hash='********', require='NONE',
                                 grants=['INSERT, SELECT ON `shop`.* WITH GRANT OPTION', 'UPDATE (`a`) ON `shop`.`t`'])
    assert HASH not in repr(plan['after'])


def test_the_same_account_is_left_alone():
    grants = {'`shop`.*': {'SELECT'}}
    plan = ap.plan_account(WORDS, account(), grants, account(), dict(grants), dict(grants))
    assert (plan['action'], plan['statements']) == ('none', [])


def test_hash_plugin_and_grants_are_brought_in_line():
    target_grants = {'`shop`.*': {'SELECT', 'DELETE', 'GRANT OPTION'}, '*.*': {'SUPER'}}
    controlled = {'`shop`.*': {'SELECT', 'DELETE', 'GRANT OPTION'}}
    plan = ap.plan_account(WORDS, account(), {'`shop`.*': {'SELECT', 'INSERT'}}, account('*OLD'), target_grants,
                           controlled)
    assert plan['action'] == 'update'
    assert queries(plan) == [
        "ALTER USER `app`@`%` IDENTIFIED VIA mysql_native_password USING '********'",
        'REVOKE GRANT OPTION ON `shop`.* FROM `app`@`%`',
        'REVOKE DELETE ON `shop`.* FROM `app`@`%`',
        'GRANT INSERT ON `shop`.* TO `app`@`%`',
    ]
    assert plan['before']['password_hash'] == '********'
    assert plan['after']['password_hash'] == '******** (changed)'
    assert plan['after']['grants'] == ['SUPER ON *.*', 'INSERT, SELECT ON `shop`.*']


def test_the_tls_requirement_follows_the_source():
    source = dict(account(), require=('SPECIFIED', '', "/CN=o'ca", '/CN=app'))
    plan = ap.plan_account(WORDS, source, {}, None, {}, {})
    assert queries(plan)[1] == "ALTER USER `app`@`%` REQUIRE ISSUER '/CN=o\\'ca' AND SUBJECT '/CN=app'"
    assert plan['statements'][1] == ('ALTER USER `app`@`%%` REQUIRE ISSUER %s AND SUBJECT %s', ["/CN=o'ca", '/CN=app'])
    assert plan['after']['require'] == "ISSUER /CN=o'ca AND SUBJECT /CN=app"
    ssl = dict(account(), require=('SSL', '', '', ''))
    assert queries(ap.plan_account(WORDS, account(), {}, ssl, {}, {})) == ['ALTER USER `app`@`%` REQUIRE NONE']
    assert queries(ap.plan_account(WORDS, ssl, {}, account(), {}, {})) == ['ALTER USER `app`@`%` REQUIRE SSL']
    assert ap.plan_account(WORDS, ssl, {}, dict(ssl), {}, {})['statements'] == []


def test_revoke_extra_false_only_adds():
    plan = ap.plan_account(WORDS, account(), {'`shop`.*': {'INSERT'}}, account(), {'`shop`.*': {'DELETE'}},
                           {'`shop`.*': {'DELETE'}}, revoke_extra=False)
    assert queries(plan) == ['GRANT INSERT ON `shop`.* TO `app`@`%`']


def test_another_plugin_is_an_alter():
    plan = ap.plan_account(WORDS, account('x', plugin='ed25519'), {}, account('x'), {}, {})
    assert ap.shown(plan['statements'], ['x']) == [
        "ALTER USER `app`@`%` IDENTIFIED VIA ed25519 USING '********'"]


def test_apply_runs_and_keeps_grants_on_missing_objects_apart():
    missing_table = pymysql.err.ProgrammingError(1146, "Table 'shop.t' doesn't exist")
    cursor = FakeCursor([('`shop`.`t`', missing_table)])
    plan = ap.plan_account(WORDS, account(), {'`shop`.*': {'SELECT'}, '`shop`.`t`': {'UPDATE'}}, None, {}, {})
    done = []
    missing = ap.apply_plan(cursor, plan, [HASH], done)
    assert done == ["CREATE USER `app`@`%` IDENTIFIED VIA mysql_native_password USING '********'",
                    'GRANT SELECT ON `shop`.* TO `app`@`%`']
    assert [query for query, _error in missing] == ['GRANT UPDATE ON `shop`.`t` TO `app`@`%`']
    assert "Table 'shop.t' doesn't exist" in missing[0][1]
    assert cursor.executed[0] == ('CREATE USER `app`@`%%` IDENTIFIED VIA mysql_native_password USING %s', [HASH])


def test_apply_stops_on_other_errors():
    cursor = FakeCursor([('GRANT', pymysql.err.OperationalError(1044, 'Access denied'))])
    plan = ap.plan_account(WORDS, account(), {'`shop`.*': {'SELECT'}}, None, {}, {})
    with pytest.raises(SqlError):
        ap.apply_plan(cursor, plan, [HASH], [])
