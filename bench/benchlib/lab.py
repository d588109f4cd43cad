"""The bench's own lab: labctl calls, instance facts, connections and client option files."""
import os
import shutil
import subprocess
from pathlib import Path

import pymysql
import yaml

REPO = Path(__file__).resolve().parents[2]
LABCTL = REPO / "tests" / "lab" / "labctl"


class Lab:
    def __init__(self, lab_dir, port_base, python):
        self.dir = Path(lab_dir)
        self.port_base = port_base
        self.python = python
        self.env = dict(os.environ, LAB_DIR=str(self.dir), LAB_PORT_BASE=str(port_base),
                        LAB_PYTHON=python)
        self.facts = None

    def labctl(self, *args, check=True):
        res = subprocess.run([str(LABCTL), *args], capture_output=True, text=True, env=self.env,
                             check=False)
        if check and res.returncode != 0:
            raise RuntimeError("labctl %s failed (%d):\n%s%s"
                               % (" ".join(args), res.returncode, res.stdout, res.stderr))
        return res

    def up(self, fresh=False):
        """`fresh`: wipe a lab left by an earlier run first (a cutover leaves the source read_only
        and replicating from RDS; a first playbook run must meet first-run state)."""
        if fresh and self.dir.exists():
            if self.dir.resolve() == (REPO / ".lab").resolve() or not (self.dir / "secrets.json").exists():
                raise RuntimeError("%s is not a bench lab: refusing to wipe it" % self.dir)
            self.labctl("down", check=False)
            shutil.rmtree(self.dir)
        self.labctl("up")
        self.reload()

    def reload(self):
        self.facts = yaml.safe_load(self.inventory.read_text())["all"]["vars"]

    @property
    def inventory(self):
        return self.dir / "inventory.yml"

    def info(self, name):
        return self.facts["lab_instances"][name]

    def port(self, name):
        return self.info(name)["port"]

    def reset(self, name):
        self.labctl("reset", name)

    def connect(self, name, root=False, user=None, password=None, **kw):
        """root by unix socket (the bench observing), or a TCP account (admin by default)."""
        info = self.info(name)
        kw.setdefault("autocommit", True)
        kw.setdefault("connect_timeout", 5)
        if root:
            return pymysql.connect(unix_socket=info["socket"], user="root", **kw)
        return pymysql.connect(host=info["host"], port=info["port"],
                               user=user or info["admin_user"],
                               password=info["admin_password"] if password is None else password, **kw)

    def client_cnf(self, name):
        """A [client] option file for the admin account (keeps passwords off command lines)."""
        info = self.info(name)
        path = self.dir / "bench" / ("%s.cnf" % name)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write("[client]\nhost=%s\nport=%d\nuser=%s\npassword=%s\n"
                     % (info["host"], info["port"], info["admin_user"], info["admin_password"]))
        return str(path)

    @property
    def ca(self):
        return str(Path(self.facts["lab_tls_dir"]) / "ca.pem")


def query(conn, sql, args=None, dict_rows=False):
    """Run one statement; drain every result set (CALL) and return the first one's rows."""
    with conn.cursor(pymysql.cursors.DictCursor if dict_rows else pymysql.cursors.Cursor) as cur:
        cur.execute(sql, args)
        rows = list(cur.fetchall())
        while cur.nextset():
            pass
        return rows


def scalar(conn, sql, args=None):
    rows = query(conn, sql, args)
    return rows[0][0] if rows else None
