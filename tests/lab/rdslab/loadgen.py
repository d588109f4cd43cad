"""A steady writer: inserts rows at a fixed rate and records the id of every committed insert.

Run in the background by `labctl load start NAME`; `python -m rdslab.loadgen` is its entry point.
Refused writes (read_only, lost connection, server down) are counted and retried; the longest time
without a successful write is recorded. Ends by itself after --max-seconds, or on SIGTERM."""
import argparse
import json
import os
import signal
import subprocess
import sys
import time

import pymysql

from rdslab import config, db, instances, secrets


def _dir():
    d = config.lab_dir() / "load"
    d.mkdir(parents=True, exist_ok=True)
    return d


def files(name):
    d = _dir()
    return {"pid": d / ("%s.pid" % name), "ids": d / ("%s.ids" % name),
            "stats": d / ("%s.json" % name), "log": d / ("%s.log" % name)}


class Writer:
    def __init__(self, inst, table, rate, max_seconds, as_admin=False):
        self.inst, self.table, self.rate, self.max_seconds = inst, table, rate, max_seconds
        if as_admin:
            self.user, self.password = secrets.admin_user(inst), secrets.admin_password(inst)
        else:
            self.user, self.password = secrets.APP_USER, secrets.app_password()
        self.f = files(inst.name)
        self.stop = False
        self.conn = None
        self.stats = {"instance": inst.name, "table": table, "rate": rate, "committed": 0,
                      "failed": 0, "max_gap_seconds": 0.0, "first_id": None, "last_id": None,
                      "last_error": None, "started_at": time.time(), "ended_at": None}

    def _connect(self):
        self.conn = pymysql.connect(host=config.HOST, port=config.port(self.inst),
                                    user=self.user, password=self.password,
                                    autocommit=True, connect_timeout=3, read_timeout=10,
                                    write_timeout=10)
        db_name, table = self.table.split(".", 1)
        with self.conn.cursor() as cur:
            cur.execute("CREATE DATABASE IF NOT EXISTS `%s`" % db_name)
            cur.execute("CREATE TABLE IF NOT EXISTS `%s`.`%s` (id BIGINT NOT NULL AUTO_INCREMENT "
                        "PRIMARY KEY, payload VARCHAR(64) NOT NULL, created_at TIMESTAMP(6) NOT NULL "
                        "DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB" % (db_name, table))

    def _insert(self):
        if self.conn is None:
            self._connect()
        db_name, table = self.table.split(".", 1)
        with self.conn.cursor() as cur:
            cur.execute("INSERT INTO `%s`.`%s` (payload) VALUES (%%s)" % (db_name, table),
                        ("loadgen-%d" % os.getpid(),))
            return cur.lastrowid  # autocommit: returned means committed

    def _save(self):
        tmp = self.f["stats"].with_suffix(".tmp")
        tmp.write_text(json.dumps(self.stats))
        tmp.replace(self.f["stats"])

    def run(self):
        signal.signal(signal.SIGTERM, lambda *_: setattr(self, "stop", True))
        interval = 1.0 / self.rate
        start = last_ok = time.time()
        next_at = start
        saved_at = 0.0
        with open(self.f["ids"], "a", buffering=1) as ids:
            while not self.stop and time.time() - start < self.max_seconds:
                try:
                    row_id = self._insert()
                    ids.write("%d\n" % row_id)
                    now = time.time()
                    self.stats["committed"] += 1
                    self.stats["last_id"] = row_id
                    if self.stats["first_id"] is None:
                        self.stats["first_id"] = row_id
                    last_ok = now
                except pymysql.MySQLError as exc:
                    self.stats["failed"] += 1
                    self.stats["last_error"] = "%s: %s" % (type(exc).__name__, exc.args[:1])
                    try:
                        if self.conn is not None:
                            self.conn.close()
                    except Exception:  # noqa: BLE001 - already broken
                        pass
                    self.conn = None
                    now = time.time()
                self.stats["max_gap_seconds"] = round(max(self.stats["max_gap_seconds"], now - last_ok), 3)
                if now - saved_at > 0.5:
                    self._save()
                    saved_at = now
                next_at = max(next_at + interval, now)
                time.sleep(max(0.0, next_at - time.time()))
        self.stats["ended_at"] = time.time()
        self._save()


def start(name, rate=20.0, table="loadgen.writes", max_seconds=1800, as_admin=False):
    inst = config.get(name)
    if running(name):
        raise SystemExit("a load generator already runs on %s (pid %d)" % (name, running(name)))
    f = files(name)
    for key in ("ids", "stats"):
        f[key].unlink(missing_ok=True)
    env = dict(os.environ, PYTHONPATH=str(config.REPO / "tests" / "lab"),
               LAB_DIR=str(config.lab_dir()), LAB_PORT_BASE=str(config.port_base()))
    with open(f["log"], "ab") as log:
        proc = subprocess.Popen([config.python(), "-m", "rdslab.loadgen", name, "--rate", str(rate),
                                 "--table", table, "--max-seconds", str(max_seconds)]
                                + (["--as-admin"] if as_admin else []),
                                env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                start_new_session=True, close_fds=True)
    f["pid"].write_text("%d\n" % proc.pid)
    return proc.pid


def running(name):
    try:
        value = int(files(name)["pid"].read_text())
        with open("/proc/%d/cmdline" % value, "rb") as fh:
            cmdline = fh.read().decode(errors="replace")
    except (OSError, ValueError):
        return None
    return value if "rdslab.loadgen" in cmdline and not instances._zombie(value) else None


def stop(name, timeout=30):
    value = running(name)
    if value is None:
        return False
    os.kill(value, signal.SIGTERM)
    deadline = time.time() + timeout
    while time.time() < deadline and running(name):
        time.sleep(0.1)
    return True


def report(name):
    f = files(name)
    stats = json.loads(f["stats"].read_text()) if f["stats"].exists() else {}
    stats["running"] = running(name) is not None
    stats["ids_file"] = str(f["ids"])
    return stats


def committed_ids(name):
    path = files(name)["ids"]
    return {int(line) for line in path.read_text().split()} if path.exists() else set()


def verify(name, other, timeout=60.0):
    """Wait until every write committed on `name` is on `other`; report what is missing."""
    table = report(name).get("table", "loadgen.writes")
    ids = committed_ids(name)
    deadline = time.time() + timeout
    missing = ids
    while True:
        try:
            conn = db.root(config.get(other))
            try:
                found = {row[0] for row in db.query(conn, "SELECT id FROM %s" % table)}
            finally:
                conn.close()
            missing = ids - found
        except pymysql.MySQLError:
            pass  # the table may not have arrived yet
        if not missing or time.time() >= deadline:
            break
        time.sleep(0.5)
    return {"source": name, "replica": other, "table": table, "committed": len(ids),
            "missing": len(missing), "missing_sample": sorted(missing)[:10]}


def main(argv=None):
    ap = argparse.ArgumentParser(prog="rdslab.loadgen")
    ap.add_argument("name")
    ap.add_argument("--rate", type=float, default=20.0)
    ap.add_argument("--table", default="loadgen.writes")
    ap.add_argument("--max-seconds", type=float, default=1800)
    ap.add_argument("--as-admin", action="store_true")
    args = ap.parse_args(argv)
    Writer(config.get(args.name), args.table, args.rate, args.max_seconds, args.as_admin).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
