"""rds_binlog_retention against the lab's emulated RDS source."""
import pytest

from module_runner import assert_no_secret, login, run_module, sql

INSTANCE = 'rds_source'


def retention(conn):
    rows = sql(conn, "SELECT value FROM mysql.rds_configuration WHERE name = 'binlog retention hours'")
    return rows[0]['value']


@pytest.fixture(scope='module')
def env(lab):
    root = lab.connect(INSTANCE, root=True)
    original = retention(root)
    sql(root, "UPDATE mysql.rds_configuration SET value = NULL WHERE name = 'binlog retention hours'")
    yield dict(args=login(lab, INSTANCE), root=root)
    sql(root, "UPDATE mysql.rds_configuration SET value = %s WHERE name = 'binlog retention hours'", [original])
    root.close()


def test_check_mode_changes_nothing(env):
    run = run_module('rds_binlog_retention', dict(env['args'], hours=24), check=True, diff=True)
    assert not run.failed, run
    assert run.changed is True and run.result['after'] == 24
    assert retention(env['root']) is None


def test_sets_and_is_idempotent(env):
    run = run_module('rds_binlog_retention', dict(env['args'], hours=24), diff=True, verbose=True)
    assert not run.failed, run
    assert (run.changed, run.result['before'], run.result['after'], run.result['engine_limit']) == (True, None, 24, 168)
    assert retention(env['root']) == '24'
    assert_no_secret(run, env['args']['login_password'])
    assert run_module('rds_binlog_retention', dict(env['args'], hours=24)).changed is False


@pytest.mark.parametrize('hours', [0, 169])
def test_out_of_range_is_refused_and_nothing_changes(env, hours):
    run = run_module('rds_binlog_retention', dict(env['args'], hours=hours))
    assert run.failed
    assert 'between 1 and 168' in run.result['msg']
    assert retention(env['root']) == '24'


def test_back_to_the_rds_default(env):
    run = run_module('rds_binlog_retention', env['args'])
    assert not run.failed, run
    assert run.changed is True and run.result['after'] is None
    assert retention(env['root']) is None


def test_not_an_rds_instance(lab):
    run = run_module('rds_binlog_retention', dict(login(lab, 'onprem_source'), hours=24))
    assert run.failed
    assert 'master user' in run.result['msg']
