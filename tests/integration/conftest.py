"""Fixtures for tests that run against the lab (tests/lab). Import-free: pytest finds them.

`lab` (session): brings the lab up unless it already runs and returns a `Lab` built from
$LAB_DIR/inventory.yml: `lab.instances[name]` (host, port, socket, admin_user, admin_password, ...),
`lab.aws`, `lab.connect(name, root=False)`, `lab.query(conn, sql)` (rows as dicts), `lab.labctl(*args)`.
"""
import os
import subprocess
from pathlib import Path

import pymysql
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
LABCTL = REPO / "tests" / "lab" / "labctl"


class Lab:
    def __init__(self, inventory_path):
        self.inventory_path = inventory_path
        self.inventory = yaml.safe_load(inventory_path.read_text())
        self.facts = self.inventory["all"]["vars"]
        self.instances = self.facts["lab_instances"]
        self.aws = self.facts["lab_aws"]
        self.tls_dir = Path(self.facts["lab_tls_dir"])

    def connect(self, name, root=False, **kw):
        """PyMySQL connection: root@localhost by unix socket, or the admin user over TCP."""
        info = self.instances[name]
        kw.setdefault("autocommit", True)
        kw.setdefault("connect_timeout", 5)
        if root:
            return pymysql.connect(unix_socket=info["socket"], user="root", **kw)
        return pymysql.connect(host=info["host"], port=info["port"], user=info["admin_user"],
                               password=info["admin_password"], **kw)

    @staticmethod
    def query(conn, sql, args=None):
        return query(conn, sql, args)

    def labctl(self, *args, check=True):
        return subprocess.run([str(LABCTL), *args], capture_output=True, text=True, check=check,
                              env=lab_env())


def lab_env():
    env = dict(os.environ)
    env.setdefault("LAB_DIR", str(REPO / ".lab"))
    env.setdefault("LAB_PORT_BASE", "13300")
    return env


def query(conn, sql, args=None):
    """Run one statement; return its rows as dicts (every result set of a CALL is drained)."""
    with conn.cursor(pymysql.cursors.DictCursor) as cur:
        cur.execute(sql, args)
        rows = list(cur.fetchall())
        while cur.nextset():
            pass
        return rows


@pytest.fixture(scope="session")
def lab():
    env = lab_env()
    # `up` re-provisions (it would silently repair what a test should see), so only when needed
    status = subprocess.run([str(LABCTL), "status"], capture_output=True, text=True, check=False, env=env)
    inventory = Path(env["LAB_DIR"]) / "inventory.yml"
    if status.returncode == 0 and inventory.exists():
        return Lab(inventory)
    up = subprocess.run([str(LABCTL), "up"], capture_output=True, text=True, check=False, env=env)
    if up.returncode != 0:
        pytest.fail("labctl up failed:\n%s%s" % (up.stdout, up.stderr))
    return Lab(Path(env["LAB_DIR"]) / "inventory.yml")


def pytest_collection_modifyitems(config, items):
    """INTEGRATION_SHARD=i/n: only this process's share of the files (tests/integration/sharding.py)."""
    import sharding
    sharding.select(config, items, Path(__file__).resolve().parent)
