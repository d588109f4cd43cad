"""Helpers of the playbook tests (both directions, cutover): run a playbook on the lab, check its output."""
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RECAP = re.compile(r"^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


class Run:
    def __init__(self, proc):
        self.rc = proc.returncode
        self.output = proc.stdout + proc.stderr
        found = RECAP.findall(proc.stdout)
        self.changed = sum(int(m[2]) for m in found) if found else None
        self.failed = sum(int(m[4]) for m in found) if found else None

    def __repr__(self):
        return "rc=%s changed=%s\n%s" % (self.rc, self.changed, self.output[-6000:])


def collections_path(tmp_root):
    """A collections tree where this repository is mysql_rds.replication."""
    link = Path(tmp_root) / "ansible_collections" / "mysql_rds" / "replication"
    link.parent.mkdir(parents=True, exist_ok=True)
    if not link.exists():
        link.symlink_to(REPO)
    return str(tmp_root)


def ansible_playbook():
    candidate = Path(sys.executable).parent / "ansible-playbook"
    return str(candidate) if candidate.exists() else "ansible-playbook"


def run_playbook(lab, collections, name, *args):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_FORCE_COLOR="0",
               ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="0")
    cmd = [ansible_playbook(), "-i", str(lab.inventory_path), str(REPO / "playbooks" / name), *args]
    proc = subprocess.run(cmd, cwd=str(REPO), env=env, capture_output=True, text=True, timeout=1500, check=False)
    return Run(proc)


def lab_secrets(lab):
    """Every password the lab generated (values of $LAB_DIR/secrets.json)."""
    path = Path(lab.facts["lab_dir"]) / "secrets.json"
    found = []

    def walk(value):
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, str) and len(value) >= 8:
            found.append(value)
    walk(json.loads(path.read_text()))
    return found


def assert_no_secret(lab, run):
    leaked = [s[:3] + "..." for s in lab_secrets(lab) if s in run.output]
    assert not leaked, "secrets from secrets.json in the playbook output: %s" % leaked


def assert_no_template_error(run):
    """ansible-core warns 'Encountered N template error(s)' when it cannot template even a skipped
    task's name: noise in every user's log, and a sign of a variable used before it exists."""
    found = re.findall(r"Encountered \d+ template errors?\.?.*?(?:\n.*?){0,3}Origin: \S+", run.output)
    assert "template error" not in run.output, found or run.output[-3000:]


def slave_status(lab, conn):
    rows = lab.query(conn, "SHOW SLAVE STATUS")
    return rows[0] if rows else {}


def wait_caught_up(lab, source, replica, timeout=180, root_replica=True, until_broken=False):
    """Wait until ``replica`` executed everything ``source`` has written (load stopped); its status row.
    At the deadline the test fails; with ``until_broken`` a stopped SQL thread also ends the wait (the
    row says why)."""
    src, dst = lab.connect(source, root=True), lab.connect(replica, root=root_replica)
    try:
        deadline = time.time() + timeout
        while True:
            master = lab.query(src, "SHOW MASTER STATUS")[0]
            row = slave_status(lab, dst)
            if (row.get("Relay_Master_Log_File") == master["File"]
                    and int(row.get("Exec_Master_Log_Pos") or 0) >= int(master["Position"])):
                return row
            if until_broken and row.get("Slave_SQL_Running") != "Yes":
                return row
            if time.time() > deadline:
                pytest.fail("replica not caught up: source at %s, replica %s" % (master, row))
            time.sleep(1)
    finally:
        src.close()
        dst.close()


def strip_do_filter(lab, replica="onprem_replica"):
    """The replica_of_rds drop-in as a run without replica_of_rds_databases writes it: a subset run's
    replicate_wild_do_table lines out (`labctl reset` keeps conf.d, so the next test would get them)."""
    for dropin in Path(lab.instances[replica]["conf_dir"]).glob("*.cnf"):
        lines = dropin.read_text().splitlines(True)
        kept = [line for line in lines if not line.startswith("replicate_wild_do_table")
                and "Only the copied schemas" not in line]
        if kept != lines:
            dropin.write_text("".join(kept))


def reset_direction2(lab):
    """Fresh onprem_source and rds_target (a previous run may have promoted RDS)."""
    lab.labctl("load", "stop", "onprem_source", check=False)
    for name in ("rds_target", "onprem_source"):
        proc = lab.labctl("reset", name, check=False)
        if proc.returncode != 0:
            pytest.fail("labctl reset %s failed: %s%s" % (name, proc.stdout, proc.stderr))
    lab.labctl("inventory")


def fresh_for_three_playbooks(lab, schema):
    """A fresh onprem_replica, onprem_source and rds_target, no writer on rds_source, and rows of
    ``schema`` there for direction 1 to copy and prove: the state before both directions and the cutover."""
    lab.labctl("load", "stop", "rds_source", check=False)
    lab.labctl("reset", "onprem_replica")
    reset_direction2(lab)
    seed_rds_source(lab, schema)


def seed_rds_source(lab, schema):
    """A table with rows of its own on rds_source, for direction 1 to copy and prove, whatever other
    tests left there (a fresh lab's rds_source has no user table)."""
    conn = lab.connect("rds_source")
    try:
        for sql in ("CREATE DATABASE IF NOT EXISTS %s" % schema,
                    "CREATE TABLE IF NOT EXISTS %s.t (id INT PRIMARY KEY, v VARCHAR(8))" % schema,
                    "INSERT IGNORE INTO %s.t VALUES (1, 'one'), (2, 'two'), (3, 'three')" % schema):
            lab.query(conn, sql)
    finally:
        conn.close()


def status_row(lab, conn):
    rows = lab.query(conn, "CALL mysql.rds_replica_status()")
    return rows[0] if rows else {}
