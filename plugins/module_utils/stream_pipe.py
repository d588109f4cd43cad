# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stream one command's output into another's input through a Python transform, without a copy on
disk: what `dump | filter | load` needs and AnsibleModule.run_command cannot do (it runs one
command at a time and buffers its output)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import select
import socket
import subprocess
import sys
import threading
import time

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


def stream_between(producer_cmd, consumer_cmd, transform, keep_path=None, started=None, meter=None):
    """Run producer_cmd | transform | consumer_cmd (argument lists, no shell; logins as client_options.popen()).

    ``transform(source, sink)`` copies from the producer's stdout to the sink and returns how much it
    wrote. With ``keep_path`` the transformed stream is also written there (mode 0600). ``started``, a
    list, receives both processes as they start, so that another thread can end them; ``meter`` (a
    Meter) counts the bytes written to the consumer as they go."""
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
        sink = _Tee(consumer.stdin, keep)
        written = transform(producer.stdout, sink if meter is None else _Counting(sink, meter))
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


try:
    import ctypes
    _PRCTL = ctypes.CDLL(None, use_errno=True).prctl if sys.platform.startswith('linux') else None
except (ImportError, OSError, AttributeError):
    _PRCTL = None


def _die_with_parent():
    """In the child (Linux): SIGKILL once the thread that started it is gone (PR_SET_PDEATHSIG), so
    that two clients joined directly do not outlive a module killed by SIGKILL (a client fed by the
    module dies of its closed pipe anyway)."""
    _PRCTL(1, 9)


DIE_WITH_PARENT = dict(preexec_fn=_die_with_parent) if _PRCTL is not None else {}
PEEK_MAX = 1 << 20  # bytes of a stream's start looked at (without taking them) before it goes straight through
PEEK_FULL = 1 << 16  # a start this long that stops growing has filled the socket buffer (a header is ~2 KB)


class Meter(object):
    """Bytes a stream moved so far, readable from another thread (progress): counted by a Python
    transform, or read off the kernel's count of what the producer wrote (/proc/<pid>/io)."""

    def __init__(self):
        self.counted = 0
        self.pid = None
        self.written = 0

    def add(self, count):
        self.counted += count

    def value(self):
        if self.pid is not None:
            self.written = max(self.written, written_by(self.pid))
        return self.counted + self.written


def written_by(pid):
    """Bytes process ``pid`` has written so far (0 where the system does not tell)."""
    try:
        with open('/proc/%d/io' % pid) as handle:
            for line in handle:
                if line.startswith('wchar:'):
                    return int(line.split()[1])
    except (IOError, OSError, ValueError):
        pass
    return 0


class _Counting(object):
    def __init__(self, sink, meter):
        self.sink = sink
        self.meter = meter

    def write(self, data):
        self.sink.write(data)
        self.meter.add(len(data))


def _peek(sock, producer, look):
    """Look at the start of the producer's output without taking it, until ``look(data, ended)``
    decides (True: straight through, False: through the transform)."""
    seen, idle = -1, 0.001
    while True:
        ended = _exited(producer)
        data = sock.recv(PEEK_MAX, socket.MSG_PEEK | socket.MSG_DONTWAIT) if _readable(sock) else b''
        decision = look(data, ended or len(data) >= PEEK_MAX)
        if decision is not None:
            return decision
        if len(data) == seen and (ended or len(data) >= PEEK_FULL):
            return look(data, True)  # ended, or a start bigger than any header fills the socket buffer
        if len(data) == seen:
            time.sleep(idle)
            idle = min(0.05, idle * 2)
        else:
            idle = 0.001
        seen = len(data)


def _exited(process):
    """Whether ``process`` ended, without reaping it (its /proc counts stay readable)."""
    if process.returncode is not None:
        return True
    if not hasattr(os, 'waitid'):
        return process.poll() is not None
    try:
        return os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True


def _readable(sock):
    return bool(select.select([sock], [], [], 0)[0])


def stream_direct(producer_cmd, consumer_cmd, look, transform, started=None, meter=None):
    """producer_cmd's output straight into consumer_cmd's input, Python reading none of it: both
    processes share one end each of a socket pair. Its start is looked at first (``look(data,
    ended)``, see _peek); when ``look`` says False the stream goes through ``transform(source,
    sink)`` instead, as with :func:`stream_between`. ``meter`` (a Meter) follows the bytes moved."""
    meter = meter if meter is not None else Meter()
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        producer = popen(producer_cmd, stdout=theirs.fileno(), stderr=subprocess.PIPE, **DIE_WITH_PARENT)
    except BaseException:
        ours.close()
        raise
    finally:
        theirs.close()
    if started is not None:
        started.append(producer)
    drains = [_Drain(producer.stderr)]
    drains[0].start()
    consumer = None
    try:
        direct = _peek(ours, producer, look)
        if direct:
            meter.pid = producer.pid
            consumer = popen(consumer_cmd, stdin=ours.fileno(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             **DIE_WITH_PARENT)
            ours.close()
        else:
            consumer = popen(consumer_cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if started is not None:
            started.append(consumer)
        drains += [_Drain(consumer.stderr), _Drain(consumer.stdout)]
        for drain in drains[1:]:
            drain.start()
        if not direct:
            source = ours.makefile('rb')
            try:
                transform(source, _Counting(consumer.stdin, meter))
            except (IOError, OSError):
                pass  # the consumer died: its exit status and stderr say why
            finally:
                for pipe in (consumer.stdin, source):
                    try:
                        pipe.close()
                    except (IOError, OSError):
                        pass
                ours.close()
        elif hasattr(os, 'waitid'):
            try:
                os.waitid(os.P_PID, producer.pid, os.WEXITED | os.WNOWAIT)  # exited, not reaped: its count is readable
            except ChildProcessError:
                pass
            meter.value()
        meter.pid = None
    except BaseException:
        _end([process for process in (producer, consumer) if process is not None])
        ours.close()
        raise
    producer_rc = producer.wait()
    consumer_rc = consumer.wait()
    for drain in drains:
        drain.join()
    return StreamResult(meter.value(), producer_rc, consumer_rc, drains[0].text(), drains[1].text())


def feed(consumer_cmd, data):
    """Run consumer_cmd with ``data`` (bytes) as its whole input, ended with its parent (Linux);
    a StreamResult without producer (its exit status 0)."""
    consumer = popen(consumer_cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                     **DIE_WITH_PARENT)
    try:
        _out, err = consumer.communicate(data)
    except BaseException:
        _end([consumer])  # interrupted (a signal): no client outlives the module
        raise
    return StreamResult(len(data), 0, consumer.returncode, '', err.decode('utf-8', 'replace').strip())
