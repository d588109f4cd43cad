"""Summary (ratios against the goals), the Markdown table and the lag PNG."""
import os
import platform
import subprocess


def host_facts():
    load = os.getloadavg()
    try:
        ps = subprocess.run(["ps", "-eo", "comm"], capture_output=True, text=True,
                            check=False).stdout.split()
    except OSError:
        ps = []
    return {"cpus": os.cpu_count(), "loadavg_at_start": [round(x, 2) for x in load],
            "mariadbd_running_at_start": ps.count("mariadbd"), "python": platform.python_version()}


def one_line(value):
    if not value.get("ok"):
        return "FAILED: %s" % str(value.get("error", "?"))[:300]
    keys = ("total_s", "seconds", "changed", "max_gap_s", "ratio", "window_s",
            "backlog_at_freeze_bytes", "lost_writes")
    return ", ".join("%s=%s" % (k, value[k]) for k in keys if k in value) or "ok"


def _ratio(a, b):
    return round(a / b, 3) if a is not None and b else None


def _time(cases, key):
    case = cases.get(key) or {}
    return case.get("total_s") if case.get("ok") else None


SOURCES = {"rds_to_onprem": "rds_source", "onprem_to_rds": "onprem_source"}


def _per_gb(cpu, data_mb):
    """CPU seconds per GB of sysbench data (InnoDB data + index of the source, measured)."""
    if not cpu or cpu.get("total_s") is None or not data_mb:
        return None
    return round(cpu["total_s"] / (data_mb / 1024.0), 1)


def add_cpu_per_gb(out):
    """Into every case's `cpu`: `data_mb` it copied or proved and `per_gb_s` (CPU s per GB)."""
    cases, data_mb = out.get("cases", {}), out.get("data_mb", {})
    for key, case in cases.items():
        if not isinstance(case, dict):
            continue
        direction = key.split("/")[0]
        if direction in SOURCES and isinstance(case.get("cpu"), dict):
            mb = data_mb.get(SOURCES[direction])
            case["cpu"].update(data_mb=mb, per_gb_s=_per_gb(case["cpu"], mb))
        if key == "fanout" and case.get("data_mb"):
            for part, mb in (("one_pair", case["data_mb"][0]), ("n_pairs", sum(case["data_mb"]))):
                cpu = (case.get(part) or {}).get("cpu")
                if isinstance(cpu, dict):
                    cpu.update(data_mb=round(mb, 1), per_gb_s=_per_gb(cpu, mb))


def summarize(out):
    add_cpu_per_gb(out)
    cases = out.get("cases", {})
    s = {}
    for name in ("rds_to_onprem", "onprem_to_rds"):
        d = _time(cases, "%s/d_playbook" % name)
        a = _time(cases, "%s/a_dump_file" % name)
        b = _time(cases, "%s/b_dump_pipe" % name)
        c = _time(cases, "%s/c_mydumper" % name)
        if any(x is not None for x in (a, b, c, d)) or "%s/d_playbook" % name in cases:
            s[name] = {"a_s": a, "b_s": b, "c_s": c, "d_s": d, "d_over_a": _ratio(d, a),
                       "d_over_c": _ratio(d, c)}
            for key, case in (("a", "a_dump_file"), ("b", "b_dump_pipe"), ("c", "c_mydumper"), ("d", "d_playbook")):
                cpu = (cases.get("%s/%s" % (name, case)) or {}).get("cpu") or {}
                s[name]["%s_cpu_s" % key] = cpu.get("total_s")
                s[name]["%s_cpu_per_gb_s" % key] = cpu.get("per_gb_s")
        rerun = cases.get("%s/rerun" % name)
        if rerun is not None:
            cpu = rerun.get("cpu") or {}
            s.setdefault(name, {}).update(
                rerun_ok=rerun.get("ok"), rerun_changed=rerun.get("changed"),
                rerun_s=rerun.get("seconds"), rerun_ratio=_ratio(rerun.get("seconds"), d),
                rerun_cpu_s=cpu.get("total_s"), rerun_cpu_per_gb_s=cpu.get("per_gb_s"))
    cut = cases.get("cutover")
    if cut is not None:
        w = cut.get("writer", {})
        s["cutover"] = {"ok": cut.get("ok"), "rate": cut.get("rate"), "writers": cut.get("writers"),
                        "achieved_rate_before": cut.get("achieved_rate_before"),
                        "max_gap_s": w.get("max_gap_s"),
                        "max_gap_all_writers_s": w.get("max_gap_all_writers_s"),
                        "max_gap_across_window_s": cut.get("max_gap_across_window_s"),
                        "window_s": cut.get("window_s"), "unavailable_s": cut.get("unavailable_s"),
                        "backlog_at_freeze_bytes": cut.get("backlog_at_freeze_bytes"),
                        "lost_writes": cut.get("lost_writes"),
                        "acknowledged": (w.get("committed_on_source") or 0) + (w.get("committed_on_target") or 0),
                        "checksums_equal": cut.get("checksums_equal"),
                        "playbook_s": (cut.get("playbook") or {}).get("seconds"),
                        "cpu_s": (cut.get("cpu") or {}).get("total_s"),
                        "error": cut.get("error") or (cut.get("playbook") or {}).get("error")}
    fan = cases.get("fanout")
    if fan is not None:
        keys = ("ok", "pairs", "one_pair_s", "n_pairs_s", "ratio", "cpu_floor_s", "cpu_floor_ratio", "error")
        s["fanout"] = {k: fan.get(k) for k in keys}
        for part in ("one_pair", "n_pairs"):
            s["fanout"]["%s_cpu_per_gb_s" % part] = ((fan.get(part) or {}).get("cpu") or {}).get("per_gb_s")
    return s


def _fmt(v):
    return "-" if v is None else str(v)


def _goal(value, limit, le=True):
    if value is None:
        return "n/a"
    return "met" if (value <= limit if le else value == limit) else "MISSED"


def _cpu_text(r, key, sep=" "):
    cpu, per_gb = r.get("%s_cpu_s" % key), r.get("%s_cpu_per_gb_s" % key)
    if cpu is None:
        return ""
    text = "CPU %s s" % cpu if per_gb is None else "CPU %s s, %s s/GB" % (cpu, per_gb)
    return "%s(%s)" % (sep, text) if sep == " " else "%s%s" % (sep, text)


def markdown(out):
    s, cases = out.get("summary", {}), out.get("cases", {})
    args = out.get("args", {})
    lines = ["# Benchmark %s" % out.get("started"), "",
             "size %s MB/source (measured: %s), threads %s, cutover %s writes/s from %s writer(s), "
             "elapsed %ss, host %s" % (
                 args.get("size_mb"), out.get("data_mb"), args.get("threads"), args.get("rate"),
                 args.get("writers", 1), out.get("elapsed_s"), out.get("host")), "",
             "| measure | value | goal | verdict |", "|---|---|---|---|"]
    for name in ("rds_to_onprem", "onprem_to_rds"):
        r = s.get(name)
        if not r:
            continue
        for case, key in (("a dump>file;source", "a_s"), ("b dump\\|load", "b_s"),
                          ("c mydumper/myloader", "c_s"), ("d playbook", "d_s")):
            lines.append("| %s seed %s (s) | %s%s | | |" % (
                name, case, _fmt(r.get(key)), _cpu_text(r, key[0])))
        lines.append("| %s d/a | %s | <= 0.5 | %s |"
                     % (name, _fmt(r.get("d_over_a")), _goal(r.get("d_over_a"), 0.5)))
        lines.append("| %s d/c | %s | <= 0.9 | %s |"
                     % (name, _fmt(r.get("d_over_c")), _goal(r.get("d_over_c"), 0.9)))
        d_gb, c_gb = r.get("d_cpu_per_gb_s"), r.get("c_cpu_per_gb_s")
        if d_gb is not None and c_gb is not None:
            lines.append("| %s CPU per GB, d / c (s/GB) | %s / %s | d <= c | %s |"
                         % (name, d_gb, c_gb, _goal(d_gb, c_gb)))
        if "rerun_changed" in r:
            lines.append("| %s re-run changed | %s | 0 | %s |" % (
                name, _fmt(r.get("rerun_changed")),
                _goal(r.get("rerun_changed"), 0, le=False) if r.get("rerun_ok") else "FAILED"))
            lines.append("| %s re-run time (s) | %s (ratio to the first run %s%s) | <= 10 | %s |" % (
                name, _fmt(r.get("rerun_s")), _fmt(r.get("rerun_ratio")), _cpu_text(r, "rerun", ", "),
                _goal(r.get("rerun_s"), 10.0)))
    c = s.get("cutover")
    if c:
        lines.append("| cutover load: writers, rate asked / sustained before (writes/s) | %s, %s / %s | | |" % (
            _fmt(c.get("writers")), _fmt(c.get("rate")), _fmt(c.get("achieved_rate_before"))))
        lines.append("| cutover longest write gap of a writer (s) | %s | <= 0.5 | %s |" % (
            _fmt(c.get("max_gap_s")), _goal(c.get("max_gap_s"), 0.5) if c.get("ok") else "FAILED"))
        lines.append("| cutover longest write gap of a writer across the window (s) | %s | | |"
                     % _fmt(c.get("max_gap_across_window_s")))
        lines.append("| cutover longest time no writer wrote (s) | %s | | |" % _fmt(c.get("max_gap_all_writers_s")))
        lines.append("| cutover window, report (s): read_only ON -> RDS open | %s (unavailable %s) | | |" % (
            _fmt(c.get("window_s")), _fmt(c.get("unavailable_s"))))
        lines.append("| cutover backlog at the freeze (bytes) | %s | | |" % _fmt(c.get("backlog_at_freeze_bytes")))
        lines.append("| cutover lost writes | %s of %s acknowledged | 0 | %s |" % (
            _fmt(c.get("lost_writes")), _fmt(c.get("acknowledged")), _goal(c.get("lost_writes"), 0, le=False)))
        lines.append("| cutover checksums equal | %s | true | |" % _fmt(c.get("checksums_equal")))
        lines.append("| cutover playbook (s) | %s (CPU %s s) | | |" % (_fmt(c.get("playbook_s")), _fmt(c.get("cpu_s"))))
    f = s.get("fanout")
    if f:
        lines.append("| fan-out %s pairs / 1 pair | %s (%s s / %s s) | <= 2.5 | %s |" % (
            _fmt(f.get("pairs")), _fmt(f.get("ratio")), _fmt(f.get("n_pairs_s")),
            _fmt(f.get("one_pair_s")), _goal(f.get("ratio"), 2.5) if f.get("ok") else "FAILED"))
        if f.get("cpu_floor_ratio") is not None:
            lines.append("| fan-out CPU floor (CPU s of the %s-pair run / cores / 1-pair time) | %s (%s s) | | |" % (
                _fmt(f.get("pairs")), _fmt(f.get("cpu_floor_ratio")), _fmt(f.get("cpu_floor_s"))))
        lines.append("| fan-out CPU per GB: 1 pair / %s pairs (s/GB) | %s / %s | | |" % (
            _fmt(f.get("pairs")), _fmt(f.get("one_pair_cpu_per_gb_s")), _fmt(f.get("n_pairs_cpu_per_gb_s"))))
    failed = [(k, v.get("error")) for k, v in cases.items() if not v.get("ok")]
    if failed:
        lines += ["", "Failed cases:", ""]
        lines += ["- `%s`: %s" % (k, str(e).replace("\n", " ")[:400]) for k, e in failed]
    return "\n".join(lines) + "\n"


def _nan(v):
    return float("nan") if v is None else v


def plot(out, path):
    """Lag of the target over time: seconds and transactions behind for each seeding case, and
    the cutover with the application's failed writes."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    cases = out.get("cases", {})
    series = [(k, v["lag"]) for k, v in cases.items() if isinstance(v, dict) and v.get("lag")]
    if not series:
        return None
    fig, axes = plt.subplots(3, 1, figsize=(11, 11))
    for key, lag in series:
        t = [x[0] for x in lag["samples"]]
        if key == "cutover":
            axes[2].plot(t, [_nan(x[1]) for x in lag["samples"]], label="seconds behind", linewidth=1.2)
            axes[2].plot(t, [_nan(x[2]) for x in lag["samples"]], label="transactions behind",
                         linewidth=1.2)
            continue
        axes[0].plot(t, [_nan(x[1]) for x in lag["samples"]], label=key, linewidth=1.2)
        axes[1].plot(t, [_nan(x[2]) for x in lag["samples"]], label=key, linewidth=1.2)
    axes[0].set_title("Seeding: Seconds_Behind_Master of the target (no line: not replicating yet)")
    axes[1].set_title("Seeding: transactions behind the source (GTID sequence difference)")
    axes[2].set_title("Cutover: RDS lag while the application writes (x: failed writes; dashed: playbook)")
    cut = cases.get("cutover", {})
    fails = [t for t, ok in cut.get("timeline", []) if not ok]
    if fails:
        axes[2].plot(fails, [0] * len(fails), "rx", markersize=4, label="failed write")
    for x in cut.get("playbook_window_s") or []:
        axes[2].axvline(x, color="grey", linestyle="--", linewidth=0.8)
    for ax in axes:
        ax.set_xlabel("seconds since the case started")
        ax.grid(alpha=0.3)
        if ax.lines:
            ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return str(path)
