"""accounts_copy: the lab's application account (and test accounts) from onprem_source to rds_target as the
emulated RDS master user (no SUPER, FILE, SHUTDOWN...). Every test removes the accounts it created; the
application account `app` is put back on rds_target as the lab provisions it."""
import json
import secrets
from pathlib import Path

import pymysql
import pytest

from module_runner import assert_no_secret, login, run_module, sql

SOURCE, TARGET = 'onprem_source', 'rds_target'
APP_PRIVILEGES = 'SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, INDEX, ALTER'  # rdslab.provision
APP_SCHEMA = 'loadgen'


def app_password(lab):
    return json.loads((Path(lab.facts['lab_dir']) / 'secrets.json').read_text())['app_password']


def provision_app(root, password):
    """`app` as the lab provisions it (unlogged)."""
    sql(root, 'SET SESSION sql_log_bin = 0')
    sql(root, "CREATE USER IF NOT EXISTS app@'%%' IDENTIFIED BY %s", [password])
    sql(root, "ALTER USER app@'%%' IDENTIFIED BY %s", [password])
    sql(root, "REVOKE ALL PRIVILEGES, GRANT OPTION FROM app@'%'")
    sql(root, "GRANT %s ON `%s`.* TO app@'%%'" % (APP_PRIVILEGES, APP_SCHEMA))
    sql(root, 'SET SESSION sql_log_bin = 1')


def drop_users(root, *accounts):
    sql(root, 'SET SESSION sql_log_bin = 0')
    for account in accounts:
        sql(root, 'DROP USER IF EXISTS %s' % account)
    sql(root, 'SET SESSION sql_log_bin = 1')


def create_user(root, account, password, via=''):
    """An unlogged account (``via``: ' VIA ed25519' for that plugin)."""
    sql(root, 'SET SESSION sql_log_bin = 0')
    if via:
        sql(root, 'CREATE USER %s IDENTIFIED%s USING PASSWORD(%%s)' % (account.replace('%', '%%'), via), [password])
    else:
        sql(root, 'CREATE USER %s IDENTIFIED BY %%s' % account.replace('%', '%%'), [password])
    sql(root, 'SET SESSION sql_log_bin = 1')


def grants(root, account):
    return [list(row.values())[0] for row in sql(root, 'SHOW GRANTS FOR %s' % account)]


def source_hash(root, user, host):
    return sql(root, "SELECT JSON_VALUE(Priv, '$.authentication_string') AS h FROM mysql.global_priv "
                     "WHERE User = %s AND Host = %s", [user, host])[0]['h']


@pytest.fixture(scope='module')
def env(lab):
    source, target = lab.connect(SOURCE, root=True), lab.connect(TARGET, root=True)
    if sql(target, 'SELECT @@global.read_only AS r')[0]['r']:
        lab.labctl('reset', TARGET)  # a direction-2 test left it a replica: start from a writable target
        target.close()
        target = lab.connect(TARGET, root=True)
    args = dict(login(lab, TARGET), source_login=login(lab, SOURCE))
    yield dict(lab=lab, source=source, target=target, args=args, password=app_password(lab))
    source.close()
    target.close()


def copy(env, include, check=False, **extra):
    run = run_module('accounts_copy', dict(env['args'], include=include, **extra), check=check, diff=True)
    assert not run.failed, run
    assert_no_secret(run, env['args']['login_password'], env['args']['source_login']['login_password'])
    return run


def write_as_app(lab, password):
    """Log in to rds_target as `app` and write a row (in loadgen, created and dropped when absent)."""
    info = lab.instances[TARGET]
    conn = pymysql.connect(host=info['host'], port=info['port'], user='app', password=password, autocommit=True,
                           connect_timeout=5, ssl={'ca': str(lab.tls_dir / 'ca.pem')})
    try:
        created = not sql(conn, 'SHOW DATABASES LIKE %s', [APP_SCHEMA])
        if created:
            sql(conn, 'CREATE DATABASE %s' % APP_SCHEMA)
        sql(conn, 'CREATE TABLE %s.accounts_probe (id INT PRIMARY KEY, v VARCHAR(10))' % APP_SCHEMA)
        try:
            sql(conn, "INSERT INTO %s.accounts_probe VALUES (1, 'written')" % APP_SCHEMA)
            return sql(conn, 'SELECT v FROM %s.accounts_probe' % APP_SCHEMA)[0]['v']
        finally:
            sql(conn, 'DROP TABLE %s.accounts_probe' % APP_SCHEMA)
            if created:
                sql(conn, 'DROP DATABASE %s' % APP_SCHEMA)
    finally:
        conn.close()


def test_the_application_account_is_copied_and_writes(env):
    target, lab = env['target'], env['lab']
    hashed = source_hash(env['source'], 'app', '%')
    drop_users(target, "app@'%'")
    try:
        run = copy(env, ['app@%'])
        assert run.changed is True and run.result['created'] == ['app@%'], run
        assert run.result['queries'][0] == ("CREATE USER `app`@`%` IDENTIFIED VIA mysql_native_password "
                                            "USING '********'")
        assert run.result['dropped_privileges'] == [] and run.result['refused'] == []
        assert run.result['diff']['after']['app@%']['password_hash'] == '********'
        assert_no_secret(run, hashed)
        assert write_as_app(lab, env['password']) == 'written'

        again = copy(env, ['app@%'])
        assert (again.changed, again.result['unchanged'], again.result['queries']) == (False, ['app@%'], [])

        # check mode plans only: a revoked privilege and a changed password stay as they are
        sql(target, "REVOKE DELETE ON `%s`.* FROM app@'%%'" % APP_SCHEMA)
        sql(target, "ALTER USER app@'%%' IDENTIFIED BY %s", ['Other-' + secrets.token_hex(6)])
        before = grants(target, "app@'%'")
        plan = copy(env, ['app@%'], check=True)
        assert plan.changed is True and plan.result['updated'] == ['app@%'], plan
        assert plan.result['queries'] == [
            "ALTER USER `app`@`%` IDENTIFIED VIA mysql_native_password USING '********'",
            'GRANT DELETE ON `loadgen`.* TO `app`@`%`']
        assert plan.result['diff']['after']['app@%']['password_hash'] == '******** (changed)'
        assert_no_secret(plan, hashed)
        assert grants(target, "app@'%'") == before
        with pytest.raises(pymysql.err.OperationalError):
            write_as_app(lab, env['password'])

        fixed = copy(env, ['app@%'])
        assert fixed.changed is True and fixed.result['updated'] == ['app@%']
        assert write_as_app(lab, env['password']) == 'written'
        assert copy(env, ['app@%']).changed is False
    finally:
        provision_app(target, env['password'])


def test_privileges_the_master_user_lacks_are_dropped_with_a_warning(env):
    source, target = env['source'], env['target']
    ops, repl = "acc_ops@'10.%'", "acc_repl@'%'"
    drop_users(source, ops, repl)
    drop_users(target, ops, repl)
    create_user(source, ops, secrets.token_hex(8))
    create_user(source, repl, secrets.token_hex(8))
    sql(source, 'SET SESSION sql_log_bin = 0')
    sql(source, 'GRANT SELECT, PROCESS, SUPER, FILE, SHUTDOWN ON *.* TO %s' % ops)
    sql(source, 'ALTER USER %s REQUIRE SSL' % ops)
    sql(source, 'GRANT ALL PRIVILEGES ON `acc\\_shop`.* TO %s WITH GRANT OPTION' % ops)
    sql(source, 'GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO %s' % repl)
    sql(source, 'SET SESSION sql_log_bin = 1')
    try:
        run = copy(env, ['acc_%@%'], exclude=['acc_ed'])
        assert run.result['created'] == ['acc_ops@10.%'], run
        dropped = sorted((d['account'], d['privilege'], d['on']) for d in run.result['dropped_privileges'])
        assert dropped == [('acc_ops@10.%', p, '*.*') for p in ('FILE', 'SHUTDOWN', 'SUPER')]
        warning = [w for w in run.result['warnings'] if w.startswith('acc_ops@10.%')]
        assert len(warning) == 1 and all(p in warning[0] for p in ('SUPER ON *.*', 'FILE ON *.*', 'SHUTDOWN ON *.*'))
        assert {'account': 'acc_repl@%', 'reason': 'replication account'} in run.result['excluded']
        copied = grants(target, ops)
        assert copied[0].startswith('GRANT SELECT, PROCESS ON *.* TO `acc_ops`@`10.%`'), copied
        assert 'GRANT ALL PRIVILEGES ON `acc\\_shop`.* TO `acc_ops`@`10.%` WITH GRANT OPTION' in copied
        assert not sql(target, "SELECT 1 FROM mysql.global_priv WHERE User = 'acc_repl'")
        assert 'REQUIRE SSL' in list(sql(target, 'SHOW CREATE USER %s' % ops)[0].values())[0]
        assert run.result['diff']['after']['acc_ops@10.%']['require'] == 'SSL'
        assert copy(env, ['acc_%@%']).changed is False
    finally:
        drop_users(source, ops, repl)
        drop_users(target, ops, repl)


def test_an_account_whose_plugin_the_target_lacks_is_refused(env):
    source, target = env['source'], env['target']
    # The lab's emulated RDS never loads ed25519: the case below depends on that.
    assert not sql(target, "SELECT 1 FROM information_schema.PLUGINS WHERE PLUGIN_NAME = 'ed25519'"), \
        'ed25519 is active on the target: this test needs a target without it'

    installed = not sql(source, "SELECT 1 FROM information_schema.PLUGINS WHERE PLUGIN_NAME = 'ed25519'")
    if installed:
        sql(source, "INSTALL SONAME 'auth_ed25519'")
    account = "acc_ed@'%'"
    try:
        create_user(source, account, secrets.token_hex(8), via=' VIA ed25519')
        run = copy(env, ['acc_ed'])
        assert run.changed is False and run.result['created'] == [], run
        assert [(r['account'], r['plugin']) for r in run.result['refused']] == [('acc_ed@%', 'ed25519')]
        assert 'not active on the target' in run.result['refused'][0]['reason']
        assert any(w.startswith('acc_ed@% not copied') for w in run.result['warnings'])
        assert not sql(target, "SELECT 1 FROM mysql.global_priv WHERE User = 'acc_ed'")
    finally:
        drop_users(source, account)
        if installed:
            sql(source, "UNINSTALL SONAME 'auth_ed25519'")


def test_system_accounts_and_the_logins_are_never_copied(env):
    target = env['target']
    accounts = sql(target, 'SELECT User, Host FROM mysql.global_priv ORDER BY User, Host')
    run = copy(env, ['%'], check=True)
    excluded = dict((e['account'], e['reason']) for e in run.result['excluded'])
    assert excluded['root@localhost'] == 'system account'
    assert excluded['mariadb.sys@localhost'] == 'system account'
    assert excluded['dba@%'] == 'the source login'
    assert 'root@localhost' not in run.result['created'] + run.result['updated']
    assert sql(target, 'SELECT User, Host FROM mysql.global_priv ORDER BY User, Host') == accounts
