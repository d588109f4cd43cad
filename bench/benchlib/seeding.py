"""The hand-run seeding baselines: (a) dump to a file then `source` it, (b) dump piped into the
client, (c) mydumper/myloader. Each ends when the replica caught up and checksums are equal."""
import re
import shutil
import subprocess
import tempfile
import time

from benchlib import replication

GTID_IN_DUMP = re.compile(r"gtid_slave_pos\s*=\s*'([^']*)'")
GTID_IN_DUMP_BYTES = re.compile(rb"gtid_slave_pos\s*=\s*'([^']*)'")
MYDUMPER_STALL_S = 30  # no CPU used and no byte written for this long: mydumper hung
GTID_IN_METADATA = re.compile(r"GTID:\s*(\S+)")
# Master user of RDS for MariaDB: no RELOAD, so no FLUSH TABLES WITH READ LOCK. With
# --single-transaction and --master-data, mariadb-dump takes the GTID from the consistent
# snapshot (binlog_snapshot_*), no lock needed.
DUMP_OPTS = ["--single-transaction", "--master-data=2", "--gtid", "--routines", "--events",
             "--triggers", "--skip-lock-tables"]


def _dump_cmd(lab, source, dump_dbs):
    return ["mariadb-dump", "--defaults-extra-file=%s" % lab.client_cnf(source), *DUMP_OPTS,
            "--databases", *dump_dbs]


def _client_cmd(lab, target):
    return ["mariadb", "--defaults-extra-file=%s" % lab.client_cnf(target)]


def _run(cmd, **kw):
    kw.setdefault("stdout", subprocess.PIPE)
    res = subprocess.run(cmd, stderr=subprocess.PIPE, check=False, **kw)
    if res.returncode != 0:
        err = res.stderr.decode(errors="replace") if isinstance(res.stderr, bytes) else res.stderr
        raise RuntimeError("%s failed (%d): %s" % (cmd[0], res.returncode, err[-1500:]))
    return res


def _dir_bytes(path):
    return sum(f.stat().st_size for f in path.glob("*") if f.is_file()) if path.exists() else 0


def _proc_cpu_ticks(pid):
    try:
        fields = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return None


def _run_watched(cmd, out_dir, stall_s=MYDUMPER_STALL_S):
    """Run mydumper; raise TimeoutError when it neither uses CPU nor writes for ``stall_s``
    (mydumper 0.10 sometimes deadlocks at start: a thread blocked in g_async_queue_push, the
    main thread joining it, one idle session on the server)."""
    with tempfile.TemporaryFile() as errfile:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=errfile)
        seen, still_since = None, time.time()
        while True:
            try:
                proc.wait(timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                pass
            now_seen = (_proc_cpu_ticks(proc.pid), _dir_bytes(out_dir))
            if now_seen != seen:
                seen, still_since = now_seen, time.time()
            elif time.time() - still_since > stall_s:
                proc.kill()
                proc.wait()
                raise TimeoutError("mydumper stalled for %ss" % stall_s)
        errfile.seek(0)
        err = errfile.read().decode(errors="replace")
    if proc.returncode != 0:
        raise RuntimeError("mydumper failed (%d): %s" % (proc.returncode, err[-1500:]))


def _gtid_from_file(path):
    """mariadb-dump writes the commented `SET GLOBAL gtid_slave_pos` near the end of the dump."""
    with open(path, "rb") as fh:
        fh.seek(max(0, path.stat().st_size - 65536))
        found = GTID_IN_DUMP.findall(fh.read().decode(errors="replace"))
    if not found:
        raise RuntimeError("no gtid_slave_pos in %s" % path)
    return found[-1]


def _finish(lab, source, target, gtid, password, databases, timings, t0):
    t = time.time()
    replication.start_replica(lab, source, target, gtid, password)
    replication.wait_and_prove(lab, source, target, databases)
    timings["replicate_and_prove_s"] = round(time.time() - t, 2)
    timings["total_s"] = round(time.time() - t0, 2)
    return timings


def dump_file_source(lab, source, target, databases, password, workdir, _threads, dump_dbs):
    """(a) mariadb-dump > file; mariadb -e 'source file'."""
    path = workdir / "dump.sql"
    t0 = time.time()
    with open(path, "wb") as out:
        _run(_dump_cmd(lab, source, dump_dbs), stdout=out)
    t1 = time.time()
    _run(_client_cmd(lab, target) + ["-e", "source %s" % path])
    t2 = time.time()
    gtid = _gtid_from_file(path)
    timings = {"dump_s": round(t1 - t0, 2), "load_s": round(t2 - t1, 2), "gtid": gtid}
    path.unlink()
    return _finish(lab, source, target, gtid, password, databases, timings, t0)


def dump_pipe(lab, source, target, databases, password, _workdir, _threads, dump_dbs):
    """(b) mariadb-dump | mariadb; the GTID is read from the stream on the way."""
    t0 = time.time()
    dump = subprocess.Popen(_dump_cmd(lab, source, dump_dbs), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    load = subprocess.Popen(_client_cmd(lab, target), stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    gtid, tail = None, b""
    while True:
        chunk = dump.stdout.read(1 << 20)
        if not chunk:
            break
        load.stdin.write(chunk)
        found = GTID_IN_DUMP_BYTES.findall(tail + chunk)
        gtid = found[-1].decode() if found else gtid
        tail = chunk[-200:]
    load.stdin.close()
    derr, lerr = dump.stderr.read(), load.stderr.read()
    load.wait()
    if dump.wait() != 0 or load.returncode != 0:
        raise RuntimeError("dump|load failed: %s %s"
                           % (derr.decode(errors="replace")[-800:], lerr.decode(errors="replace")[-800:]))
    if not gtid:
        raise RuntimeError("no gtid_slave_pos in the dump")
    timings = {"dump_and_load_s": round(time.time() - t0, 2), "gtid": gtid}
    return _finish(lab, source, target, gtid, password, databases, timings, t0)


def mydumper_myloader(lab, source, target, databases, password, workdir, threads, dump_dbs):
    """(c) mydumper --trx-consistency-only --lock-all-tables (LOCK TABLES instead of FTWRL, which
    needs RELOAD), then myloader; both with --threads."""
    out = workdir / "mydumper"
    shutil.rmtree(out, ignore_errors=True)
    cmd = ["mydumper", "--defaults-file=%s" % lab.client_cnf(source),
           "--host", "127.0.0.1", "--port", str(lab.port(source)),
           "--regex", "^(%s)\\." % "|".join(dump_dbs), "-t", str(threads),
           "--trx-consistency-only", "--lock-all-tables", "--rows", "100000", "-o", str(out)]
    retries = 0
    while True:
        # mydumper 0.10 sometimes hangs at start (_run_watched): retry as a DBA would, and say
        # so in the result; the time counts from the attempt that worked
        t0 = time.time()
        try:
            _run_watched(cmd, out)
            break
        except TimeoutError:
            retries += 1
            shutil.rmtree(out, ignore_errors=True)
            if retries > 2:
                raise RuntimeError("mydumper hung %d times (stalled %ss each)" % (retries, MYDUMPER_STALL_S))
    t1 = time.time()
    # RDS: the master user may not SET sql_log_bin, so load with binary logging (-e)
    extra = ["-e"] if lab.info(target)["kind"] == "rds" else []
    _run(["myloader", "--defaults-file=%s" % lab.client_cnf(target),
          "--host", "127.0.0.1", "--port", str(lab.port(target)),
          "-d", str(out), "-t", str(threads), "-o", *extra])
    t2 = time.time()
    gtid = GTID_IN_METADATA.search((out / "metadata").read_text()).group(1)
    shutil.rmtree(out, ignore_errors=True)
    timings = {"dump_s": round(t1 - t0, 2), "load_s": round(t2 - t1, 2), "gtid": gtid,
               "mydumper_hang_retries": retries}
    return _finish(lab, source, target, gtid, password, databases, timings, t0)


CASES = {"a_dump_file": dump_file_source, "b_dump_pipe": dump_pipe,
         "c_mydumper": mydumper_myloader}
