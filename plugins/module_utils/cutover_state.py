# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cutover's durable record: a JSON file on the host that runs the module, rewritten at every
step (temporary file, fsync, atomic rename, fsync of the directory) before the next step starts.

Why a file and not a table: the source is frozen (read_only, global read lock) and RDS replicates
it, so a row on either server would either be refused, move the final position RDS must reach, or be
replicated into the data the proof compares. The file changes neither server.

Phases, in order: ``preflight`` (who both servers are), ``freezing`` (written just before
read_only=ON: the previous read_only and the freeze time), ``final_position``, ``stopping`` (just
before RDS's replication is stopped), ``rds_stopped`` (RDS stopped at the final position, its own
position read), ``promoted`` (RDS forgot its source and is open; the result so far), ``done``.
``unfrozen`` closes an attempt that gave the source back (its gap is kept in ``earlier_freezes``
until a cutover completes, so the unavailability reported covers every freeze).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import re
import tempfile
import time

DEFAULT_DIRECTORY = '~/.mysql_rds_replication'
# Lab-only test hook: hold the cutover this many seconds right after recording this phase, so a
# fault test can interrupt it there (e.g. "freezing:30"). Never set in production.
HOLD_VARIABLE = 'MYSQL_RDS_REPLICATION_CUTOVER_HOLD'


def default_path(rds_host, rds_port):
    """One record per RDS endpoint under the user's home."""
    name = re.sub(r'[^A-Za-z0-9_.-]', '_', '%s_%s' % (rds_host or 'localhost', rds_port))
    return os.path.join(os.path.expanduser(DEFAULT_DIRECTORY), 'cutover-%s.json' % name)


def write_durably(path, data):
    """Replace ``path`` with ``data`` as JSON so that a crash leaves the old or the new file, whole."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        os.makedirs(directory, 0o700)
    handle, temporary = tempfile.mkstemp(prefix='.cutover-', dir=directory)
    try:
        with os.fdopen(handle, 'w') as stream:
            json.dump(data, stream, sort_keys=True, default=str)
            stream.flush()
            os.fsync(stream.fileno())
        os.rename(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def read_record(path):
    """The record at ``path`` ({} when there is none or it is not JSON)."""
    try:
        with open(path) as stream:
            data = json.load(stream)
    except (IOError, OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


class CutoverState(object):
    """``record(phase, **values)`` adds the values and the phase, then writes the file. Every call
    also runs ``checkpoint()`` (where a pending interruption is raised)."""

    def __init__(self, path, checkpoint=None, clock=time.time, sleep=time.sleep, environ=None):
        self.path = path
        self.data = read_record(path)
        self.checkpoint = checkpoint or (lambda: None)
        self.clock, self.sleep = clock, sleep
        self.environ = os.environ if environ is None else environ

    @property
    def phase(self):
        return self.data.get('phase')

    def belongs_to(self, source_server_id):
        return self.data.get('source_server_id') == source_server_id

    def begin(self, source_server_id, rds_endpoint):
        """A new attempt: keeps the gaps of earlier attempts of the same cutover (not promoted yet)."""
        earlier = []
        if self.belongs_to(source_server_id) and self.phase not in ('promoted', 'done'):
            earlier = list(self.data.get('earlier_freezes', []))
        self.data = dict(source_server_id=source_server_id, rds=rds_endpoint, earlier_freezes=earlier, steps=[],
                         pid=os.getpid())
        self.record('preflight')

    def record(self, phase, checkpoint=True, **values):
        now = self.clock()
        self.data.update(values)
        self.data['phase'] = phase
        self.data.setdefault('steps', []).append(dict(phase=phase, at=now))
        write_durably(self.path, self.data)
        self.hold(phase)
        if checkpoint:
            self.checkpoint()
        return now

    def unfrozen(self, reason, at=None):
        """Close an attempt that gave the source back; its gap counts in the next result."""
        at = self.clock() if at is None else at
        frozen_at = self.data.get('frozen_at')
        if frozen_at is not None:
            self.data.setdefault('earlier_freezes', []).append(dict(
                frozen_at=frozen_at, unfrozen_at=at, seconds=round(at - frozen_at, 4), reason=reason))
        self.data.pop('frozen_at', None)
        self.record('unfrozen', checkpoint=False, reason=reason)

    def earlier_seconds(self):
        return round(sum(item['seconds'] for item in self.data.get('earlier_freezes', [])), 4)

    def hold(self, phase):
        wanted = self.environ.get(HOLD_VARIABLE, '')
        name, _sep, seconds = wanted.partition(':')
        if name != phase:
            return
        deadline = self.clock() + float(seconds or 30)
        while self.clock() < deadline:
            self.checkpoint()
            self.sleep(0.05)
