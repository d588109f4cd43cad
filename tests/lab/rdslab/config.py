"""Names, ports and paths of the lab (see docs/design.md, "The lab")."""
import os
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
LABCTL = REPO / "tests" / "lab" / "labctl"
HOST = "127.0.0.1"
AWS_REGION = "us-east-1"
AWS_KEY = "testing"


@dataclass(frozen=True)
class Instance:
    name: str
    offset: int
    kind: str  # "rds" or "onprem"
    aws_id: str = ""

    @property
    def is_rds(self):
        return self.kind == "rds"


INSTANCES = [
    Instance("rds_source", 1, "rds", "lab-rds-source"),
    Instance("rds_read_replica", 2, "rds", "lab-rds-read-replica"),
    Instance("onprem_replica", 3, "onprem"),
    Instance("onprem_source", 4, "onprem"),
    Instance("rds_target", 5, "rds", "lab-rds-target"),
]
BY_NAME = {i.name: i for i in INSTANCES}
READ_REPLICA = ("rds_read_replica", "rds_source")  # (replica, its source)
MOTO_OFFSET = 10


def lab_dir():
    return Path(os.environ.get("LAB_DIR") or REPO / ".lab").resolve()


def port_base():
    return int(os.environ.get("LAB_PORT_BASE") or 13300)


def port(inst):
    return port_base() + inst.offset


def moto_port():
    return port_base() + MOTO_OFFSET


def moto_url():
    return "http://%s:%d" % (HOST, moto_port())


def python():
    return os.environ.get("LAB_PYTHON") or sys.executable


def get(name):
    try:
        return BY_NAME[name]
    except KeyError:
        raise SystemExit("unknown instance %r (one of: %s)" % (name, ", ".join(BY_NAME)))


class Paths:
    """Files of one instance under $LAB_DIR/<name>/."""

    def __init__(self, inst):
        self.root = lab_dir() / inst.name
        self.data = self.root / "data"
        self.socket = self.root / "mysqld.sock"
        self.pidfile = self.root / "mysqld.pid"
        self.error_log = self.root / "error.log"
        self.cnf = self.root / "my.cnf"
        self.conf_d = self.root / "conf.d"
        self.tmp = self.root / "tmp"


def tls_dir():
    return lab_dir() / "tls"
