"""File locks under $LAB_DIR/locks/ so that labctl processes running at once do not collide.

`instance(inst)` is held while an instance is stopped, wiped, created or started (up, reset,
restart); `read_replica()` while rds_read_replica is (re)built from or checked against rds_source,
which touches both instances. Order: `read_replica()` before `instance(...)`, never the reverse.
flock(2) locks die with their process, so a killed labctl leaves nothing to clean up."""
import contextlib
import fcntl
import os

from rdslab import config


@contextlib.contextmanager
def hold(name):
    d = config.lab_dir() / "locks"
    d.mkdir(parents=True, exist_ok=True)
    fd = os.open(str(d / ("%s.lock" % name)), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def instance(inst):
    return hold("instance-%s" % inst.name)


def read_replica():
    return hold("read-replica")
