"""Cutover under load: the application's writers run while cutover_to_rds.yml promotes RDS; then the
longest write gap, lost writes (ids acknowledged anywhere but missing on RDS), checksums, and the
cutover report's own figures (window, backlog at the freeze)."""
import datetime
import json
import time

from benchlib import playbook, replication
from benchlib.appwriter import AppWriter
from benchlib.cpu import CpuMeter
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


# what the bench keeps of the role's JSON report (cutover_to_rds_report_path)
REPORT_KEYS = ("result", "window_seconds", "unavailable_seconds", "earlier_freezes",
               "backlog_at_freeze", "lag_at_preflight", "timeline", "final_position",
               "rds_executed", "sessions_killed", "checksums")


def _role_report(path):
    try:
        report = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        return {"error": "no cutover report at %s: %s" % (path, exc)}
    return {k: report.get(k) for k in REPORT_KEYS}


def _step_at(report, step, t0):
    """When the report's ``step`` happened, in seconds since ``t0`` (epoch), or None."""
    for entry in report.get("timeline") or []:
        if entry.get("step") == step:
            at = datetime.datetime.strptime(entry["at"], "%Y-%m-%dT%H:%M:%S.%fZ")
            return at.replace(tzinfo=datetime.timezone.utc).timestamp() - t0
    return None


def _number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def run(lab, source, target, databases, app_password, workdir, rate, app_switch="promoted",
        writers=1, warmup=3.0, tail=3.0):
    result = {"source": source, "target": target, "rate": rate, "writers": writers,
              "app_switch": app_switch}
    _ensure_app_user_on_target(lab, target, app_password)
    writer = AppWriter(lab, source, target, app_password, rate=rate,
                       switch_on_promotion=app_switch == "promoted", writers=writers)
    report_path = workdir / "cutover_report.json"
    with LagMonitor(lab, source, target, "cutover") as lag:
        writer.start()
        time.sleep(warmup)
        started = time.time() - writer.t0
        with CpuMeter([lab]) as cpu:
            pb = playbook.run(lab, "cutover_to_rds.yml", workdir / "cutover.log",
                              extra_vars={"cutover_to_rds_report_path": report_path})
        ended = time.time() - writer.t0
        writer.switch_allowed.set()
        time.sleep(tail)
        writer.stop()
    report = _role_report(report_path)
    frozen_at = _step_at(report, "freeze_read_only", writer.t0)
    opened_at = _step_at(report, "rds_open", writer.t0)
    result.update(playbook=pb, writer=writer.summary(), lag=lag.as_dict(), cpu=cpu.as_dict(),
                  playbook_window_s=[round(started, 2), round(ended, 2)],
                  timeline=writer.timeline, cutover_report=report,
                  window_at_s=None if frozen_at is None or opened_at is None else [
                      round(frozen_at, 3), round(opened_at, 3)],
                  max_gap_across_window_s=None if frozen_at is None or opened_at is None else
                  writer.gap_across(frozen_at, opened_at),
                  window_s=_number(report.get("window_seconds")),
                  unavailable_s=_number(report.get("unavailable_seconds")),
                  backlog_at_freeze_bytes=report.get("backlog_at_freeze"),
                  # the rate the writers sustained before the playbook began (the lab is shared)
                  achieved_rate_before=writer.achieved_rate(0.5, started),
                  achieved_rate_during=writer.achieved_rate(started, ended),
                  commits_per_second=writer.commits_per_second())
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
