"""The application during the cutover: inserts at a fixed rate as an account without SUPER or
READ_ONLY ADMIN, through a "router" that sends writes to the source until the source refuses them
and the target has been promoted (replication from the source gone, read_only OFF), then to the
target; like a proxy that follows the writable primary. Records every committed id and the longest
time without a successful write."""
import threading
import time

import pymysql

from benchlib.data import APP_DB, APP_USER
from benchlib.lab import query


class AppWriter:
    def __init__(self, lab, source, target, password, rate=50.0, switch_on_promotion=True):
        self.lab, self.source, self.target, self.password = lab, source, target, password
        self.rate = rate
        # False: the router may only move to RDS once the cutover playbook has ended (allow_switch)
        self.switch_allowed = threading.Event()
        if switch_on_promotion:
            self.switch_allowed.set()
        self.current = source
        self.committed = {source: [], target: []}
        self.failed = 0
        self.errors = {}
        self.switched_at = None
        self.max_gap = 0.0
        self.gap_at = None
        self.timeline = []  # (t, 1 ok / 0 failed)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._conn = None
        self._checked_at = 0.0
        self.t0 = None

    def start(self):
        self.t0 = time.time()
        self._thread.start()

    def stop(self):
        self._stop.set()
        self._thread.join(15)

    def _insert(self):
        if self._conn is None:
            self._conn = self.lab.connect(self.current, user=APP_USER, password=self.password,
                                          connect_timeout=2, read_timeout=5, write_timeout=5)
        with self._conn.cursor() as cur:
            cur.execute("INSERT INTO `%s`.writes (payload) VALUES ('bench-app')" % APP_DB)
            return cur.lastrowid

    def target_promoted(self):
        """What the router watches (with its own monitoring account, root here)."""
        conn = self.lab.connect(self.target, root=True, connect_timeout=2, read_timeout=3)
        try:
            rows = query(conn, "SHOW ALL SLAVES STATUS", dict_rows=True)
            from_source = [r for r in rows if int(r["Master_Port"]) == self.lab.port(self.source)
                           and (r["Slave_IO_Running"] != "No" or r["Slave_SQL_Running"] != "No")]
            read_only = query(conn, "SELECT @@read_only")[0][0]
            return not from_source and not read_only
        finally:
            conn.close()

    def _maybe_switch(self, now):
        if (self.current != self.source or now - self._checked_at < 0.05
                or not self.switch_allowed.is_set()):
            return
        self._checked_at = now
        try:
            if self.target_promoted():
                self.current, self.switched_at = self.target, round(now - self.t0, 3)
                self._close()
        except pymysql.MySQLError:
            pass

    def _close(self):
        try:
            if self._conn is not None:
                self._conn.close()
        except Exception:  # noqa: BLE001 - already broken
            pass
        self._conn = None

    def _run(self):
        interval = 1.0 / self.rate
        last_ok = next_at = self.t0
        while not self._stop.is_set():
            try:
                row_id = self._insert()
                now = time.time()
                self.committed[self.current].append(row_id)
                last_ok = now
                self.timeline.append((round(now - self.t0, 3), 1))
            except pymysql.MySQLError as exc:
                now = time.time()
                self.failed += 1
                key = "%s: %s" % (self.current, exc.args[0] if exc.args else type(exc).__name__)
                self.errors[key] = self.errors.get(key, 0) + 1
                self.timeline.append((round(now - self.t0, 3), 0))
                self._close()
                self._maybe_switch(now)
            if now - last_ok > self.max_gap:
                self.max_gap, self.gap_at = now - last_ok, round(last_ok - self.t0, 3)
            next_at = max(next_at + interval, now)
            self._stop.wait(max(0.0, next_at - time.time()))

    def summary(self):
        return {"rate": self.rate, "committed_on_source": len(self.committed[self.source]),
                "committed_on_target": len(self.committed[self.target]), "failed": self.failed,
                "errors": self.errors, "switched_to_target_at_s": self.switched_at,
                "max_gap_s": round(self.max_gap, 3), "max_gap_starts_at_s": self.gap_at}
