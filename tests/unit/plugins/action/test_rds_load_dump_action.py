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


class _Poller(object):
    """The plugin's poll loop over scripted reads: (finished, data, alive) per read."""

    def __init__(self, reads):
        from ansible_collections.mysql_rds.replication.plugins.action import rds_load_dump as plugin
        self.plugin = plugin
        self.reads = list(reads)
        self.asked = []

    def run(self, monkeypatch):
        clock = [1000.0]
        monkeypatch.setattr(self.plugin.time, 'sleep', lambda seconds: clock.__setitem__(0, clock[0] + seconds))
        monkeypatch.setattr(self.plugin.time, 'time', lambda: clock[0])
        action = self.plugin.ActionModule.__new__(self.plugin.ActionModule)

        def read(job_file, progress_path, pid=0):
            self.asked.append(pid)
            return self.reads.pop(0)

        action._read = read
        return action._poll('job', 'progress', 30, dict(inventory_hostname='db1'))


def test_the_poll_ends_when_the_job_has_finished(monkeypatch):
    poller = _Poller([(False, dict(pid=4242, bytes=1), True), (True, None, True)])
    poller.run(monkeypatch)
    assert poller.asked == [0, 4242]


def test_a_module_gone_without_a_result_fails_the_wait_instead_of_waiting_forever(monkeypatch):
    import pytest
    from ansible.errors import AnsibleError
    poller = _Poller([(False, dict(pid=4242, bytes=1), True)] + [(False, None, False)] * 20)
    with pytest.raises(AnsibleError) as failed:
        poller.run(monkeypatch)
    assert 'pid 4242' in str(failed.value) and 'Run the task again' in str(failed.value)
    assert len(poller.reads) > 0  # it gave up after the grace period, not at the end of the script
