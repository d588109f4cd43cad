from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.mysql_rds.replication.plugins.action.rds_load_dump import progress_line


def test_a_progress_line_says_how_far_how_fast_and_which_streams_run():
    line = progress_line('db1', dict(bytes=150000000, size_estimate=400000000, rows=1000, rate=5000000, seconds=30.0,
                                     eta_seconds=50.0, streams=[dict(name='data stream 1', bytes=100000000, done=False),
                                                                dict(name='schema step', bytes=1000, done=True)]))
    assert line == ('rds_load_dump progress db1: copied 150.0 MB of ~400.0 MB (37%), ~1000 rows, 5.0 MB/s, 30.0s, '
                    'ETA ~50s; running: data stream 1 100.0 MB')


def test_a_progress_line_without_an_estimate():
    line = progress_line('db1', dict(bytes=10, rows=0, rate=0, seconds=1.0, eta_seconds=None, streams=[]))
    assert line == 'rds_load_dump progress db1: copied 10 B, ~0 rows, 0 B/s, 1.0s'


def test_a_progress_line_names_the_work_that_moves_no_byte():
    line = progress_line('db1', dict(bytes=10, rows=0, rate=0, seconds=9.0, eta_seconds=None, streams=[],
                                     phase=dict(name='adding the secondary keys of 4 tables', seconds=3.2)))
    assert line == 'rds_load_dump progress db1: copied 10 B, ~0 rows, 0 B/s, 9.0s; adding the secondary keys of 4 tables (3.2s)'


class _Poller(object):
    """The plugin's poll loop over scripted reads: (finished, data, alive) per read."""

    def __init__(self, reads):
        from ansible_collections.mysql_rds.replication.plugins.action import rds_load_dump as plugin
        self.plugin = plugin
        self.reads = list(reads)
        self.asked = []
        self.waits = []

    def run(self, monkeypatch):
        clock = [1000.0]
        monkeypatch.setattr(self.plugin.time, 'sleep', lambda seconds: clock.__setitem__(0, clock[0] + seconds))
        monkeypatch.setattr(self.plugin.time, 'time', lambda: clock[0])
        action = self.plugin.ActionModule.__new__(self.plugin.ActionModule)

        def read(job_file, progress_path, pid=0, wait=0.0):
            self.asked.append(pid)
            self.waits.append(wait)
            return self.reads.pop(0)

        action._read = read
        return action._poll('job', 'progress', 30, dict(inventory_hostname='db1'))


def test_the_poll_ends_when_the_job_has_finished(monkeypatch):
    poller = _Poller([(False, dict(pid=4242, bytes=1), True, '{"started": true}'), (True, None, True, '{"changed": true}\n')])
    assert poller.run(monkeypatch) == '{"changed": true}\n'
    assert poller.asked == [0, 4242]
    assert poller.waits == [2.0, 2.0]  # every read waits on the remote side for the job to end


def test_a_module_gone_without_a_result_fails_the_wait_instead_of_waiting_forever(monkeypatch):
    import pytest
    from ansible.errors import AnsibleError
    poller = _Poller([(False, dict(pid=4242, bytes=1), True, '')] + [(False, None, False, '')] * 20)
    with pytest.raises(AnsibleError) as failed:
        poller.run(monkeypatch)
    assert 'pid 4242' in str(failed.value) and 'Run the task again' in str(failed.value)
    assert len(poller.reads) > 0  # it gave up after the grace period, not at the end of the script


class _Remote(object):
    """An action whose remote commands run in a local shell (the job and progress files in tmp_path)."""

    def __init__(self):
        from ansible_collections.mysql_rds.replication.plugins.action import rds_load_dump as plugin
        self.action = plugin.ActionModule.__new__(plugin.ActionModule)
        self.commands = []

        def run(command):
            import subprocess
            self.commands.append(command)
            done = subprocess.run(['/bin/sh', '-c', command], capture_output=True, text=True, check=False)
            return dict(stdout=done.stdout, rc=done.returncode)

        self.action._run = run


def test_a_read_returns_as_soon_as_the_job_ends_not_after_its_whole_wait(tmp_path):
    import json
    import subprocess
    import sys
    import time
    job = tmp_path / 'job'
    job.write_text(json.dumps(dict(started=True, finished=False, ansible_job_id='1')))
    (tmp_path / 'progress').write_text(json.dumps(dict(pid=1, bytes=5)))
    writer = subprocess.Popen([sys.executable, '-c', 'import os, time; time.sleep(0.4); open(%r, "w").write(%r); '
                               'os.rename(%r, %r)' % (str(job) + '.tmp', '{"changed": true, "bytes_loaded": 7}',
                                                      str(job) + '.tmp', str(job))])
    remote = _Remote()
    started = time.time()
    finished, data, alive, text = remote.action._read(str(job), str(tmp_path / 'progress'), wait=5.0)
    writer.wait()
    assert finished and alive and data == dict(pid=1, bytes=5)
    assert json.loads(text) == dict(changed=True, bytes_loaded=7)
    assert time.time() - started < 3.0  # the job ended after 0.4 s: the read did not wait its 5 s


def test_a_read_of_a_running_job_waits_then_says_not_finished(tmp_path):
    import json
    import time
    job = tmp_path / 'job'
    job.write_text(json.dumps(dict(started=1, finished=0, ansible_job_id='1')))  # older ansible-core's spelling
    started = time.time()
    finished, data, _alive, _text = _Remote().action._read(str(job), str(tmp_path / 'none'), wait=0.5)
    assert not finished and data is None
    assert time.time() - started >= 0.4


def test_the_finished_job_file_is_the_result_parsed_as_a_module_output():
    remote = _Remote()
    data = remote.action._job_result('{"changed": true, "bytes_loaded": 7, "_ansible_no_log": false}\n')
    assert data['changed'] is True and data['bytes_loaded'] == 7
    assert '_ansible_no_log' not in data
