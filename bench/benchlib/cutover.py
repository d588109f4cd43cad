"""Cutover under load: the application writer runs while cutover_to_rds.yml promotes RDS; then the
longest write gap, lost writes (ids acknowledged anywhere but missing on RDS) and checksums."""
import time

from benchlib import playbook, replication
from benchlib.appwriter import AppWriter
from benchlib.data import APP_DB, APP_USER
from benchlib.lab import query
from benchlib.lagmon import LagMonitor


def _ensure_app_user_on_target(lab, target, password):
    """Accounts are not part of the seed (no mysql schema): create the application's on RDS."""
    conn = lab.connect(target)
    try:
        u = "%s@'%%'" % conn.escape(APP_USER)
        query(conn, "CREATE USER IF NOT EXISTS %s IDENTIFIED BY %s" % (u, conn.escape(password)))
        query(conn, "GRANT SELECT, INSERT ON `%s`.* TO %s" % (APP_DB, u))
    finally:
        conn.close()


def _ids_on(lab, name):
    conn = lab.connect(name, root=True)
    try:
        return {row[0] for row in query(conn, "SELECT id FROM `%s`.writes" % APP_DB)}
    finally:
        conn.close()


def _checksums_converge(lab, source, target, databases, timeout=30):
    deadline = time.time() + timeout
    while True:
        equal, diff = replication.checksum_equal(lab, source, target, databases)
        if equal or time.time() > deadline:
            return equal, diff
        time.sleep(1)


def run(lab, source, target, databases, app_password, workdir, rate, app_switch="promoted",
        warmup=3.0, tail=3.0):
    result = {"source": source, "target": target, "rate": rate, "app_switch": app_switch}
    _ensure_app_user_on_target(lab, target, app_password)
    writer = AppWriter(lab, source, target, app_password, rate=rate,
                       switch_on_promotion=app_switch == "promoted")
    with LagMonitor(lab, source, target, "cutover") as lag:
        writer.start()
        time.sleep(warmup)
        started = time.time() - writer.t0
        pb = playbook.run(lab, "cutover_to_rds.yml", workdir / "cutover.log")
        ended = time.time() - writer.t0
        writer.switch_allowed.set()
        time.sleep(tail)
        writer.stop()
    result.update(playbook=pb, writer=writer.summary(), lag=lag.as_dict(),
                  playbook_window_s=[round(started, 2), round(ended, 2)],
                  timeline=writer.timeline)
    committed = set(writer.committed[source]) | set(writer.committed[target])
    try:
        on_target = _ids_on(lab, target)
        result["lost_writes"] = len(committed - on_target)
        result["lost_ids_sample"] = sorted(committed - on_target)[:20]
        equal, diff = _checksums_converge(lab, source, target, databases)
        result["checksums_equal"], result["checksum_diff"] = equal, diff[:10]
    except Exception as exc:  # noqa: BLE001 - reported, not fatal to the other benchmarks
        result["verify_error"] = str(exc)
    result["ok"] = bool(pb.get("ok")) and result.get("lost_writes") == 0 and bool(
        result.get("checksums_equal")) and writer.switched_at is not None
    if not pb.get("ok"):
        result["error"] = "cutover_to_rds.yml failed: %s" % pb.get("error")
    elif writer.switched_at is None:
        result["error"] = "the writer never saw the target promoted (still replicating or read_only)"
    return result
