# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of rds_load_dump: runs the module asynchronously (over any connection, as the
``async`` keyword does) and prints its progress while it copies.

A module cannot print while it runs, so the module writes its progress (bytes per stream, rate,
an estimated ETA: numbers and stream names only) to a file next to the async job's; this plugin
reads that file every ``progress_interval`` seconds, prints a line, and returns the module's
result once the job ends. Each read waits on the remote side (up to 2 s) for the job to end, so the
result comes back as soon as the copy ends, read from the job file itself (no async_status run).
Check mode, ``progress_interval: 0`` and a task with its own ``async`` run the module as any other
action does. When the plugin is interrupted (Ctrl-C, an error), it sends SIGTERM to the module,
which ends its clients and puts the target's settings back.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import inspect
import json
import secrets
import shlex
import time

from ansible.errors import AnsibleError
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible.vars.clean import remove_internal_keys

display = Display()

DEFAULT_INTERVAL = 30
ASYNC_LIMIT = 7 * 24 * 3600  # a copy is never cut short by the plugin (the module has its own timeouts)
SEPARATOR = '--rds-load-dump-progress--'
ALIVE = 'rds-load-dump-alive'
GONE_GRACE = 15  # seconds a module may be gone before its wrapper writes the job's result
JOB_KEYS = ('started', 'finished', 'ansible_job_id', 'results_file', 'erased')
WAIT_STEP = 0.1  # seconds between two looks at the job file while a read waits on the remote side
# The job file of a job still running (async_wrapper's first write; older ansible-core wrote 1 and 0).
RUNNING_RE = r'^[{]"started": (true|1), "finished": (false|0)'


def _size(count):
    for unit in ('B', 'KB', 'MB', 'GB', 'TB'):
        if abs(count) < 1000 or unit == 'TB':
            return ('%d %s' if unit == 'B' else '%.1f %s') % (count, unit)
        count /= 1000.0
    return str(count)


def progress_line(host, data):
    """One line of progress from the module's progress file."""
    done, size = int(data.get('bytes') or 0), int(data.get('size_estimate') or 0)
    text = '%s: copied %s' % (host, _size(done))
    if size:
        text += ' of ~%s (%d%%)' % (_size(size), min(100, int(100.0 * done / size)))
    text += ', ~%d rows, %s/s, %ss' % (int(data.get('rows') or 0), _size(int(data.get('rate') or 0)),
                                       data.get('seconds'))
    if data.get('eta_seconds') is not None:
        text += ', ETA ~%ss' % int(data['eta_seconds'])
    streams = [item for item in data.get('streams') or [] if not item.get('done')]
    if streams:
        text += '; running: ' + ', '.join('%s %s' % (item.get('name'), _size(int(item.get('bytes') or 0)))
                                          for item in streams)
    phase = data.get('phase')
    if phase:
        text += '; %s (%ss)' % (phase.get('name'), phase.get('seconds'))
    return 'rds_load_dump progress ' + text


class ActionModule(ActionBase):
    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        args = dict(self._task.args)
        try:
            interval = int(args.get('progress_interval', DEFAULT_INTERVAL))
        except (TypeError, ValueError):
            interval = 0  # the module says what is wrong with it
        check_mode = self._task.check_mode or getattr(self._play_context, 'check_mode', False)
        if (check_mode or self._task.async_val or interval <= 0 or args.get('progress_path')
                or self._connection.has_native_async):
            wrap_async = bool(self._task.async_val) and not self._connection.has_native_async
            result.update(self._execute_module(task_vars=task_vars, wrap_async=wrap_async))
            if not wrap_async:
                self._remove_tmp_path(self._connection._shell.tmpdir)
            return result
        result.update(self._copy(args, interval, task_vars))
        return result

    def _copy(self, args, interval, task_vars):
        async_dir = self.get_shell_option('async_dir', default='~/.ansible_async')
        args['progress_path'] = '%s/rds_load_dump.%d.progress' % (async_dir, secrets.randbelow(10 ** 12))
        self._task.async_val = ASYNC_LIMIT
        try:
            started = self._execute_module(module_args=args, task_vars=task_vars, wrap_async=True)
        finally:
            self._task.async_val = 0
        jid = started.get('ansible_job_id')
        if started.get('failed') or not jid:
            return started
        job_file = started.get('results_file') or '%s/%s' % (async_dir, jid)
        try:
            job = self._poll(job_file, args['progress_path'], interval, task_vars)
        except BaseException:
            self._stop_module(args['progress_path'])
            raise
        if job and job.strip():
            data = self._job_result(job)
        else:  # not read (cannot happen once finished): ask async_status, as the async keyword would
            data = self._execute_module(module_name='ansible.legacy.async_status', task_vars=task_vars,
                                        module_args=dict(jid=jid, mode='status', _async_dir=async_dir))
            self._remove_tmp_path(self._connection._shell.tmpdir)
        self._run('rm -f %s %s' % (self._quote(job_file), self._quote(args['progress_path'])))
        for key in JOB_KEYS:
            data.pop(key, None)
        for key in ('stdout', 'stderr', 'stdout_lines', 'stderr_lines'):
            if not data.get(key):
                data.pop(key, None)
        return data

    def _quote(self, path):
        if path.startswith('~/'):
            return '~/' + shlex.quote(path[2:])  # the remote shell expands the home of the user that runs the module
        return shlex.quote(path)

    def _run(self, command):
        return self._low_level_execute_command(command, sudoable=True)

    def _job_result(self, job):
        """The module's result from its finished job file, parsed as a module's output (what
        async_status would print, without running it)."""
        res = dict(stdout=job, stderr='', rc=0)
        if 'profile' in inspect.signature(self._parse_returned_data).parameters:
            data = self._parse_returned_data(res, 'legacy')  # ansible-core 2.19+: the module's serialization profile
        else:
            data = self._parse_returned_data(res)
        remove_internal_keys(data)
        return data

    def _read(self, job_file, progress_path, pid=0, wait=0.0):
        """(job finished, progress data or None, module alive, job file text): one remote command,
        which first waits up to ``wait`` seconds for the job to end."""
        waiting = ''
        if wait > 0:
            waiting = ('n=0; while [ $n -lt %d ] && grep -Eqs %s %s; do sleep %s 2>/dev/null || sleep 1; n=$((n+1)); '
                       'done; ' % (int(wait / WAIT_STEP), shlex.quote(RUNNING_RE), self._quote(job_file), WAIT_STEP))
        alive = ('kill -0 %d 2>/dev/null && echo %s; ' % (pid, ALIVE)) if pid > 1 else ''
        res = self._run('%s%scat %s 2>/dev/null; echo; echo %s; cat %s 2>/dev/null'
                        % (waiting, alive, self._quote(job_file), SEPARATOR, self._quote(progress_path)))
        job, _sep, progress = (res.get('stdout') or '').partition(SEPARATOR)
        is_alive = pid <= 1 or job.startswith(ALIVE)
        if job.startswith(ALIVE):
            job = job[len(ALIVE):]
        try:
            finished = not json.loads(job).get('started', False) or bool(json.loads(job).get('finished'))
        except ValueError:
            finished = False  # not written yet, or being written
        try:
            data = json.loads(progress) if progress.strip() else None
        except ValueError:
            data = None
        return finished, data, is_alive, job

    def _poll(self, job_file, progress_path, interval, task_vars):
        """Wait for the job to end, printing progress lines; returns the finished job file's text."""
        host = task_vars.get('inventory_hostname', '') if task_vars else ''
        check_every = min(2.0, float(interval))
        last_line = time.time()
        pid, gone_since = 0, None
        while True:
            asked = time.time()
            finished, data, alive, job = self._read(job_file, progress_path, pid, wait=check_every)
            if finished:
                return job
            left = check_every - (time.time() - asked)
            if left > 0:  # the remote side did not wait (no job file yet)
                time.sleep(left)
            pid = int((data or {}).get('pid') or pid or 0)
            # The module gone without a result (its async wrapper killed too): no endless wait.
            gone_since = None if alive else (gone_since or time.time())
            if gone_since and time.time() - gone_since > GONE_GRACE:
                raise AnsibleError('the copy (rds_load_dump, pid %d) ended without a result: it was killed, '
                                   'maybe with its async wrapper. Run the task again: it resumes or reloads '
                                   'and says which.' % pid)
            if time.time() - last_line >= interval - check_every / 2.0:
                last_line = time.time()
                if data:
                    display.display(progress_line(host, data))

    def _stop_module(self, progress_path):
        """SIGTERM to the module (its pid is in its progress file), so that it cleans up as on a signal."""
        try:
            _finished, data, _alive, _job = self._read('/dev/null', progress_path)
            if data and int(data.get('pid') or 0) > 1:
                self._run('kill -TERM %d' % int(data['pid']))
        except (AnsibleError, ValueError, TypeError):
            pass
