# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Progress of a copy: bytes moved per stream (stream_pipe.Meter), rate and an estimated ETA,
written every few seconds as JSON to a file the action plugin reads (numbers and stream names
only, never a login or a row), and summed up in the module's result."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import threading
import time

from ansible_collections.mysql_rds.replication.plugins.module_utils.stream_pipe import Meter


def totals_sql(databases):
    """Query (one %s per schema): size (data + index bytes) and rows (the engine's estimate) of the schemas."""
    return ('SELECT COALESCE(SUM(COALESCE(DATA_LENGTH, 0) + COALESCE(INDEX_LENGTH, 0)), 0) AS size,'
            ' COALESCE(SUM(COALESCE(TABLE_ROWS, 0)), 0) AS n_rows FROM information_schema.TABLES'
            ' WHERE TABLE_SCHEMA IN (%s)' % ', '.join(['%s'] * len(databases)))


class Progress(object):
    """Meters of the copy's steps and streams; :meth:`start` writes ``path`` every ``interval``
    seconds until :meth:`stop`, which removes it and returns the summary."""

    def __init__(self, path=None, interval=5.0, size=0, rows=0):
        self.path = path
        self.interval = max(0.2, float(interval))
        self.size = int(size or 0)   # the source's data + index bytes: the dump's size, roughly
        self.rows = int(rows or 0)
        self.started = time.time()
        self.meters = []             # [(name, meter, finished())]
        self.phase = None            # (what, since): work after the data streams that moves no byte
        self._stop = threading.Event()
        self._thread = None

    def meter(self, name):
        """A Meter for one step (schema, triggers, one stream)."""
        found = Meter()
        self.meters.append((name, found, lambda: False))
        return found

    def begin(self, what):
        """Say what the copy does now that moves no byte (None: nothing of that kind)."""
        self.phase = (what, time.time()) if what else None

    def watch(self, streams):
        """Follow parallel_copy.Stream threads (their meters)."""
        for stream in streams:
            self.meters.append((stream.name, stream.meter, lambda stream=stream: stream.result is not None))

    def summary(self, final=False):
        seconds = max(0.001, time.time() - self.started)
        streams = [dict(name=name, bytes=meter.value(), done=final or finished())
                   for name, meter, finished in self.meters]
        done = sum(item['bytes'] for item in streams)
        rate = done / seconds
        share = min(1.0, float(done) / self.size) if self.size else (1.0 if final else 0.0)
        eta = None
        if not final and self.size and rate > 0:
            eta = round(max(0.0, self.size - done) / rate, 1)
        phase = self.phase
        return dict(bytes=done, rows=int(round(self.rows * (1.0 if final else share))), seconds=round(seconds, 1),
                    rate=int(rate), eta_seconds=eta, size_estimate=self.size, streams=streams, finished=final,
                    pid=os.getpid(), phase=None if phase is None or final else dict(
                        name=phase[0], seconds=round(time.time() - phase[1], 1)))

    def _write(self):
        if not self.path:
            return
        temporary = '%s.%d.tmp' % (self.path, os.getpid())
        try:
            with os.fdopen(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 'w') as handle:
                json.dump(self.summary(), handle)
            os.rename(temporary, self.path)
        except (IOError, OSError):
            pass  # progress is best effort: it never fails a copy

    def _run(self):
        while not self._stop.wait(self.interval):
            self._write()

    def start(self):
        if self.path:
            self._write()
            self._thread = threading.Thread(target=self._run, name='progress')
            self._thread.daemon = True
            self._thread.start()
        return self

    def stop(self):
        """Stop writing, remove the file, return the final summary (bytes, rows, seconds, rate)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self.path:
            try:
                os.remove(self.path)
            except OSError:
                pass
        summary = self.summary(final=True)
        return dict((key, summary[key]) for key in ('bytes', 'rows', 'seconds', 'rate', 'streams'))
