# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

import yaml

from ansible_collections.mysql_rds.replication.plugins.modules import accounts_copy as ac
from ansible_collections.mysql_rds.replication.tests.unit.plugins.fake_cursor import FakeCursor
from ansible_collections.mysql_rds.replication.tests.unit.plugins import module_harness as harness
from ansible_collections.mysql_rds.replication.tests.unit.plugins.module_harness import FakeConnection
from ansible_collections.mysql_rds.replication.tests.unit.plugins.modules import docs_spec

APP_HASH, OPS_HASH, ADMIN_HASH = '*APPHASH', '*OPSHASH', '*ADMINHASH'
VERSION = ('SELECT VERSION()', [{'version': '10.11.9-MariaDB-log', 'comment': 'MariaDB Server'}])


def priv(hash_, plugin='mysql_native_password'):
    return json.dumps(dict(plugin=plugin, authentication_string=hash_))


def grants_of(table):
    def answer(sql, params):
        return [{'Grants': line} for line in table.get('%s@%s' % tuple(params), [])]
    return answer


def source_cursor():
    grants = {
        'app@%': ['GRANT USAGE ON *.* TO `app`@`%`', 'GRANT SELECT, INSERT ON `shop`.* TO `app`@`%`'],
        'ops@%': ['GRANT SELECT, SUPER ON *.* TO `ops`@`%`'],
        'repl@%': ['GRANT REPLICATION SLAVE ON *.* TO `repl`@`%`'],
    }
    return FakeCursor([
        VERSION,
        ('SHOW GRANTS FOR %s', grants_of(grants)),
        ('CURRENT_USER()', [{'account': 'dba@%'}]),
        ('mysql.global_priv', [
            dict(user='root', host='localhost', priv=priv('invalid')),
            dict(user='dba', host='%', priv=priv('*DBA')),
            dict(user='app', host='%', priv=priv(APP_HASH)),
            dict(user='ops', host='%', priv=priv(OPS_HASH)),
            dict(user='repl', host='%', priv=priv('*REPL')),
            dict(user='svc', host='%', priv=priv('ed-hash', 'ed25519')),
        ]),
    ])


def target_cursor(app_hash=APP_HASH):
    grants = {'app@%': ['GRANT USAGE ON *.* TO `app`@`%`', 'GRANT SELECT ON `shop`.* TO `app`@`%`']}
    return FakeCursor([
        VERSION,
        ('SHOW GRANTS FOR CURRENT_USER()', [{'Grants': 'GRANT SELECT, INSERT, PROCESS, CREATE USER ON *.* TO '
                                                       '`admin`@`%` WITH GRANT OPTION'}]),
        ('SHOW GRANTS FOR %s', grants_of(grants)),
        ('CURRENT_USER()', [{'account': 'admin@%'}]),
        ('information_schema.PLUGINS', [{'name': 'mysql_native_password'}]),
        ('SHOW PRIVILEGES', [{'Privilege': p} for p in ('Select', 'Insert', 'Super', 'Usage', 'Grant option')]),
        ('mysql.global_priv', [dict(user='admin', host='%', priv=priv(ADMIN_HASH)),
                               dict(user='app', host='%', priv=priv(app_hash))]),
    ])


def run_main(monkeypatch, source, target, **args):
    warnings = []

    def connect(module, options=None, **_kw):
        return FakeConnection(source if options else target)
    module_args = dict(login_user='admin', login_password='secret', config_file='',
                       source_login=dict(login_user='dba', login_password='secret2', config_file=''))
    module_args.update(args)
    result = harness.run_main(monkeypatch, ac, module_args, connect=connect, warnings=warnings)
    return dict(result, warnings=warnings)


def test_copies_what_the_master_user_may_grant(monkeypatch):
    target = target_cursor()
    result = run_main(monkeypatch, source_cursor(), target)
    assert not result.get('failed'), result
    assert result['changed'] is True
    assert (result['created'], result['updated'], result['unchanged']) == (['ops@%'], ['app@%'], [])
    assert result['queries'] == [
        'GRANT INSERT ON `shop`.* TO `app`@`%`',
        "CREATE USER `ops`@`%` IDENTIFIED VIA mysql_native_password USING '********'",
        'GRANT SELECT ON *.* TO `ops`@`%`',
    ]
    assert result['dropped_privileges'] == [dict(account='ops@%', privilege='SUPER', on='*.*')]
    assert result['refused'][0]['account'] == 'svc@%' and result['refused'][0]['plugin'] == 'ed25519'
    assert dict((e['account'], e['reason']) for e in result['excluded']) == {
        'root@localhost': 'system account', 'dba@%': 'the source login', 'repl@%': 'replication account'}
    assert any('ops@% copied without SUPER ON *.*' in w for w in result['warnings'])
    assert ('CREATE USER `ops`@`%%` IDENTIFIED VIA mysql_native_password USING %s', [OPS_HASH]) in target.executed
    text = json.dumps(result)
    assert OPS_HASH not in text and APP_HASH not in text and ADMIN_HASH not in text
    assert set(result) - {'changed', 'diff', 'warnings'} == set(yaml.safe_load(ac.RETURN))


def test_check_mode_plans_only(monkeypatch):
    target = target_cursor(app_hash='*OLD')
    result = run_main(monkeypatch, source_cursor(), target, include=['app', 'ops@%'], exclude=['ops'],
                      _ansible_check_mode=True, _ansible_diff=True)
    assert result['changed'] is True and result['updated'] == ['app@%']
    assert result['queries'] == ["ALTER USER `app`@`%` IDENTIFIED VIA mysql_native_password USING '********'",
                                 'GRANT INSERT ON `shop`.* TO `app`@`%`']
    assert not [sql for sql, _params in target.executed if sql.startswith(('ALTER', 'GRANT', 'CREATE'))]
    assert result['diff']['after']['app@%']['password_hash'] == '******** (changed)'
    assert '*OLD' not in json.dumps(result)


def test_source_login_is_required(monkeypatch):
    result = run_main(monkeypatch, source_cursor(), target_cursor(), source_login=None)
    assert result['failed'] is True and 'source_login is required' in result['msg']


def test_documentation_matches_the_argument_spec():
    docs_spec.check(ac, ac.argument_spec())
