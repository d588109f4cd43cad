"""labctl: up | down | status | inventory | restart NAME | reset NAME | env | load ..."""
import argparse
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from rdslab import aws, config, instances, inventory, loadgen, locks, provision, sampledata, secrets, tls


def _log(msg):
    print(msg, file=sys.stderr, flush=True)


def _create_and_start(inst):
    if not instances.initialized(inst):
        instances.write_cnf(inst)
        instances.init_data(inst)
    started = instances.start(inst)
    provision.provision(inst)
    return "%s: %s" % (inst.name, "started" if started else "already running")


def _bring_up(inst):
    with locks.instance(inst):
        return _create_and_start(inst)


def _reset(inst):
    """Stop, wipe, create and provision one instance; the read replica (of the pair) from a new
    snapshot of its source. The caller holds locks.read_replica() when inst is one of the pair."""
    with locks.instance(inst):
        instances.stop(inst)
        instances.wipe(inst)
        _log(_create_and_start(inst))
    if inst.name in config.READ_REPLICA:
        provision.ensure_read_replica(force=True)


def _read_replica_replicating():
    """After the instances run: rds_read_replica must replicate from rds_source. When it cannot
    (e.g. the lab was down longer than the source's binlog retention and the source purged what
    the replica needs: error 1236), it is rebuilt as the first `up` built it (`reset`)."""
    replica = config.get(config.READ_REPLICA[0])
    with locks.read_replica():
        provision.ensure_read_replica(start=False)  # configures it on the first `up`
        problem = provision.resume_read_replica()
        if problem is None:
            return
        _log("%s: %s; rebuilding it" % (replica.name, problem))
        _reset(replica)
        problem = provision.resume_read_replica()
        if problem is not None:
            raise SystemExit("%s: still not replicating after a rebuild: %s" % (replica.name, problem))
        _log("%s: rebuilt, replicating" % replica.name)


def cmd_up(_args):
    t0 = time.time()
    config.lab_dir().mkdir(parents=True, exist_ok=True)
    secrets.load()
    tls.ensure()
    with ThreadPoolExecutor(max_workers=len(config.INSTANCES)) as pool:
        for line in pool.map(_bring_up, config.INSTANCES):
            _log(line)
    _read_replica_replicating()
    _log("moto: %s" % ("started" if aws.start() else "already running"))
    inventory.save_aws_facts(aws.seed())
    print(inventory.write())
    _log("lab up in %.1fs" % (time.time() - t0))
    return 0


def cmd_down(_args):
    for inst in config.INSTANCES:
        if loadgen.stop(inst.name):
            _log("load on %s: stopped" % inst.name)
    # replicas first, so that they do not log connection errors to a stopped source
    for inst in sorted(config.INSTANCES, key=lambda i: i.name != config.READ_REPLICA[0]):
        _log("%s: %s" % (inst.name, "stopped" if instances.stop(inst) else "not running"))
    _log("moto: %s" % ("stopped" if aws.stop() else "not running"))
    return 0


def cmd_status(_args):
    print("%-18s %-8s %-8s %-6s %s" % ("NAME", "STATE", "PID", "PORT", "KIND"))
    all_up = True
    for inst in config.INSTANCES:
        pid = instances.pid(inst)
        all_up &= pid is not None
        row = (inst.name, "running" if pid else "stopped", pid or "-", config.port(inst), inst.kind)
        print("%-18s %-8s %-8s %-6d %s" % row)
    pid = aws.pid()
    all_up &= pid is not None
    row = ("moto", "running" if pid else "stopped", pid or "-", config.moto_port(), config.moto_url())
    print("%-18s %-8s %-8s %-6d %s" % row)
    return 0 if all_up else 3


def cmd_inventory(_args):
    print(inventory.write())
    return 0


def cmd_restart(args):
    inst = config.get(args.name)
    with locks.instance(inst):
        instances.stop(inst)
        instances.start(inst)
    _log("%s: restarted" % inst.name)
    return 0


def cmd_reset(args):
    inst = config.get(args.name)
    if inst.name in config.READ_REPLICA:
        # resetting either of the pair stops one of the two instances the other one's reset needs
        with locks.read_replica():
            _reset(inst)
    else:
        _reset(inst)
    _log("%s: reset" % inst.name)
    return 0


def cmd_env(_args):
    print("export LAB_DIR=%s" % config.lab_dir())
    print("export LAB_PORT_BASE=%d" % config.port_base())
    print("export LAB_PYTHON=%s" % config.python())
    print("export LAB_INVENTORY=%s" % (config.lab_dir() / "inventory.yml"))
    print("export AWS_ENDPOINT_URL=%s" % config.moto_url())
    print("export AWS_DEFAULT_REGION=%s AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s"
          % (config.AWS_REGION, config.AWS_KEY, config.AWS_KEY))
    return 0


def cmd_load(args):
    if args.action == "start":
        print(loadgen.start(args.name, rate=args.rate, table=args.table, max_seconds=args.max_seconds,
                            as_admin=args.as_admin))
    elif args.action == "stop":
        loadgen.stop(args.name)
        print(json.dumps(loadgen.report(args.name), indent=2))
    elif args.action == "verify":
        if not args.on:
            raise SystemExit("load verify NAME needs --on OTHER (the instance that must have the writes)")
        result = loadgen.verify(args.name, args.on, timeout=args.timeout)
        print(json.dumps(result, indent=2))
        return 1 if result["missing"] else 0
    else:
        print(json.dumps(loadgen.report(args.name), indent=2))
    return 0


def cmd_sample_data(args):
    print(sampledata.create(args.name, tables=args.tables, rows=args.rows))
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(prog="labctl", description="The RDS replication lab.")
    sub = ap.add_subparsers(dest="command", required=True)
    sub.add_parser("up", help="create/start every instance and moto, provision, write the inventory")
    sub.add_parser("down", help="stop everything the lab started")
    sub.add_parser("status", help="instances and moto (exit 3 unless all run)")
    sub.add_parser("inventory", help="write $LAB_DIR/inventory.yml and print its path")
    sub.add_parser("env", help="print shell exports for this lab")
    for name, hlp in (("restart", "stop and start one instance"),
                      ("reset", "stop, wipe, re-create and re-provision one instance")):
        p = sub.add_parser(name, help=hlp)
        p.add_argument("name", choices=sorted(config.BY_NAME))
    p = sub.add_parser("load", help="background writer: load start|stop|report|verify NAME")
    p.add_argument("action", choices=("start", "stop", "report", "verify"))
    p.add_argument("name", choices=sorted(config.BY_NAME))
    p.add_argument("--rate", type=float, default=20.0, help="inserts per second (default 20)")
    p.add_argument("--table", default="loadgen.writes", help="db.table (default loadgen.writes)")
    p.add_argument("--max-seconds", type=float, default=1800, help="ends by itself after this")
    p.add_argument("--on", choices=sorted(config.BY_NAME),
                   help="verify: the instance that must hold every committed write")
    p.add_argument("--timeout", type=float, default=60, help="verify: how long to wait for them")
    p.add_argument("--as-admin", action="store_true",
                   help="write as the admin user instead of the application user `app` "
                        "(which read_only stops, as it stops a real application)")
    p = sub.add_parser("sample-data", help="sysbench tables in schema sbtest on one instance")
    p.add_argument("name", choices=sorted(config.BY_NAME))
    p.add_argument("--tables", type=int, default=4)
    p.add_argument("--rows", type=int, default=10000, help="rows per table")
    args = ap.parse_args(argv)
    return globals()["cmd_" + args.command.replace("-", "_")](args)
