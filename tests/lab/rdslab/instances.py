"""Create, start, stop and wipe the MariaDB instances of the lab."""
import os
import shutil
import signal
import subprocess
import time

from rdslab import config, db

MY_CNF = """\
# Written by the lab (tests/lab/rdslab/instances.py); regenerated on every `labctl up`.
# Put your own settings in {conf_d}/*.cnf: the lab never touches that directory's files.
[client]
socket = {socket}

[mysqld]
datadir = {data}
socket = {socket}
pid-file = {pidfile}
log-error = {error_log}
tmpdir = {tmpdir}
port = {port}
bind-address = 127.0.0.1
skip-name-resolve
server_id = {port}
log_bin = {log_bin}
relay_log = relay-bin
log_slave_updates = ON
binlog_format = ROW
max_binlog_size = 8M
log_bin_trust_function_creators = 0
innodb_buffer_pool_size = 64M
innodb_log_file_size = 16M
key_buffer_size = 8M
performance_schema = OFF
max_connections = 100
ssl-ca = {tls}/ca.pem
ssl-cert = {tls}/server-cert.pem
ssl-key = {tls}/server-key.pem
{extra}
!includedir {conf_d}
"""


def write_cnf(inst):
    p = config.Paths(inst)
    p.conf_d.mkdir(parents=True, exist_ok=True)
    p.tmp.mkdir(parents=True, exist_ok=True)
    extra = "event_scheduler = ON\n" if inst.is_rds else ""
    if inst.name == config.READ_REPLICA[0]:
        extra += "read_only = ON\n"
    p.cnf.write_text(MY_CNF.format(
        conf_d=p.conf_d, socket=p.socket, data=p.data, pidfile=p.pidfile, error_log=p.error_log,
        port=config.port(inst), tls=config.tls_dir(), extra=extra, tmpdir=p.tmp,
        log_bin="mysql-bin-changelog" if inst.is_rds else "mysql-bin"))


def initialized(inst):
    return (config.Paths(inst).data / "mysql").is_dir()


def init_data(inst):
    p = config.Paths(inst)
    p.data.mkdir(parents=True, exist_ok=True)
    p.tmp.mkdir(parents=True, exist_ok=True)
    res = subprocess.run(
        ["mariadb-install-db", "--no-defaults", "--datadir=%s" % p.data, "--user=root",
         "--tmpdir=%s" % p.tmp,
         "--auth-root-authentication-method=socket", "--skip-test-db"],
        capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise SystemExit("mariadb-install-db failed for %s:\n%s%s" % (inst.name, res.stdout, res.stderr))


def pid(inst):
    """The pid of the running mariadbd of this instance, or None."""
    pidfile = config.Paths(inst).pidfile
    try:
        value = int(pidfile.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    try:
        with open("/proc/%d/cmdline" % value, "rb") as fh:
            cmdline = fh.read().decode(errors="replace")
    except OSError:
        return None
    # guard against a recycled pid: it must be our mariadbd with our my.cnf
    return value if str(config.Paths(inst).cnf) in cmdline else None


def running(inst):
    return pid(inst) is not None


def _tail(path, lines=30):
    try:
        return "".join(path.read_text(errors="replace").splitlines(True)[-lines:])
    except OSError:
        return "(no %s)" % path


def start(inst, timeout=90):
    if running(inst):
        return False
    p = config.Paths(inst)
    write_cnf(inst)
    if p.socket.exists():
        p.socket.unlink()
    # UMASK 0664: master.info readable by LOAD_FILE, which is how the emulated RDS procedures
    # tell whether a source is configured (SHOW SLAVE STATUS cannot be queried from SQL).
    env = dict(os.environ, UMASK="0664")
    with open(os.devnull, "wb") as devnull:
        proc = subprocess.Popen(["mariadbd", "--defaults-file=%s" % p.cnf, "--user=root"],
                                stdin=subprocess.DEVNULL, stdout=devnull, stderr=devnull, env=env,
                                start_new_session=True, close_fds=True)
    p.pidfile.write_text("%d\n" % proc.pid)  # mariadbd rewrites it with the same pid
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit("%s: mariadbd exited with %s; end of %s:\n%s"
                             % (inst.name, proc.returncode, p.error_log, _tail(p.error_log)))
        if p.socket.exists():
            try:
                db.root(inst).close()
                return True
            except Exception:  # noqa: BLE001 - not accepting connections yet
                pass
        time.sleep(0.2)
    raise SystemExit("%s: not up after %ss; end of %s:\n%s"
                     % (inst.name, timeout, p.error_log, _tail(p.error_log)))


def stop(inst, timeout=120):
    value = pid(inst)
    if value is None:
        return False
    os.kill(value, signal.SIGTERM)
    deadline = time.time() + timeout
    while time.time() < deadline:
        if not os.path.exists("/proc/%d" % value) or _zombie(value):
            break
        time.sleep(0.2)
    else:
        raise SystemExit("%s: mariadbd (pid %d) still running after SIGTERM and %ss"
                         % (inst.name, value, timeout))
    config.Paths(inst).pidfile.unlink(missing_ok=True)
    return True


def _zombie(value):
    try:
        with open("/proc/%d/stat" % value) as fh:
            return fh.read().split(")")[-1].split()[0] == "Z"
    except OSError:
        return True


def wipe(inst):
    """Remove the data directory (conf.d/ is kept: its files belong to whoever wrote them)."""
    p = config.Paths(inst)
    shutil.rmtree(p.data, ignore_errors=True)
    for f in (p.error_log, p.socket):
        f.unlink(missing_ok=True)
