"""CPU seconds spent during a case: the bench's child processes (ansible-playbook with its forks
and modules, the dump/load clients) and the lab's MariaDB servers. On a machine with C cores, a
case that used S CPU seconds cannot take less than S / C seconds: that floor is what bounds a
ratio when the work is CPU-bound."""
import os
import resource
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


class CpuMeter:
    """with CpuMeter(labs) as cpu: ...; then cpu.as_dict()."""

    def __init__(self, labs):
        self.labs = labs
        self.clients = self.servers = 0.0

    def __enter__(self):
        self._clients, self._servers = _children_s(), servers_s(self.labs)
        return self

    def __exit__(self, *_exc):
        self.clients = _children_s() - self._clients
        self.servers = servers_s(self.labs) - self._servers
        return False

    def as_dict(self):
        return {"clients_s": round(self.clients, 1), "servers_s": round(self.servers, 1),
                "total_s": round(self.clients + self.servers, 1), "cores": os.cpu_count()}
