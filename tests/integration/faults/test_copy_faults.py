"""rds_load_dump interrupted and failing, on the lab (small data, each case well under a minute):

- kill -9 of the module mid-copy: no file holding a password is left under /tmp (the clients get
  their logins on inherited pipes), the load settings it changed stay recorded on the target, and
  the next run puts them back (with a warning) and converges;
- SIGTERM of the module mid-copy: it puts the settings back itself and fails with changed=true;
- a second copy while one runs: refused before it changes anything (the copy lock);
- kill -9 of a parallel copy while its rows load (before the key step adds the secondary keys):
  the re-run copies again and every table has its keys;
- a failing INSERT of a big row: changed=true, and the message holds the statement's head and the
  error, never the row.

onprem_source holds a fresh schema `cpfault`; onprem_replica and rds_target receive it. Fresh
accounts with random passwords on both ends, so that finding a password anywhere means a leak.
A slow loader (a wrapper around the real client that feeds it line by line) keeps the copy running
long enough to interrupt it.
"""
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from leftovers import alive, cmdline, descendants, files_holding

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / 'modules'))
from module_runner import ANSIBLE, admin_account, collection_root, run_module, slow_loader, sql  # noqa: E402  pylint: disable=wrong-import-position

SOURCE, REPLICA, TARGET = 'onprem_source', 'onprem_replica', 'rds_target'
DB = 'cpfault'
MARK = 'cpfault-%s' % secrets.token_hex(8)  # in the environment of every process a test starts
ROWS = 400
RECORD_TABLE = 'mysql_rds_replication_load_settings'


@pytest.fixture(scope='module')
def env(lab, tmp_path_factory):
    tmp = tmp_path_factory.mktemp('copy_faults')
    loader = slow_loader(tmp / 'slow-mariadb', 0.02)
    passwords = dict(source='Src-' + secrets.token_hex(12), target='Dst-' + secrets.token_hex(12))
    source_root, replica_root = lab.connect(SOURCE, root=True), lab.connect(REPLICA, root=True)
    admin_account(source_root, 'cpfault_src', passwords['source'])
    admin_account(replica_root, 'cpfault_dst', passwords['target'])
    sql(source_root, 'DROP DATABASE IF EXISTS %s' % DB)
    sql(source_root, 'CREATE DATABASE %s' % DB)
    sql(source_root, 'CREATE TABLE %s.t (id INT PRIMARY KEY, v VARCHAR(1000))' % DB)
    sql(source_root, 'INSERT INTO %s.t SELECT seq, REPEAT(MD5(seq), 30) FROM %s.seq_1_to_%d' % (DB, DB, ROWS))
    for name in (REPLICA, TARGET):
        root = lab.connect(name, root=True)
        sql(root, 'SET SESSION sql_log_bin = 0')
        sql(root, 'DROP DATABASE IF EXISTS %s' % DB)
        root.close()
    tls = str(lab.tls_dir / 'ca.pem')
    src_info, dst_info = lab.instances[SOURCE], lab.instances[REPLICA]
    yield dict(
        loader=str(loader), passwords=passwords, replica_root=replica_root, source_root=source_root,
        source_login=dict(login_host=src_info['host'], login_port=src_info['port'], login_user='cpfault_src',
                          login_password=passwords['source'], ca_cert=tls),
        replica_login=dict(login_host=dst_info['host'], login_port=dst_info['port'], login_user='cpfault_dst',
                           login_password=passwords['target'], ca_cert=tls, config_file=''))
    for name, root, user in ((REPLICA, replica_root, 'cpfault_dst'), (SOURCE, source_root, 'cpfault_src')):
        sql(root, 'SET SESSION sql_log_bin = 0')
        sql(root, 'DROP DATABASE IF EXISTS %s' % DB)
        sql(root, "DROP USER IF EXISTS %s@'127.0.0.1'" % user)
        if name == REPLICA:
            sql(root, 'SET GLOBAL innodb_flush_log_at_trx_commit = 1')
            sql(root, 'DROP TABLE IF EXISTS mysql.%s' % RECORD_TABLE)
        root.close()
    root = lab.connect(TARGET, root=True)
    sql(root, 'SET SESSION sql_log_bin = 0')
    sql(root, 'DROP DATABASE IF EXISTS %s' % DB)
    root.close()


def flush_setting(root):
    return int(sql(root, 'SELECT @@GLOBAL.innodb_flush_log_at_trx_commit AS v')[0]['v'])


def record_exists(root):
    return bool(sql(root, "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'mysql' AND TABLE_NAME = %s",
                    [RECORD_TABLE]))


def rows_loaded(root):
    try:
        return sql(root, 'SELECT COUNT(*) AS n FROM %s.t' % DB)[0]['n']
    except Exception:  # pylint: disable=broad-except
        return -1


def gone(pids, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if not any(alive(pid) for pid in pids):
            return True
        time.sleep(0.2)
    return False


def start_module(args):
    """`ansible localhost -m rds_load_dump` in the background (its own process group)."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collection_root()), ANSIBLE_STDOUT_CALLBACK='json',
               ANSIBLE_LOAD_CALLBACK_PLUGINS='1', ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_NOCOLOR='1',
               RDS_LOAD_DUMP_FAULT_TEST=MARK)
    return subprocess.Popen([str(ANSIBLE), 'localhost', '-m', 'mysql_rds.replication.rds_load_dump', '-a',
                             json.dumps(args)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                            start_new_session=True)


def ours(proc):
    """Descendants of ``proc`` and the processes started by it that left its tree (the action plugin runs
    the module asynchronously: async_wrapper detaches it), found by the marker in their environment."""
    found = set(descendants(proc.pid))
    for entry in Path('/proc').iterdir():
        if entry.name.isdigit():
            try:
                if MARK.encode() in (entry / 'environ').read_bytes():
                    found.add(int(entry.name))
            except OSError:
                pass
    return sorted(found)


def module_pid(proc, root, timeout=60):
    """The module's process once the load is under way (some rows on the target)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        pids = [pid for pid in ours(proc) if 'AnsiballZ_rds_load_dump' in ' '.join(cmdline(pid).split(' ')[1:2])
                and 'python' in cmdline(pid).split(' ')[0]]
        if pids and rows_loaded(root) > 20:
            return pids[-1]
        assert proc.poll() is None, proc.stdout.read().decode()
        time.sleep(0.1)
    raise AssertionError('the copy did not start in %ss' % timeout)


def result_of(proc, timeout=120):
    output = proc.communicate(timeout=timeout)[0].decode('utf-8', 'replace')
    lines = output.splitlines()
    data = json.loads('\n'.join(lines[lines.index('{'):]))
    return data['plays'][0]['tasks'][0]['hosts']['localhost'], output


def copy_args(env, **extra):
    args = dict(env['replica_login'], source_login=env['source_login'], databases=[DB], read_coordinates=False,
                client_command=env['loader'], target_load_settings=dict(innodb_flush_log_at_trx_commit=2),
                extra_dump_options=['--skip-extended-insert', '--skip-add-locks'])  # rows arrive one by one
    args.update(extra)
    return args


def test_kill_9_leaves_no_password_and_the_next_run_puts_the_settings_back(env):
    root = env['replica_root']
    sql(root, 'SET GLOBAL innodb_flush_log_at_trx_commit = 1')
    since = time.time() - 1
    proc = start_module(copy_args(env))
    pid = module_pid(proc, root)
    assert flush_setting(root) == 2 and record_exists(root)
    clients = descendants(pid)
    assert clients
    os.kill(pid, signal.SIGKILL)
    result, output = result_of(proc)
    assert result.get('failed'), result
    assert gone(clients)  # the clients end once their pipes close
    assert files_holding(list(env['passwords'].values()), since) == []
    assert not [name for name in os.listdir('/tmp') if name.startswith('rds_load_dump.')]
    assert all(value not in output for value in env['passwords'].values())
    # what a kill leaves: the setting and its record
    assert flush_setting(root) == 2 and record_exists(root)
    assert 0 < rows_loaded(root) < ROWS

    # any next run puts it back first: check mode says it would, the real run does it and converges
    run = run_module('rds_load_dump', dict(env['replica_login'], source_login=env['source_login'], databases=[DB],
                                           read_coordinates=False, overwrite=True), check=True)
    assert any('would be put back to 1' in warning for warning in run.result.get('warnings', [])), run
    assert flush_setting(root) == 2
    run = run_module('rds_load_dump', dict(env['replica_login'], source_login=env['source_login'], databases=[DB],
                                           read_coordinates=False, overwrite=True))
    assert not run.failed, run
    assert any('innodb_flush_log_at_trx_commit: put back to 1' in warning and 'interrupted' in warning
               for warning in run.result.get('warnings', [])), run
    assert run.result['queries'][0] == 'SET GLOBAL innodb_flush_log_at_trx_commit = 1', run
    assert flush_setting(root) == 1 and not record_exists(root)
    assert rows_loaded(root) == ROWS


def test_sigterm_puts_the_settings_back_and_reports_the_change(env):
    root = env['replica_root']
    sql(root, 'SET GLOBAL innodb_flush_log_at_trx_commit = 1')
    sql(root, 'SET SESSION sql_log_bin = 0')
    sql(root, 'DROP DATABASE IF EXISTS %s' % DB)
    since = time.time() - 1
    proc = start_module(copy_args(env))
    pid = module_pid(proc, root)
    clients = descendants(pid)
    os.kill(pid, signal.SIGTERM)
    result, output = result_of(proc)
    assert result.get("failed") and result.get("changed") is True, (result, output)
    assert 'interrupted by signal %d' % signal.SIGTERM in result['msg'], result
    assert result['queries'][-1] == 'SET GLOBAL innodb_flush_log_at_trx_commit = 1', result
    assert flush_setting(root) == 1 and not record_exists(root)
    assert gone(clients)
    assert files_holding(list(env['passwords'].values()), since) == []
    assert all(value not in output for value in env['passwords'].values())


def test_a_failing_big_insert_reports_the_change_and_no_row_data(env):
    """A 1 MiB row the target refuses (its table there already holds the key: 1062): the loader
    echoes the whole statement on its error output; the message keeps its head only."""
    source_root, root = env['source_root'], env['replica_root']
    sql(source_root, 'CREATE TABLE %s.big (id INT PRIMARY KEY, b LONGBLOB)' % DB)
    sql(source_root, "INSERT INTO %s.big VALUES (1, REPEAT('ab', 512 * 1024))" % DB)
    sql(root, 'SET SESSION sql_log_bin = 0')
    sql(root, 'CREATE DATABASE IF NOT EXISTS %s' % DB)
    sql(root, 'CREATE OR REPLACE TABLE %s.big (id INT PRIMARY KEY, b LONGBLOB)' % DB)
    sql(root, "INSERT INTO %s.big VALUES (1, 'x')" % DB)
    try:
        run = run_module('rds_load_dump', dict(env['replica_login'], source_login=env['source_login'], databases=[DB],
                                               read_coordinates=False, overwrite=True,
                                               extra_dump_options=['--no-create-info']))
    finally:
        sql(source_root, 'DROP TABLE %s.big' % DB)
        sql(root, 'DROP TABLE IF EXISTS %s.big' % DB)
    assert run.failed and run.changed is True, run
    msg = run.result['msg']
    assert 'ERROR 1062' in msg and 'INSERT INTO `big`' in msg, msg
    assert len(msg) < 2500 and '616261626162' not in msg, msg
    assert len(json.dumps(run.result)) < 20000


def test_kill_9_of_the_module_and_its_async_wrapper_ends_the_progress_wait(env):
    """`pkill -9 -f AnsiballZ_rds_load_dump` mid-copy kills the module and the async_wrapper processes
    that run it (their command lines name it), so no job result is ever written: the action plugin's
    progress wait notices the module is gone and fails with what to do, instead of waiting for the
    job's week-long limit; the re-run converges."""
    root = env['replica_root']
    sql(root, 'SET GLOBAL innodb_flush_log_at_trx_commit = 1')
    sql(root, 'SET SESSION sql_log_bin = 0')
    sql(root, 'DROP DATABASE IF EXISTS %s' % DB)
    since = time.time() - 1
    proc = start_module(copy_args(env, progress_interval=1))
    pid = module_pid(proc, root)
    named = [other for other in ours(proc) if 'AnsiballZ_rds_load_dump' in cmdline(other)]
    wrappers = [other for other in named if 'async_wrapper' in cmdline(other)]
    assert pid in named and wrappers, [cmdline(other) for other in ours(proc)]
    clients = descendants(pid)
    for other in named:
        os.kill(other, signal.SIGKILL)
    killed = time.time()
    result, output = result_of(proc)
    waited = time.time() - killed
    assert result.get('failed'), (result, output)
    assert 'ended without a result' in result['msg'] and 'Run the task again' in result['msg'], result
    assert waited < 60, waited  # the plugin's grace (15 s) and a few polls, not the job's limit
    assert gone(named) and gone(clients)
    assert files_holding(list(env['passwords'].values()), since) == []
    assert all(value not in output for value in env['passwords'].values())

    run = run_module('rds_load_dump', dict(env['replica_login'], source_login=env['source_login'], databases=[DB],
                                           read_coordinates=False, overwrite=True))
    assert not run.failed, run
    assert flush_setting(root) == 1 and not record_exists(root)
    assert rows_loaded(root) == ROWS


def show_create(root, table):
    return sql(root, 'SHOW CREATE TABLE %s.%s' % (DB, table))[0]['Create Table']


def test_kill_9_of_a_parallel_copy_before_its_key_step_and_the_rerun_puts_every_key_back(env):
    """With parallel streams the plain secondary keys come after the rows (the key step): a kill while
    the rows load leaves tables without them; the re-run copies again and every table has its keys."""
    source_root, root = env['source_root'], env['replica_root']
    sql(root, 'SET GLOBAL innodb_flush_log_at_trx_commit = 1')
    sql(root, 'SET SESSION sql_log_bin = 0')
    sql(root, 'DROP DATABASE IF EXISTS %s' % DB)
    sql(source_root, 'CREATE TABLE %s.k (id INT PRIMARY KEY, a INT NOT NULL, v VARCHAR(100), '
                     'KEY by_a (a), KEY by_v (v))' % DB)
    sql(source_root, 'INSERT INTO %s.k SELECT seq, seq %% 7, MD5(seq) FROM %s.seq_1_to_%d' % (DB, DB, ROWS))
    try:
        proc = start_module(copy_args(env, parallel=2))
        pid = module_pid(proc, root)
        assert 'KEY `by_a`' not in show_create(root, 'k') and 'KEY `by_a`' in show_create(source_root, 'k')
        clients = descendants(pid)
        assert len(clients) >= 4, [cmdline(client) for client in clients]  # a dump and a load client per stream
        os.kill(pid, signal.SIGKILL)
        result, output = result_of(proc)
        assert result.get('failed'), (result, output)
        assert gone(clients), [cmdline(client) for client in clients if alive(client)]

        run = run_module('rds_load_dump', dict(env['replica_login'], source_login=env['source_login'], databases=[DB],
                                               read_coordinates=False, overwrite=True, parallel=2))
        assert not run.failed, (run.result.get('msg'), run)
        assert [show_create(root, table) for table in ('k', 't')] == \
            [show_create(source_root, table) for table in ('k', 't')]
        assert sql(root, 'SELECT COUNT(*) AS n FROM %s.k' % DB)[0]['n'] == ROWS and rows_loaded(root) == ROWS
        assert flush_setting(root) == 1 and not record_exists(root)
    finally:
        sql(source_root, 'DROP TABLE IF EXISTS %s.k' % DB)


def test_a_second_copy_while_one_runs_is_refused_and_changes_nothing(env):
    """A re-run while the copy still loads (its controller killed, say) would put back the settings the
    copy uses and drop the table it fills: the copy's named lock on the target makes it refuse first."""
    root = env['replica_root']
    sql(root, 'SET GLOBAL innodb_flush_log_at_trx_commit = 1')
    sql(root, 'SET SESSION sql_log_bin = 0')
    sql(root, 'DROP DATABASE IF EXISTS %s' % DB)
    proc = start_module(copy_args(env))
    module_pid(proc, root)
    holder = sql(root, "SELECT IS_USED_LOCK('mysql_rds.replication.rds_load_dump') AS h")[0]['h']
    assert holder and flush_setting(root) == 2 and record_exists(root)
    loaded = rows_loaded(root)
    for check in (True, False):
        second = run_module('rds_load_dump', dict(env['replica_login'], source_login=env['source_login'],
                                                  databases=[DB], read_coordinates=False, overwrite=True), check=check)
        assert second.failed and 'its connection %s holds the lock' % holder in second.result['msg'], second
        assert not second.changed and not second.result.get('warnings'), second
    assert flush_setting(root) == 2 and record_exists(root)  # the running copy's settings and record untouched
    assert rows_loaded(root) >= loaded  # its table still there, still filling
    result, output = result_of(proc)
    assert not result.get('failed'), (result, output)
    assert rows_loaded(root) == ROWS and flush_setting(root) == 1 and not record_exists(root)
