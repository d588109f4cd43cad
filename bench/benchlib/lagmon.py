"""Samples replication lag of one target (seconds behind, and transactions behind by GTID) in a
background thread, for the PNG."""
import threading
import time

from benchlib.lab import query, scalar


def _seq_by_domain(gtid_list, server_id=None):
    out = {}
    for part in (gtid_list or "").split(","):
        bits = part.strip().split("-")
        if len(bits) == 3 and (server_id is None or int(bits[1]) == server_id):
            out[int(bits[0])] = int(bits[2])
    return out


class LagMonitor:
    def __init__(self, lab, source, target, label, interval=0.5):
        self.lab, self.source, self.target, self.label = lab, source, target, label
        self.interval = interval
        self.samples = []  # (t since start, seconds_behind or None, transactions_behind or None)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.t0 = None

    def __enter__(self):
        self.t0 = time.time()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(5)

    def _sample(self, sconn, tconn):
        src = _seq_by_domain(scalar(sconn, "SELECT @@gtid_binlog_pos"), self.lab.port(self.source))
        rows = query(tconn, "SHOW ALL SLAVES STATUS", dict_rows=True)
        behind = trx = None
        if rows:
            sbm = rows[0].get("Seconds_Behind_Master")
            behind = float(sbm) if sbm is not None else None
            applied = _seq_by_domain(scalar(tconn, "SELECT @@gtid_slave_pos"))
            if any(d in applied for d in src):  # nothing applied yet: no meaningful difference
                trx = sum(max(0, seq - applied.get(d, 0)) for d, seq in src.items())
        return behind, trx

    def _run(self):
        sconn = tconn = None
        while not self._stop.is_set():
            try:
                sconn = sconn or self.lab.connect(self.source, root=True, read_timeout=5)
                tconn = tconn or self.lab.connect(self.target, root=True, read_timeout=5)
                behind, trx = self._sample(sconn, tconn)
            except Exception:  # noqa: BLE001 - the target is being reset or restarted
                sconn = tconn = None
                behind = trx = None
            self.samples.append((round(time.time() - self.t0, 2), behind, trx))
            self._stop.wait(self.interval)

    def as_dict(self):
        return {"label": self.label, "source": self.source, "target": self.target,
                "samples": self.samples}
