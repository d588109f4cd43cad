"""The application during the cutover: `writers` threads insert at `rate` inserts/s in total (each
at rate/writers), each on its own connection, as an account without SUPER or READ_ONLY ADMIN,
through one shared "router" that sends writes to the source until the source refuses them and the
target has been promoted (replication from the source gone, read_only OFF), then to the target;
like a proxy that follows the writable primary. Records every committed id, the longest time a
writer went without a successful write, and the longest time no writer had one.

Like an application's connection pool, a writer keeps its connection when a statement is refused
(read_only) and makes a new one only when the router moved or the connection broke; the router
keeps its monitoring connection. Every connection shares one TLS context: PyMySQL otherwise builds a
context per connection (it loads the system CA store, about 25 ms of CPU holding the GIL), which
made the bench's own reconnects at the switch, serialized across 8 writer threads on 2 cores,
the larger part of the measured write gap."""
import bisect
import ssl
import threading
import time

import pymysql

from benchlib.data import APP_DB, APP_USER
from benchlib.lab import query

# Client errors (CR_*, 2000+) and the server's "connection killed" (ER_CONNECTION_KILLED): the
# connection is gone. Any other error is a refused statement on a usable connection.
CONNECTION_KILLED = 1927


def tls_context():
    """What PyMySQL's default ("preferred") TLS uses, built once: encrypted, no verification."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def connection_lost(exc, conn):
    code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
    return conn is None or not conn.open or code is None or code >= 2000 or code == CONNECTION_KILLED


class _Writer:
    """One application connection, paced at its share of the rate."""

    def __init__(self, app, index, rate):
        self.app, self.index, self.rate = app, index, rate
        self.conn = self.conn_to = None
        self.ok_times = []  # seconds since t0 of every successful write
        self.max_gap = 0.0
        self.gap_at = None
        self.slow = []  # attempts that failed or took over 50 ms: (start, end, server, error, connect s)
        self.connect_s = None  # the current attempt's connect, when it made one
        self.thread = threading.Thread(target=self.run, name="appwriter-%d" % index, daemon=True)

    def _close(self):
        try:
            if self.conn is not None:
                self.conn.close()
        except Exception:  # noqa: BLE001 - already broken
            pass
        self.conn = self.conn_to = None

    def _insert(self, server):
        if self.conn is not None and self.conn_to != server:
            self._close()  # the router moved: drop the connection to the old primary
        if self.conn is None:
            began = time.time()
            self.conn = self.app.lab.connect(server, user=APP_USER, password=self.app.password,
                                             connect_timeout=2, read_timeout=5, write_timeout=5,
                                             ssl=self.app.tls)
            self.conn_to = server
            self.connect_s = round(time.time() - began, 3)
        with self.conn.cursor() as cur:
            cur.execute("INSERT INTO `%s`.writes (payload) VALUES ('bench-app')" % APP_DB)
            return cur.lastrowid

    def run(self):
        app = self.app
        interval = 1.0 / self.rate
        # the writers start spread over one interval, not all at once; gaps count from the first
        # success (not from the first connection)
        last_ok = None
        next_at = app.t0 + interval * self.index / max(1, len(app.writers))
        app.stop_event.wait(max(0.0, next_at - time.time()))
        while not app.stop_event.is_set():
            server, began, error, self.connect_s = app.current, time.time(), None, None
            try:
                row_id = self._insert(server)
                ok, now = True, time.time()
                app.record_ok(server, row_id)
                self.ok_times.append(now - app.t0)
            except pymysql.MySQLError as exc:
                ok, now, error = False, time.time(), exc.args[0] if exc.args else type(exc).__name__
                app.record_failure(server, exc, now)
                if connection_lost(exc, self.conn):
                    self._close()
                app.maybe_switch(now)
            if (error is not None or now - began > 0.05) and len(self.slow) < 200:
                self.slow.append((round(began - app.t0, 3), round(now - app.t0, 3), server, error,
                                  self.connect_s))
            # the gap runs from the last success to this attempt: to the next success, or (still
            # failing) to now; measured before last_ok moves
            if last_ok is not None and now - last_ok > self.max_gap:
                self.max_gap, self.gap_at = now - last_ok, round(last_ok - app.t0, 3)
            if ok:
                last_ok = now
            next_at = max(next_at + interval, now)
            app.stop_event.wait(max(0.0, next_at - time.time()))


class AppWriter:
    def __init__(self, lab, source, target, password, rate=50.0, switch_on_promotion=True,
                 writers=1):
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
        self.timeline = []  # (t, 0) of every failed write (the PNG marks them)
        self.stop_event = threading.Event()
        self._lock = threading.Lock()  # the records
        self._router = threading.Lock()  # the promotion check (a query: never under _lock)
        self._checked_at = 0.0
        self._monitor = None  # the router's connection to the target
        self.checks = []  # every promotion check: (start, end, promoted), s since t0
        self.tls = tls_context()
        self.t0 = None
        self.writers = [_Writer(self, i, rate / writers) for i in range(max(1, writers))]

    def start(self):
        self.t0 = time.time()
        for w in self.writers:
            w.thread.start()

    def stop(self):
        self.stop_event.set()
        for w in self.writers:
            w.thread.join(15)
        if self._monitor is not None:
            self._monitor.close()

    def record_ok(self, server, row_id):
        with self._lock:
            self.committed[server].append(row_id)

    def record_failure(self, server, exc, now):
        key = "%s: %s" % (server, exc.args[0] if exc.args else type(exc).__name__)
        with self._lock:
            self.failed += 1
            self.errors[key] = self.errors.get(key, 0) + 1
            self.timeline.append((round(now - self.t0, 3), 0))

    def target_promoted(self):
        """What the router watches (with its own monitoring account, root here)."""
        if self._monitor is None:
            self._monitor = self.lab.connect(self.target, root=True, connect_timeout=2, read_timeout=3,
                                             ssl=self.tls)
        try:
            rows = query(self._monitor, "SHOW ALL SLAVES STATUS", dict_rows=True)
            from_source = [r for r in rows if int(r["Master_Port"]) == self.lab.port(self.source)
                           and (r["Slave_IO_Running"] != "No" or r["Slave_SQL_Running"] != "No")]
            read_only = query(self._monitor, "SELECT @@read_only")[0][0]
        except pymysql.MySQLError:
            self._monitor.close()
            self._monitor = None
            raise
        return not from_source and not read_only

    def maybe_switch(self, now):
        """One router for every writer: checked at most every 50 ms, by one writer at a time."""
        if self.current != self.source or not self.switch_allowed.is_set():
            return
        if not self._router.acquire(blocking=False):
            return
        try:
            if self.current != self.source or now - self._checked_at < 0.05:
                return
            self._checked_at = now
            began, promoted = time.time(), None
            try:
                promoted = self.target_promoted()
                if promoted:
                    self.current, self.switched_at = self.target, round(now - self.t0, 3)
            except pymysql.MySQLError:
                pass
            if len(self.checks) < 200:
                self.checks.append((round(began - self.t0, 3), round(time.time() - self.t0, 3), promoted))
        finally:
            self._router.release()

    def _gaps(self):
        """Longest time no writer had a successful write, and when it began."""
        times = sorted(t for w in self.writers for t in w.ok_times)
        best, at = 0.0, None
        for prev, t in zip(times, times[1:]):
            if t - prev > best:
                best, at = t - prev, prev
        return round(best, 3), None if at is None else round(at, 3)

    def gap_across(self, start, end):
        """The longest time a writer went without a successful write, of the gaps that overlap
        ``start``..``end`` (s since t0): the gap the cutover's window made, where the longest gap of
        the run may be a stall of the machine elsewhere."""
        worst = None
        for w in self.writers:
            i = max(1, bisect.bisect_right(w.ok_times, start))
            while i < len(w.ok_times) and w.ok_times[i - 1] < end:
                worst = max(worst or 0.0, w.ok_times[i] - w.ok_times[i - 1])
                i += 1
        return None if worst is None else round(worst, 3)

    def commits_per_second(self):
        """Successful writes in each second since the start (all writers)."""
        counts = {}
        for w in self.writers:
            for t in w.ok_times:
                counts[int(t)] = counts.get(int(t), 0) + 1
        return [counts.get(s, 0) for s in range(max(counts) + 1)] if counts else []

    def achieved_rate(self, start_s, end_s):
        n = sum(1 for w in self.writers for t in w.ok_times if start_s <= t < end_s)
        return round(n / (end_s - start_s), 1) if end_s > start_s else None

    def summary(self):
        worst = max(self.writers, key=lambda w: w.max_gap)
        all_gap, all_gap_at = self._gaps()
        return {"rate": self.rate, "writers": len(self.writers),
                "committed_on_source": len(self.committed[self.source]),
                "committed_on_target": len(self.committed[self.target]), "failed": self.failed,
                "errors": self.errors, "switched_to_target_at_s": self.switched_at,
                "max_gap_s": round(worst.max_gap, 3), "max_gap_starts_at_s": worst.gap_at,
                "max_gap_writer": worst.index,
                "max_gap_all_writers_s": all_gap, "max_gap_all_writers_starts_at_s": all_gap_at,
                # to place the gaps on the cutover's timeline (its steps carry UTC times)
                "t0_epoch": self.t0, "promotion_checks": self.checks,
                "per_writer": [{"index": w.index, "max_gap_s": round(w.max_gap, 3), "gap_at": w.gap_at,
                                "slow_attempts": w.slow} for w in self.writers]}
