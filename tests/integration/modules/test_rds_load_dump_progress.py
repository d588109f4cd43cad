"""rds_load_dump's progress, on the lab: a copy that runs longer than progress_interval prints
progress lines while it runs (the action plugin runs the module asynchronously and reads the
progress file it writes), returns the summary in its result, and leaves no progress file behind.

onprem_source holds a fresh schema `cprogress` (two tables, so that two data streams go from the
dump client straight to the load client); onprem_replica receives it through a slow loader (a
wrapper around the real client that feeds it one line every 10 ms), so that the copy lasts a few
seconds with progress_interval=1.
"""
import json
import os
import secrets
import subprocess

import pytest

from module_runner import ANSIBLE, admin_account, collection_root, slow_loader, sql

SOURCE, REPLICA = 'onprem_source', 'onprem_replica'
DB = 'cprogress'
ROWS = 300


@pytest.fixture()
def env(lab, tmp_path):
    loader = slow_loader(tmp_path / 'slow-mariadb', 0.01)
    passwords = dict(source='Src-' + secrets.token_hex(12), target='Dst-' + secrets.token_hex(12))
    source_root, replica_root = lab.connect(SOURCE, root=True), lab.connect(REPLICA, root=True)
    admin_account(source_root, 'cprog_src', passwords['source'])
    admin_account(replica_root, 'cprog_dst', passwords['target'])
    sql(source_root, 'DROP DATABASE IF EXISTS %s' % DB)
    sql(source_root, 'CREATE DATABASE %s' % DB)
    for name in ('a', 'b'):
        sql(source_root, 'CREATE TABLE %s.%s (id INT PRIMARY KEY, v VARCHAR(1000))' % (DB, name))
        sql(source_root, 'INSERT INTO %s.%s SELECT seq, REPEAT(MD5(seq), 20) FROM %s.seq_1_to_%d'
            % (DB, name, DB, ROWS))
    sql(source_root, 'ANALYZE TABLE %s.a, %s.b' % (DB, DB))
    sql(replica_root, 'SET SESSION sql_log_bin = 0')
    sql(replica_root, 'DROP DATABASE IF EXISTS %s' % DB)
    tls = str(lab.tls_dir / 'ca.pem')
    src, dst = lab.instances[SOURCE], lab.instances[REPLICA]
    yield dict(
        loader=loader, passwords=passwords, replica_root=replica_root, async_dir=tmp_path / 'async',
        args=dict(login_host=dst['host'], login_port=dst['port'], login_user='cprog_dst',
                  login_password=passwords['target'], ca_cert=tls, config_file='',
                  source_login=dict(login_host=src['host'], login_port=src['port'], login_user='cprog_src',
                                    login_password=passwords['source'], ca_cert=tls),
                  databases=[DB], read_coordinates=False, client_command=str(loader), parallel=2,
                  extra_dump_options=['--skip-extended-insert']))  # one row a line: the slow loader paces it
    for name, root, user in ((REPLICA, replica_root, 'cprog_dst'), (SOURCE, source_root, 'cprog_src')):
        sql(root, 'SET SESSION sql_log_bin = 0')
        sql(root, 'DROP DATABASE IF EXISTS %s' % DB)
        sql(root, "DROP USER IF EXISTS %s@'127.0.0.1'" % user)
        root.close()


def run(env, **extra):
    """`ansible localhost -m rds_load_dump` with its own async directory: (result, output)."""
    args = dict(env['args'], **extra)
    environ = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collection_root()), ANSIBLE_STDOUT_CALLBACK='json',
                   ANSIBLE_LOAD_CALLBACK_PLUGINS='1', ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_NOCOLOR='1',
                   ANSIBLE_ASYNC_DIR=str(env['async_dir']))
    proc = subprocess.run([str(ANSIBLE), 'localhost', '-m', 'mysql_rds.replication.rds_load_dump', '-a',
                           json.dumps(args)], capture_output=True, text=True, env=environ, timeout=600, check=False)
    lines = proc.stdout.splitlines()
    assert '{' in lines, proc.stdout + proc.stderr
    data = json.loads('\n'.join(lines[lines.index('{'):]))
    return data['plays'][0]['tasks'][0]['hosts']['localhost'], proc.stdout + proc.stderr


def rows(root):
    return sum(sql(root, 'SELECT COUNT(*) AS n FROM %s.%s' % (DB, name))[0]['n'] for name in ('a', 'b'))


def test_a_copy_longer_than_the_interval_prints_progress_and_returns_its_summary(env):
    # (a variable the server lacks: a warning, which must come back through the job file like the result)
    result, output = run(env, progress_interval=1, target_load_settings=dict(no_such_variable_xyz=1))
    assert not result.get('failed'), (result, output)
    assert rows(env['replica_root']) == 2 * ROWS
    assert any('no_such_variable_xyz' in warning for warning in result.get('warnings', [])), result
    lines = [line for line in output.splitlines() if line.startswith('rds_load_dump progress ')]
    assert lines, output
    assert all('copied' in line and '/s' in line for line in lines), lines
    progress = result['progress']
    assert progress['bytes'] > 0 and progress['rows'] > 0 and progress['seconds'] > 0 and progress['rate'] > 0
    names = [item['name'] for item in progress['streams']]
    assert 'data stream 1' in names and 'data stream 2' in names and all(item['done'] for item in progress['streams'])
    # the data streams went straight from the dump client to the loader
    assert sum(1 for query in result['queries'] if ' | dump_filter | ' not in query and '--no-create-info' in query) == 2
    assert result['changed'] is True and result['streams'] == 2
    # the job's files and the progress file are gone; no password anywhere
    assert not [name for name in os.listdir(str(env['async_dir'])) if name.endswith('.progress')]
    assert not [name for name in os.listdir(str(env['async_dir'])) if not name.startswith('.')], 'a job file was left'
    assert all(value not in output for value in env['passwords'].values())


def test_progress_interval_0_runs_the_module_in_one_go_and_prints_nothing(env):
    result, output = run(env, progress_interval=0)
    assert not result.get('failed'), (result, output)
    assert 'rds_load_dump progress' not in output
    assert result['progress']['bytes'] > 0 and rows(env['replica_root']) == 2 * ROWS
    assert not env['async_dir'].exists() or not os.listdir(str(env['async_dir']))
