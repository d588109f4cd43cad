"""Connections against a stalled server or a port where no MySQL server answers (issue 11):

- a module against a bare TCP listener that never speaks fails within connect_timeout, naming it
  (it hung for minutes before);
- a module against a stopped (SIGSTOP) lab server fails within connect_timeout, naming it;
- a connection opened with a read timeout fails a statement of a server stopped after the login
  within that timeout, naming it.

Each case stops onprem_source for a few seconds at most and always resumes it (finally).
"""
import os
import signal
import socket
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / 'modules'))
from module_runner import collection_root, login, run_module  # noqa: E402  pylint: disable=wrong-import-position

SERVER = 'onprem_source'


class Module(object):
    """The part of AnsibleModule that connection.connect() uses."""

    def __init__(self, params):
        self.params = params

    def fail_json(self, **kwargs):
        raise AssertionError(kwargs)


@pytest.fixture
def stopped(lab):
    """A function that stops SERVER (SIGSTOP); SERVER is resumed after the test whatever happens."""
    pid_file = Path(lab.facts['lab_dir']) / SERVER / 'mysqld.pid'
    pids = []

    def stop():
        pid = int(pid_file.read_text().strip())
        os.kill(pid, signal.SIGSTOP)
        pids.append(pid)
        time.sleep(0.5)  # the signal is asynchronous
    yield stop
    for pid in pids:
        os.kill(pid, signal.SIGCONT)


def test_a_listener_that_never_answers_fails_within_connect_timeout(lab):
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(1)
    try:
        args = dict(login(lab, SERVER), login_port=listener.getsockname()[1], connect_timeout=3)
        started = time.time()
        run = run_module('replication_server_info', args)
        elapsed = time.time() - started
    finally:
        listener.close()
    assert run.failed
    assert 'connect_timeout=3s' in run.result['msg'] and 'not a MySQL server' in run.result['msg']
    assert elapsed < 30, elapsed


def test_a_stopped_server_fails_the_login_within_connect_timeout(lab, stopped):
    args = dict(login(lab, SERVER), connect_timeout=3)
    stopped()
    started = time.time()
    run = run_module('replica_status_info', args)
    assert run.failed
    assert 'connect_timeout=3s' in run.result['msg']
    assert time.time() - started < 30


def test_a_server_stopped_after_the_login_fails_within_read_timeout(lab, stopped):
    sys.path.insert(0, str(collection_root()))
    from ansible_collections.mysql_rds.replication.plugins.module_utils import connection
    from ansible_collections.mysql_rds.replication.plugins.module_utils.errors import SqlError
    params = dict(login(lab, SERVER), config_file='', connect_timeout=5, check_hostname=True)
    conn = connection.connect(Module(params), read_timeout=2, write_timeout=2)
    try:
        assert connection.run(conn.cursor(), 'SELECT 1 AS one') == [{'one': 1}]
        stopped()
        started = time.time()
        with pytest.raises(SqlError) as caught:
            connection.run(conn.cursor(), 'SELECT 2 AS two')
        assert time.time() - started < 10
    finally:
        conn.close()
    assert 'read_timeout=2s' in caught.value.message and 'stalled' in caught.value.message
    assert params['login_password'] not in caught.value.message
