"""Fan-out: N replica pairs (rds_source -> onprem_replica) in one playbook run vs one pair.

The lab has one pair per LAB_DIR, so each pair is a lab of its own (LAB_DIR and port base per
pair; two labs never collide). One inventory merges their rds_to_onprem hosts, each host carrying
its own lab's facts. Forks are raised to N so that Ansible can run the pairs side by side."""
import time
from pathlib import Path

import yaml

from benchlib import data, playbook, replication
from benchlib.cpu import CpuMeter
from benchlib.lab import Lab

PORT_STEP = 20


def _labs(args, n):
    return [Lab(Path("%s-fanout-%d" % (args.lab_dir, i)), args.fanout_port_base + PORT_STEP * i, args.python)
            for i in range(n)]


def _inventory(labs, path):
    hosts = {}
    for i, lab in enumerate(labs):
        inv = yaml.safe_load(lab.inventory.read_text())["all"]
        host_vars = dict(inv["vars"])
        host_vars.update(inv["children"]["rds_to_onprem"]["hosts"]["lab_onprem_replica"])
        hosts["pair_%d" % i] = host_vars
    doc = {"all": {"children": {"rds_to_onprem": {"hosts": hosts}, "onprem_to_rds": {"hosts": {}}}}}
    path.write_text(yaml.safe_dump(doc, default_flow_style=False, sort_keys=False))
    path.chmod(0o600)
    return path


def _timed_run(labs, workdir, label):
    for lab in labs:
        lab.reset("onprem_replica")
    inv = _inventory(labs, workdir / ("fanout-%s.yml" % label))
    env_extra = {"ANSIBLE_FORKS": str(max(5, len(labs)))}
    with CpuMeter(labs) as cpu:
        res = playbook.run(labs[0], "rds_to_onprem.yml", workdir / ("fanout-%s.log" % label),
                           inventory=inv, env_extra=env_extra)
    res["cpu"] = cpu.as_dict()
    if res["ok"]:
        for lab in labs:
            replication.wait_and_prove(lab, "rds_source", "onprem_replica", [data.DB], timeout=600)
    return res


def run(args, workdir, log):
    n = args.fanout
    labs = _labs(args, n)
    result = {"pairs": n, "size_mb_per_pair": args.fanout_size_mb, "ok": False}
    try:
        t = time.time()
        result["data_mb"] = []  # measured, per pair (for CPU seconds per GB)
        for lab in labs:
            lab.up(fresh=not args.reuse_lab)
            result["data_mb"].append(
                data.prepare(lab, "rds_source", args.fanout_size_mb, args.tables, args.threads))
        result["labs_up_and_data_s"] = round(time.time() - t, 1)
        log("fan-out: %d labs up" % n)
        one = _timed_run(labs[:1], workdir, "1")
        result["one_pair"] = {k: one.get(k) for k in ("ok", "seconds", "error", "log", "cpu")}
        if not one["ok"]:
            result["error"] = "one pair: %s" % one.get("error")
            return result
        many = _timed_run(labs, workdir, str(n))
        result["n_pairs"] = {k: many.get(k) for k in ("ok", "seconds", "error", "log", "recap", "cpu")}
        if not many["ok"]:
            result["error"] = "%d pairs: %s" % (n, many.get("error"))
            return result
        result.update(ok=True, one_pair_s=one["seconds"], n_pairs_s=many["seconds"],
                      ratio=round(many["seconds"] / one["seconds"], 3))
        # the N-pair run cannot end before its CPU seconds spread over every core
        floor = many["cpu"]["total_s"] / max(1, many["cpu"]["cores"] or 1)
        result.update(cpu_floor_s=round(floor, 1), cpu_floor_ratio=round(floor / one["seconds"], 3))
        return result
    finally:
        if not args.keep_lab:
            for lab in labs:
                lab.labctl("down", check=False)
