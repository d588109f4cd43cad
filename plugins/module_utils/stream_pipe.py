# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stream one command's output into another's input through a Python transform, without a copy on
disk: what `dump | filter | load` needs and AnsibleModule.run_command cannot do (it runs one
command at a time and buffers its output)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import subprocess
import threading

from ansible_collections.mysql_rds.replication.plugins.module_utils.client_options import popen


class _Drain(threading.Thread):
    """Read a pipe to its end, so a chatty process never blocks on a full pipe buffer."""

    def __init__(self, pipe):
        super(_Drain, self).__init__()
        self.daemon = True
        self.pipe = pipe
        self.data = b''

    def run(self):
        self.data = self.pipe.read()

    def text(self):
        return self.data.decode('utf-8', 'replace').strip()


class _Tee(object):
    def __init__(self, first, second=None):
        self.first = first
        self.second = second

    def write(self, data):
        self.first.write(data)
        if self.second is not None:
            self.second.write(data)


class StreamResult(object):
    def __init__(self, written, producer_rc, consumer_rc, producer_stderr, consumer_stderr):
        self.written = written
        self.producer_rc = producer_rc
        self.consumer_rc = consumer_rc
        self.producer_stderr = producer_stderr
        self.consumer_stderr = consumer_stderr


def _end(processes):
    for process in processes:
        try:
            process.kill()
            process.wait()
        except OSError:
            pass


def stream_between(producer_cmd, consumer_cmd, transform, keep_path=None, started=None):
    """Run producer_cmd | transform | consumer_cmd (argument lists, no shell; logins as client_options.popen()).

    ``transform(source, sink)`` copies from the producer's stdout to the sink and returns how much it
    wrote. With ``keep_path`` the transformed stream is also written there (mode 0600). ``started``, a
    list, receives both processes as they start, so that another thread can end them."""
    producer = popen(producer_cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        consumer = popen(consumer_cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except BaseException:
        _end([producer])
        raise
    if started is not None:
        started.extend([producer, consumer])
    drains = [_Drain(producer.stderr), _Drain(consumer.stderr), _Drain(consumer.stdout)]
    for drain in drains:
        drain.start()
    keep = None
    if keep_path:
        keep = os.fdopen(os.open(keep_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 'wb')
    written = 0
    try:
        written = transform(producer.stdout, _Tee(consumer.stdin, keep))
    except (IOError, OSError):
        pass  # the consumer died: its exit status and stderr say why
    except BaseException:
        _end([producer, consumer])  # interrupted (a signal): no client outlives the module
        raise
    finally:
        # closing our end of the producer's stdout ends a producer we stopped reading (SIGPIPE)
        for pipe in (consumer.stdin, keep, producer.stdout):
            if pipe is not None:
                try:
                    pipe.close()
                except (IOError, OSError):
                    pass
    producer_rc = producer.wait()
    consumer_rc = consumer.wait()
    for drain in drains:
        drain.join()
    return StreamResult(written, producer_rc, consumer_rc, drains[0].text(), drains[1].text())
