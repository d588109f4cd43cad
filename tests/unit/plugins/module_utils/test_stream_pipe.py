from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

from ansible_collections.mysql_rds.replication.plugins.module_utils.stream_pipe import feed, stream_between


def upper(source, sink):
    written = 0
    for line in source:
        data = line.upper()
        sink.write(data)
        written += len(data)
    return written


def test_streams_through_the_transform_and_keeps_a_copy(tmp_path):
    keep = tmp_path / 'kept.sql'
    out = tmp_path / 'out'
    result = stream_between(['printf', 'one\\ntwo\\n'], ['sh', '-c', 'cat > "%s"' % out], upper,
                            keep_path=str(keep))
    assert (result.producer_rc, result.consumer_rc, result.written) == (0, 0, 8)
    assert out.read_bytes() == b'ONE\nTWO\n' == keep.read_bytes()
    assert oct(os.stat(str(keep)).st_mode & 0o777) == '0o600'


def test_reports_both_exit_codes_and_error_output():
    result = stream_between(['sh', '-c', 'printf x; echo dump-broke >&2; exit 2'],
                            ['sh', '-c', 'cat >/dev/null; echo load-broke >&2; exit 3'], upper)
    assert (result.producer_rc, result.consumer_rc) == (2, 3)
    assert (result.producer_stderr, result.consumer_stderr) == ('dump-broke', 'load-broke')


def test_a_consumer_that_dies_early_does_not_hang_the_stream():
    result = stream_between(['sh', '-c', 'yes | head -n 200000'], ['sh', '-c', 'exit 4'], upper)
    assert result.consumer_rc == 4 and result.producer_rc in (0, 1, 141, -13)


def test_an_interrupted_stream_ends_both_clients():
    started = []

    def interrupted(source, sink):
        raise KeyboardInterrupt()
    try:
        stream_between(['sleep', '30'], ['sleep', '30'], interrupted, started=started)
    except KeyboardInterrupt:
        pass
    else:
        raise AssertionError('the interruption was swallowed')
    assert len(started) == 2 and all(process.poll() is not None for process in started)


def test_feed_gives_the_consumer_its_whole_input_and_reports_its_exit_and_errors(tmp_path):
    out = tmp_path / 'out'
    result = feed(['sh', '-c', 'cat > "%s"; echo load-broke >&2; exit 3' % out], b'ALTER TABLE t ADD KEY k (k);\n')
    assert out.read_bytes() == b'ALTER TABLE t ADD KEY k (k);\n'
    assert (result.producer_rc, result.consumer_rc, result.consumer_stderr, result.written) == (0, 3, 'load-broke', 29)
