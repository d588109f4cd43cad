"""bench/run: seeding, cutover, re-run and fan-out benchmarks on the bench's own lab."""
import argparse
import json
import secrets
import signal
import sys
import time
import traceback
from pathlib import Path

from benchlib import cutover, data, fanout, playbook, replication, report, seeding
from benchlib.cpu import CpuMeter
from benchlib.lab import Lab
from benchlib.lagmon import LagMonitor

RESULTS = Path(__file__).resolve().parents[1] / "results"
DIRECTIONS = {
    "rds_to_onprem": {"source": "rds_source", "target": "onprem_replica",
                      "databases": [data.DB], "playbook": "rds_to_onprem.yml",
                      "threads_var": "replica_of_rds_copy_streams"},
    "onprem_to_rds": {"source": "onprem_source", "target": "rds_target",
                      "databases": [data.DB, data.APP_DB], "playbook": "onprem_to_rds.yml",
                      "threads_var": "rds_replica_of_source_copy_streams"},
}
for _d in DIRECTIONS.values():
    _d["dump_databases"] = _d["databases"] + [data.LOAD_DB]  # the load generator writes there
PARTS = ("seeding", "rerun", "cutover", "fanout")


def log(msg):
    print("[bench %s] %s" % (time.strftime("%H:%M:%S"), msg), file=sys.stderr, flush=True)


def _positive(text):
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be > 0: %s" % text)
    return value


def parse(argv):
    ap = argparse.ArgumentParser(prog="bench/run", description=__doc__)
    ap.add_argument("--size-mb", type=_positive, default=400,
                    help="sysbench data per source (400: the quick run; 1600: the 1.5 GB case of "
                         "issue 13; the smallest is 1000 rows per table, about 1 MB)")
    ap.add_argument("--threads", type=int, default=2, help="threads of mydumper/myloader (2)")
    ap.add_argument("--tables", type=int, default=4, help="sysbench tables (4)")
    ap.add_argument("--rate", type=_positive, default=50,
                    help="application inserts/s at cutover, all writers together (50; the "
                         "high-rate case: 1000 with --writers 8)")
    ap.add_argument("--writers", type=int, default=1,
                    help="application connections writing at cutover, each at rate/writers (1)")
    ap.add_argument("--seed-load-rate", type=float, default=20,
                    help="inserts/s by the lab's load generator on each source while seeding (20; 0: idle)")
    ap.add_argument("--app-switch", choices=("promoted", "playbook-end"), default="promoted",
                    help="when the cutover's application may write to RDS: as soon as RDS is "
                         "promoted (default), or only once the playbook has ended")
    ap.add_argument("--fanout", type=int, default=8, help="replica pairs for fan-out (8; 0 skips)")
    ap.add_argument("--fanout-size-mb", type=float, default=20, help="data per fan-out pair (20)")
    ap.add_argument("--fanout-port-base", type=int, default=15000,
                    help="port base of fan-out pair i: this + 20*i (15000)")
    ap.add_argument("--only", nargs="+", choices=PARTS, default=list(PARTS))
    ap.add_argument("--directions", nargs="+", choices=sorted(DIRECTIONS), default=sorted(DIRECTIONS))
    ap.add_argument("--hand-cases", nargs="*", choices=sorted(seeding.CASES),
                    default=sorted(seeding.CASES))
    ap.add_argument("--lab-dir", default="/tmp/mysql-rds-bench/lab")
    ap.add_argument("--port-base", type=int, default=13900)
    ap.add_argument("--keep-lab", action="store_true", help="leave the lab running at the end")
    ap.add_argument("--reuse-lab", action="store_true",
                    help="keep the state an earlier run left in the labs (default: wipe them first)")
    ap.add_argument("--python", default=sys.executable, help="python of the lab and ansible")
    args = ap.parse_args(argv)
    if args.writers < 1:
        ap.error("--writers must be >= 1")
    return args


def guarded(results, key, fn, *args):
    """Run one case; a failure is recorded with its error instead of ending the run."""
    log("%s ..." % key)
    try:
        value = fn(*args)
    except Exception as exc:  # noqa: BLE001 - every case reports, none crashes the run
        value = {"ok": False, "error": "%s: %s" % (type(exc).__name__, exc),
                 "traceback": traceback.format_exc()[-3000:]}
    results[key] = value
    log("%s: %s" % (key, report.one_line(value)))
    return value


def hand_case(lab, case, d, repl_password, workdir, threads):
    lab.reset(d["target"])
    with LagMonitor(lab, d["source"], d["target"], case) as lag, CpuMeter([lab]) as cpu:
        value = seeding.CASES[case](lab, d["source"], d["target"], d["databases"], repl_password,
                                    workdir, threads, d["dump_databases"])
    value.update(ok=True, lag=lag.as_dict(), cpu=cpu.as_dict())
    return value


def playbook_case(lab, name, d, workdir, run_no, threads):
    if run_no == 1:
        lab.reset(d["target"])
    with LagMonitor(lab, d["source"], d["target"], "playbook run %d" % run_no) as lag, CpuMeter([lab]) as cpu:
        # the copy gets as many streams as mydumper/myloader get threads
        value = playbook.run(lab, d["playbook"], workdir / ("%s-run%d.log" % (name, run_no)),
                             extra_vars={d["threads_var"]: threads})
    value["lag"] = lag.as_dict()
    value["cpu"] = cpu.as_dict()
    value["total_s"] = value.get("seconds")
    if value["ok"]:
        t = time.time()
        replication.wait_and_prove(lab, d["source"], d["target"], d["databases"], timeout=600)
        value["verified_caught_up_and_checksum_equal"] = True
        value["verify_s"] = round(time.time() - t, 2)
    return value


def _terminated(*_):
    raise KeyboardInterrupt("terminated")  # still write what was measured (finally below)


def main(argv=None):
    signal.signal(signal.SIGTERM, _terminated)
    args = parse(argv)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    RESULTS.mkdir(parents=True, exist_ok=True)
    workdir = Path(args.lab_dir) / "bench" / ("work-" + stamp)
    lab = Lab(args.lab_dir, args.port_base, args.python)
    out = {"started": stamp, "args": vars(args), "host": report.host_facts(), "cases": {}}
    t_start = time.time()
    try:
        log("lab up in %s (ports %d+)" % (args.lab_dir, args.port_base))
        lab.up(fresh=not args.reuse_lab)
        workdir.mkdir(parents=True, exist_ok=True)  # inside the lab dir: after a fresh lab's wipe
        app_password = secrets.token_urlsafe(16)
        repl_password = secrets.token_urlsafe(16)
        for name in args.directions:
            d = DIRECTIONS[name]
            out.setdefault("data_mb", {})[d["source"]] = data.prepare(
                lab, d["source"], args.size_mb, args.tables, args.threads)
            if data.APP_DB in d["databases"]:
                data.prepare_app(lab, d["source"], app_password)
            replication.ensure_repl_user(lab, d["source"], repl_password)
            log("data on %s: %s MB" % (d["source"], out["data_mb"][d["source"]]))
            if args.seed_load_rate > 0:
                data.start_load(lab, d["source"], args.seed_load_rate)
        for name in args.directions:
            d = DIRECTIONS[name]
            if "seeding" in args.only:
                for case in args.hand_cases:
                    guarded(out["cases"], "%s/%s" % (name, case), hand_case, lab, case, d,
                            repl_password, workdir, args.threads)
            if "seeding" in args.only or "rerun" in args.only or "cutover" in args.only:
                guarded(out["cases"], "%s/d_playbook" % name, playbook_case, lab, name, d, workdir, 1,
                        args.threads)
            if "rerun" in args.only and not out["cases"].get("%s/d_playbook" % name, {}).get("ok"):
                out["cases"]["%s/rerun" % name] = {"ok": False, "error": "not run: the first run failed"}
            elif "rerun" in args.only:
                guarded(out["cases"], "%s/rerun" % name, playbook_case, lab, name, d, workdir, 2,
                        args.threads)
        for name in args.directions:
            out.setdefault("seed_load", {})[name] = data.stop_load(lab, DIRECTIONS[name]["source"])
        if "cutover" in args.only and "onprem_to_rds" in args.directions:
            d = DIRECTIONS["onprem_to_rds"]
            if out["cases"].get("onprem_to_rds/d_playbook", {}).get("ok"):
                guarded(out["cases"], "cutover", cutover.run, lab, d["source"], d["target"],
                        d["databases"], app_password, workdir, args.rate, args.app_switch,
                        args.writers)
            else:
                out["cases"]["cutover"] = {"ok": False, "error": "not run: onprem_to_rds.yml failed"}
        if "fanout" in args.only and args.fanout > 0:
            guarded(out["cases"], "fanout", fanout.run, args, workdir, log)
    finally:
        out["elapsed_s"] = round(time.time() - t_start, 1)
        out["summary"] = report.summarize(out)
        json_path = RESULTS / ("%s.json" % stamp)
        json_path.write_text(json.dumps(out, indent=2, default=str))
        md = report.markdown(out)
        (RESULTS / ("%s.md" % stamp)).write_text(md)
        png = report.plot(out, RESULTS / ("%s-lag.png" % stamp))
        print(md)
        log("results: %s %s" % (json_path, png or "(no png)"))
        if not args.keep_lab:
            lab.labctl("down", check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
