"""labctl: up is idempotent and repairs the read replica, status, restart, the inventory's shape."""
import json
import os
import signal
import stat
from pathlib import Path
from secrets import token_hex

import pymysql
import pytest
import yaml

from polling import wait_until


def test_up_twice_is_harmless(lab):
    before = lab.labctl("status").stdout
    out = lab.labctl("up")
    assert "started" not in out.stderr.replace("already running", "")
    assert lab.labctl("status").stdout == before


def test_status_lists_everything_running(lab):
    res = lab.labctl("status")
    lines = res.stdout.splitlines()[1:]
    assert {line.split()[0] for line in lines} == set(lab.instances) | {"moto"}
    assert all(line.split()[1] == "running" for line in lines)


def test_restart_keeps_data_and_conf_d(lab):
    name = "onprem_replica"
    info = lab.instances[name]
    dropin = Path(info["conf_dir"]) / "zz-labtest.cnf"
    dropin.write_text("[mysqld]\nmax_connections = 77\n")
    try:
        pid_before = _pid(lab, name)
        lab.labctl("restart", name)
        assert _pid(lab, name) != pid_before
        conn = lab.connect(name)
        try:
            assert lab.query(conn, "SELECT @@global.max_connections AS m")[0]["m"] == 77
        finally:
            conn.close()
    finally:
        dropin.unlink()
        lab.labctl("restart", name)


def _pid(lab, name):
    line = [row for row in lab.labctl("status").stdout.splitlines() if row.split()[0] == name][0]
    return int(line.split()[2])


def test_inventory_shape(lab):
    inv = lab.inventory["all"]
    v = inv["vars"]
    assert v["ansible_connection"] == "local"
    assert Path(v["ansible_python_interpreter"]).exists()
    assert Path(v["lab_tls_dir"], "ca.pem").exists()
    assert set(inv["children"]) == {"rds_to_onprem", "onprem_to_rds"}
    assert list(inv["children"]["rds_to_onprem"]["hosts"]) == ["lab_onprem_replica"]
    assert list(inv["children"]["onprem_to_rds"]["hosts"]) == ["lab_onprem_source"]
    for name, info in lab.instances.items():
        assert info["server_id"] == info["port"]
        assert info["admin_user"] == ("admin" if info["kind"] == "rds" else "dba")
        assert info["restart_command"].endswith("labctl restart %s" % name)
    secrets = json.loads(Path(v["lab_dir"], "secrets.json").read_text())
    assert {n: s["admin_password"] for n, s in secrets["instances"].items()} == {
        n: i["admin_password"] for n, i in lab.instances.items()}
    for f in (Path(v["lab_dir"], "secrets.json"), lab.inventory_path):
        assert stat.S_IMODE(os.stat(f).st_mode) == 0o600


def test_tls_certificate_verifies_for_127_0_0_1(lab):
    info = lab.instances["onprem_source"]
    conn = lab.connect("onprem_source", ssl={"ca": str(lab.tls_dir / "ca.pem"), "check_hostname": True,
                                             "cert": str(lab.tls_dir / "client-cert.pem"),
                                             "key": str(lab.tls_dir / "client-key.pem")})
    try:
        cipher = lab.query(conn, "SHOW SESSION STATUS LIKE 'Ssl_cipher'")[0]["Value"]
        assert cipher, info
    finally:
        conn.close()


def test_inventory_parses_with_yaml(lab):
    assert yaml.safe_load(lab.inventory_path.read_text())["all"]["vars"]["lab_aws"]["endpoint_url"]


# ---------------------------------------------------------------- `up` repairs the read replica
def _replica_status(lab):
    root = lab.connect("rds_read_replica", root=True)
    try:
        return lab.query(root, "SHOW SLAVE STATUS")[0]
    finally:
        root.close()


def _purge_all_but_newest(lab):
    """Write on rds_source, rotate its binlog and purge every older file (as the retention event
    does after a long `down`). Returns the remaining file."""
    root = lab.connect("rds_source", root=True)
    try:
        lab.query(root, "CREATE DATABASE IF NOT EXISTS labtest_up")
        lab.query(root, "CREATE TABLE IF NOT EXISTS labtest_up.t (token VARCHAR(32) PRIMARY KEY)")
        lab.query(root, "INSERT INTO labtest_up.t VALUES (%s)", (token_hex(8),))
        lab.query(root, "FLUSH BINARY LOGS")
        newest = lab.query(root, "SHOW MASTER STATUS")[0]["File"]

        def purged():
            # files before the binlog checkpoint are kept until InnoDB has flushed: retry
            lab.query(root, "PURGE BINARY LOGS TO %s", (newest,))
            return [r["Log_name"] for r in lab.query(root, "SHOW BINARY LOGS")] == [newest]
        assert wait_until(purged, timeout=20), lab.query(root, "SHOW BINARY LOGS")
        return newest
    finally:
        root.close()


def _assert_replicates(lab):
    """rds_read_replica runs both threads and receives a row written on rds_source now."""
    status = _replica_status(lab)
    assert (status["Slave_IO_Running"], status["Slave_SQL_Running"]) == ("Yes", "Yes"), status
    token = token_hex(8)
    src = lab.connect("rds_source")
    rep = lab.connect("rds_read_replica")
    try:
        lab.query(src, "CREATE DATABASE IF NOT EXISTS labtest_up")
        lab.query(src, "CREATE TABLE IF NOT EXISTS labtest_up.t (token VARCHAR(32) PRIMARY KEY)")
        lab.query(src, "INSERT INTO labtest_up.t VALUES (%s)", (token,))

        def arrived():
            try:
                return lab.query(rep, "SELECT token FROM labtest_up.t WHERE token = %s", (token,))
            except pymysql.err.ProgrammingError:
                return None
        assert wait_until(arrived, timeout=15) == [{"token": token}], _replica_status(lab)
    finally:
        src.close()
        rep.close()


@pytest.fixture
def read_replica_restored(lab):
    """After the test: rds_source runs and rds_read_replica replicates (`up` if not), no labtest_up."""
    yield
    if lab.labctl("status", check=False).returncode != 0 or _replica_status(lab)["Slave_IO_Running"] != "Yes":
        lab.labctl("up")
    conn = lab.connect("rds_source")
    try:
        lab.query(conn, "DROP DATABASE IF EXISTS labtest_up")
    finally:
        conn.close()


def test_up_rebuilds_read_replica_whose_binlogs_the_source_purged(lab, read_replica_restored):
    # the replica stops (as in `labctl down`), the source goes on and purges past its position
    root = lab.connect("rds_read_replica", root=True)
    try:
        lab.query(root, "STOP SLAVE")
        stopped_at = lab.query(root, "SELECT @@global.gtid_slave_pos AS p")[0]["p"]
    finally:
        root.close()
    _purge_all_but_newest(lab)
    src = lab.connect("rds_source", root=True)
    try:
        assert lab.query(src, "SELECT @@global.gtid_binlog_pos AS p")[0]["p"] != stopped_at
    finally:
        src.close()

    out = lab.labctl("up")
    _assert_replicates(lab)
    assert "rds_read_replica: rebuilt, replicating" in out.stderr, out.stderr
    status = _replica_status(lab)
    assert status["Last_IO_Errno"] == 0 and status["Master_Port"] == lab.instances["rds_source"]["port"], status
    # and a second `up` finds nothing to repair
    assert "rebuil" not in lab.labctl("up").stderr


def test_up_reconnects_read_replica_started_before_its_source(lab, read_replica_restored):
    # after `down`, the replica may start before its source: its IO thread then waits out
    # MASTER_CONNECT_RETRY (60 s) while the source purges; `up` must not leave it waiting
    src_pid = _pid(lab, "rds_source")
    os.kill(src_pid, signal.SIGTERM)
    assert wait_until(lambda: not os.path.exists("/proc/%d" % src_pid) or _zombie(src_pid), timeout=60)
    lab.labctl("restart", "rds_read_replica")
    assert wait_until(lambda: _replica_status(lab)["Last_IO_Errno"] == 2003, timeout=20), _replica_status(lab)

    out = lab.labctl("up")
    assert "rds_source: started" in out.stderr, out.stderr
    assert "rebuil" not in out.stderr, out.stderr  # nothing was purged: it only had to reconnect
    _assert_replicates(lab)


def _zombie(pid):
    try:
        with open("/proc/%d/stat" % pid) as fh:
            return fh.read().split(")")[-1].split()[0] == "Z"
    except OSError:
        return True
