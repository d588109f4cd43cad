"""CPU seconds spent during a case: the bench's child processes (ansible-playbook with its forks
and modules, the dump/load clients) and the lab's MariaDB servers. On a machine with C cores, a
case that used S CPU seconds cannot take less than S / C seconds: that floor is what bounds a
ratio when the work is CPU-bound.

rds_load_dump's action plugin runs the module detached (async, as Ansible's `async` keyword does:
the module's runner leaves the playbook's process tree). So that its CPU (and its clients') still
counts, the bench is a child subreaper (Linux): the detached runner becomes its child, and the
meter waits for it and reaps it at the end of the case."""
import ctypes
import os
import resource
import sys
import threading
import time
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _children_s():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _process_s(pid):
    try:
        fields = Path("/proc/%d/stat" % pid).read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def servers_s(labs):
    """CPU seconds of every running mariadbd of ``labs`` (each instance's mysqld.pid)."""
    total = 0.0
    for lab in labs:
        for pidfile in lab.dir.glob("*/mysqld.pid"):
            try:
                total += _process_s(int(pidfile.read_text().strip()))
            except (OSError, ValueError):
                continue
    return total


_ADOPTED = {"runners": set(), "foreign_s": 0.0, "thread": None}


def _become_subreaper():
    """Make the bench a child subreaper once, and start the thread that reaps what it adopts."""
    if _ADOPTED["thread"] is not None or not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL(None, use_errno=True).prctl(36, 1)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return
    _ADOPTED["thread"] = threading.Thread(target=_reaper, name="reaper", daemon=True)
    _ADOPTED["thread"].start()


def _children():
    found = []
    for task in Path("/proc/self/task").glob("*/children"):
        try:
            found.extend(int(pid) for pid in task.read_text().split())
        except OSError:
            continue
    return found


def _stat(pid):
    try:
        return Path("/proc/%d/stat" % pid).read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return []


def _cmdline(pid):
    try:
        return Path("/proc/%d/cmdline" % pid).read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


def _reap_once(known):
    """Reap the adopted processes that ended. An Ansible runner's CPU counts (it is the case's work);
    any other adopted process (a lab server restarted by `labctl`, which daemonizes) is reaped too,
    so that nothing waits on a zombie, but its CPU is taken off the children's figure."""
    for pid in _children():
        if pid in known:
            continue  # a child the bench started itself: subprocess waits for it
        fields = _stat(pid)
        if not fields:
            continue
        if fields[0] != "Z":
            line = _cmdline(pid)
            if "async_wrapper" in line or "AnsiballZ_" in line:
                _ADOPTED["runners"].add(pid)
            continue
        spent = sum(int(value) for value in fields[11:15]) / TICKS  # utime, stime, cutime, cstime
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            continue
        if pid in _ADOPTED["runners"]:
            _ADOPTED["runners"].discard(pid)
        else:
            _ADOPTED["foreign_s"] += spent


def _own_children():
    """The pids of the processes the bench started itself (in its process group; subprocess waits
    for them), as opposed to adopted ones (daemons start sessions of their own)."""
    group = str(os.getpgrp())
    return set(pid for pid in _children() if (_stat(pid) or [None] * 5)[3] == group)


def _reaper():
    while True:
        _reap_once(_own_children())
        time.sleep(0.2)


def reap_detached(timeout=30.0):
    """Wait (at most ``timeout`` s) until no adopted Ansible runner is left running."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        _ADOPTED["runners"] = set(pid for pid in _ADOPTED["runners"] if Path("/proc/%d" % pid).exists())
        if not _ADOPTED["runners"]:
            break
        time.sleep(0.1)
    time.sleep(0.3)  # the reaper's next pass


class CpuMeter:
    """with CpuMeter(labs) as cpu: ...; then cpu.as_dict()."""

    def __init__(self, labs):
        self.labs = labs
        self.clients = self.servers = 0.0

    def __enter__(self):
        _become_subreaper()
        self._clients, self._servers = _children_s() - _ADOPTED["foreign_s"], servers_s(self.labs)
        return self

    def __exit__(self, *_exc):
        reap_detached()
        self.clients = _children_s() - _ADOPTED["foreign_s"] - self._clients
        self.servers = servers_s(self.labs) - self._servers
        return False

    def as_dict(self):
        return {"clients_s": round(self.clients, 1), "servers_s": round(self.servers, 1),
                "total_s": round(self.clients + self.servers, 1), "cores": os.cpu_count()}
