"""Direction 2 (playbooks/onprem_to_rds.yml) interrupted during its initial load into RDS (issue 11):
SIGINT to the playbook's process group while rds_load_dump copies into rds_target and an
application writes on onprem_source. Afterwards: no file under /tmp holds a password, no load
client is left running, RDS and the source keep their global settings (nothing a load changed is
left behind, no load-settings record), and a re-run converges (a plain re-run refuses the partial
copy naming rds_replica_of_source_overwrite=true without changing anything, or resumes; with it,
it reloads); then every committed write is on RDS (`labctl load verify`).

Starts from fresh onprem_source/rds_target and leaves them fresh."""
import hashlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from leftovers import cmdline, descendants, files_holding

from playbook_runner import REPO, ansible_playbook, assert_no_secret, collections_path, lab_secrets, \
    reset_direction2, run_playbook, status_row
from polling import wait_until

SETTINGS = ('read_only', 'binlog_format', 'max_allowed_packet', 'innodb_flush_log_at_trx_commit', 'sync_binlog',
            'foreign_key_checks', 'unique_checks', 'event_scheduler', 'log_bin_trust_function_creators')
RECORD = 'mysql_rds_replication_load_settings'


@pytest.fixture(scope='module')
def collections(tmp_path_factory):
    return collections_path(tmp_path_factory.mktemp('collections'))


@pytest.fixture
def fresh_pair(lab):
    reset_direction2(lab)
    yield
    lab.labctl('load', 'stop', 'onprem_source', check=False)
    reset_direction2(lab)


def rows(lab, name, sql, args=None):
    conn = lab.connect(name, root=True)
    try:
        return lab.query(conn, sql, args)
    finally:
        conn.close()


def settings(lab, name):
    return rows(lab, name, 'SELECT %s' % ', '.join('@@GLOBAL.%s AS %s' % (v, v) for v in SETTINGS))[0]


def test_sigint_during_the_initial_load_under_writes(lab, collections, fresh_pair):
    conn = lab.connect('onprem_source')
    try:   # enough rows that the copy into RDS takes a few seconds
        lab.query(conn, 'CREATE DATABASE d2i')
        lab.query(conn, 'CREATE TABLE d2i.big (id INT PRIMARY KEY, v VARCHAR(150))')
        lab.query(conn, "INSERT INTO d2i.big SELECT seq, REPEAT('x', 150) FROM d2i.seq_1_to_250000")
    finally:
        conn.close()
    before = dict((name, settings(lab, name)) for name in ('onprem_source', 'rds_target'))
    secrets = lab_secrets(lab)
    secrets.append(hashlib.sha256((lab.instances['onprem_source']['admin_password'] + '-rds-repl').encode())
                   .hexdigest())
    since = time.time() - 1
    lab.labctl('load', 'start', 'onprem_source', '--rate', '20')
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_NOCOLOR='1')
    proc = subprocess.Popen([ansible_playbook(), '-i', str(lab.inventory_path), str(REPO / 'playbooks' /
                             'onprem_to_rds.yml')], cwd=str(REPO), env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        def loading():
            """The copy is under way: its tables are arriving on RDS (nothing else creates them)."""
            assert proc.poll() is None, proc.stdout.read()[-3000:]
            return rows(lab, 'rds_target', "SELECT COUNT(*) AS n FROM information_schema.TABLES "
                                           "WHERE TABLE_SCHEMA = 'd2i'")[0]['n'] > 0
        assert wait_until(loading, timeout=300, step=0.05), 'the copy into RDS never started'
        clients = [pid for pid in descendants(proc.pid) if 'AnsiballZ' not in cmdline(pid)]
        os.killpg(proc.pid, signal.SIGINT)
        output = proc.communicate(timeout=120)[0]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode != 0, output[-3000:]
    assert output.rindex('TASK [') == output.index('TASK [mysql_rds.replication.rds_replica_of_source : Copy a '
                                                   'consistent snapshot'), output[-3000:]   # stopped in the copy
    assert not [secret[:3] for secret in secrets if secret in output], 'a password in the output'
    assert wait_until(lambda: not any(Path('/proc/%d' % pid).exists() for pid in clients), timeout=30), \
        'processes of the copy left running: %s' % [cmdline(pid) for pid in clients]
    skip = [lab.facts['lab_dir']] + [str(p) for p in Path('/tmp').glob('lab-*')] + ['/tmp/pytest-']
    assert files_holding(secrets, since, skip) == [], 'files holding a password were left'
    assert not [n for n in os.listdir('/tmp') if n.startswith('rds_load_dump.')]
    for name, values in before.items():
        assert settings(lab, name) == values, name
    assert not rows(lab, 'rds_target', "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'mysql' "
                                       "AND TABLE_NAME = %s", [RECORD])
    rds = lab.connect('rds_target')
    try:
        assert not status_row(lab, rds).get('Slave_IO_Running') == 'Yes', 'RDS replicates from a partial copy'
    finally:
        rds.close()

    again = run_playbook(lab, collections, 'onprem_to_rds.yml')
    assert_no_secret(lab, again)
    if again.rc != 0:
        # the partial copy is refused, naming the way out, and nothing changed
        assert 'rds_replica_of_source_overwrite' in again.output, again
        assert again.changed == 0, again
        again = run_playbook(lab, collections, 'onprem_to_rds.yml', '-e', 'rds_replica_of_source_overwrite=true')
        assert_no_secret(lab, again)
    assert again.rc == 0, again
    report = json.loads(lab.labctl('load', 'stop', 'onprem_source').stdout)
    assert report['committed'] > 0 and report['failed'] == 0, report
    verify = lab.labctl('load', 'verify', 'onprem_source', '--on', 'rds_target', '--timeout', '120', check=False)
    assert verify.returncode == 0 and json.loads(verify.stdout)['missing'] == 0, verify.stdout
    assert rows(lab, 'rds_target', 'SELECT COUNT(*) AS n FROM d2i.big')[0]['n'] == 250000
    for name, values in before.items():
        assert settings(lab, name) == values, name
