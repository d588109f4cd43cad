# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading accounts and SHOW GRANTS lines as data."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.mysql_rds.replication.plugins.module_utils import accounts_read as ar
from ansible_collections.mysql_rds.replication.plugins.module_utils.accounts_dialect import AccountDialect
from ansible_collections.mysql_rds.replication.plugins.module_utils.dialect import Dialect
from ansible_collections.mysql_rds.replication.tests.unit.plugins.fake_cursor import FakeCursor

MARIADB = AccountDialect(Dialect.from_server('10.11.9-MariaDB-log'))


def test_masking_keeps_positions_and_hides_quoted_text():
    line = "GRANT SELECT (`a, b`) ON `x ON y`.* TO `u`@`%` IDENTIFIED BY PASSWORD ' TO '"
    masked = ar.mask_quoted(line)
    assert len(masked) == len(line)
    assert ' ON ' not in masked[masked.index('ON') + 3:] and masked.count(' TO ') == 1


@pytest.mark.parametrize('text, expected', [
    ('select', ['SELECT']),
    ('ALL', ['ALL PRIVILEGES']),
    ('all privileges', ['ALL PRIVILEGES']),
    ('SELECT (`a`, `b`)', ['SELECT (`a`)', 'SELECT (`b`)']),
    ('UPDATE (`we,ird`)', ['UPDATE (`we,ird`)']),
    ('replication  slave', ['REPLICATION SLAVE']),
])
def test_normalize_privilege(text, expected):
    assert ar.normalize_privilege(text) == expected
    assert ar.privilege_name(expected[0]) == expected[0].split(' (')[0]


def test_parse_grants_of_mariadb():
    grants, roles = ar.parse_grants([
        "GRANT SELECT, PROCESS, SUPER ON *.* TO `ops`@`10.%` IDENTIFIED BY PASSWORD '*ABC'",
        "GRANT ALL PRIVILEGES ON `shop`.* TO `ops`@`10.%` WITH GRANT OPTION",
        "GRANT SELECT (`a`, `b`), UPDATE (`b`) ON `shop`.`t` TO `ops`@`10.%`",
        "GRANT EXECUTE ON PROCEDURE `shop`.`p` TO `ops`@`10.%`",
        "GRANT INSERT ON TABLE `shop`.`u` TO `ops`@`10.%`",
        "GRANT `reader` TO `ops`@`10.%`",
        "SET DEFAULT ROLE `reader` FOR `ops`@`10.%`",
        "GRANT PROXY ON ''@'%' TO `ops`@`10.%`",
    ])
    assert grants == {
        '*.*': {'SELECT', 'PROCESS', 'SUPER'},
        '`shop`.*': {'ALL PRIVILEGES', 'GRANT OPTION'},
        '`shop`.`t`': {'SELECT (`a`)', 'SELECT (`b`)', 'UPDATE (`b`)'},
        'PROCEDURE `shop`.`p`': {'EXECUTE'},
        '`shop`.`u`': {'INSERT'},
        "''@'%'": {'PROXY'},
    }
    assert roles == ['`reader`']


def test_usage_alone_and_grant_option_alone():
    grants, _roles = ar.parse_grants([
        "GRANT USAGE ON *.* TO `app`@`%` IDENTIFIED BY PASSWORD '*WITH GRANT OPTION'",
        "GRANT USAGE ON `db`.* TO `app`@`%` WITH GRANT OPTION",
    ])
    assert grants == {'`db`.*': {'GRANT OPTION'}}


def test_account_rows_of_both_tables():
    priv = ('{"access":0,"plugin":"mysql_native_password","authentication_string":"*459E",'
            '"auth_or":[{},{"plugin":"unix_socket"}]}')
    assert ar.account_row(dict(user='root', host='localhost', priv=priv)) == dict(
        user='root', host='localhost', plugin='mysql_native_password', hash='*459E', methods=2, is_role=False,
        require=('NONE', '', '', ''))
    assert ar.account_row(dict(user='r', host='', priv='{"is_role":true}'))['is_role'] is True
    assert ar.account_row(dict(user=b'app', host='%', plugin='caching_sha2_password', hash='$A$005$x', is_role=0,
                               ssl_type='ANY', ssl_cipher=b'', x509_issuer=b'', x509_subject=b'')) == dict(
        user='app', host='%', plugin='caching_sha2_password', hash='$A$005$x', methods=1, is_role=False,
        require=('SSL', '', '', ''))


@pytest.mark.parametrize('row, expected', [
    (dict(priv='{"ssl_type":1,"ssl_cipher":"","x509_issuer":"","x509_subject":""}'), ('SSL', '', '', '')),
    (dict(priv='{"ssl_type":2}'), ('X509', '', '', '')),
    (dict(priv='{"ssl_type":3,"ssl_cipher":"","x509_issuer":"/CN=ca","x509_subject":"/CN=app"}'),
     ('SPECIFIED', '', '/CN=ca', '/CN=app')),
    (dict(ssl_type='SPECIFIED', ssl_cipher=b'AES256-SHA', x509_issuer=b'', x509_subject=b''),
     ('SPECIFIED', 'AES256-SHA', '', '')),
    (dict(ssl_type='X509', ssl_cipher=b'ignored'), ('X509', '', '', '')),
    (dict(ssl_type=''), ('NONE', '', '', '')),
])
def test_tls_requirement(row, expected):
    assert ar.account_row(dict(row, user='u', host='%'))['require'] == expected


def test_read_login():
    cursor = FakeCursor([
        ('SHOW GRANTS', [{'Grants for admin@%': 'GRANT SELECT, CREATE USER ON *.* TO `admin`@`%` WITH GRANT OPTION'}]),
        ('CURRENT_USER()', [{'account': 'admin@%'}]),
        ('information_schema.PLUGINS', [{'name': 'mysql_native_password'}, {'name': 'unix_socket'}]),
        ('SHOW PRIVILEGES', [{'Privilege': 'Select'}, {'Privilege': 'Read_only admin'}, {'Privilege': 'Grant option'}]),
    ])
    login = ar.read_login(cursor, MARIADB)
    assert login == dict(account='admin@%', grants={'*.*': {'SELECT', 'CREATE USER', 'GRANT OPTION'}}, roles=[],
                         plugins={'mysql_native_password', 'unix_socket'},
                         privileges=['SELECT', 'READ_ONLY ADMIN', 'GRANT OPTION'])


def test_read_accounts_and_grants():
    cursor = FakeCursor([
        ('mysql.global_priv', [{'user': 'app', 'host': '%', 'priv': '{"authentication_string":"*1"}'}]),
        ('SHOW GRANTS FOR', [{'Grants for app@%': 'GRANT SELECT ON `db`.* TO `app`@`%`'}]),
    ])
    assert ar.read_accounts(cursor, MARIADB)['app@%']['hash'] == '*1'
    assert ar.read_grants(cursor, MARIADB, 'app', '%') == ({'`db`.*': {'SELECT'}}, [])
    assert cursor.executed[-1] == ('SHOW GRANTS FOR %s@%s', ['app', '%'])
