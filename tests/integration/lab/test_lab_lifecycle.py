"""labctl: up is idempotent, status, restart, the inventory's shape."""
import json
import os
import stat
from pathlib import Path

import yaml


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
    line = [l for l in lab.labctl("status").stdout.splitlines() if l.split()[0] == name][0]
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
