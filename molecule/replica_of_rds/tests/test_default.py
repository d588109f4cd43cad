"""Verify the replica_of_rds scenario: server up, drop-in, replica threads, TLS, data equal."""
import os
import time

import pymysql
import yaml

LAB_DIR = os.environ.get("LAB_DIR", "/tmp/lab-molecule-d1")


def lab_vars():
    with open(os.path.join(LAB_DIR, "molecule_d1_vars.yml")) as handle:
        return yaml.safe_load(handle)


def query(info, sql, root=False):
    if root:
        conn = pymysql.connect(unix_socket=info["socket"], user="root", autocommit=True,
                               cursorclass=pymysql.cursors.DictCursor)
    else:
        conn = pymysql.connect(host=info["host"], port=info["port"], user=info["admin_user"],
                               password=info["admin_password"], autocommit=True,
                               cursorclass=pymysql.cursors.DictCursor)
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            return list(cur.fetchall())
    finally:
        conn.close()


def replica_status():
    rows = query(lab_vars()["lab_instances"]["onprem_replica"], "SHOW SLAVE STATUS")
    assert rows, "the replica has no replication configured"
    return rows[0]


def test_replica_server_is_up(host):
    info = lab_vars()["lab_instances"]["onprem_replica"]
    pid = host.file(os.path.join(os.path.dirname(info["socket"]), "mysqld.pid")).content_string.strip()
    assert host.file("/proc/%s" % pid).is_directory
    assert host.socket("tcp://127.0.0.1:%d" % info["port"]).is_listening


def test_dropin_present(host):
    data = lab_vars()
    name = data.get("replica_of_rds_config_file", "60-replica-of-rds.cnf")
    dropin = host.file(os.path.join(data["replica_of_rds_config_dir"], name))
    assert dropin.exists
    text = dropin.content_string
    assert "server_id = %s" % data["replica_of_rds_server_id"] in text
    assert "relay_log_recovery = ON" in text
    assert "replicate_wild_ignore_table = mysql.rds\\_%" in text
    settings = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    assert not [line for line in settings if "skip" in line and "error" in line], settings
    assert query(data["lab_instances"]["onprem_replica"], "SELECT @@read_only AS ro")[0]["ro"] == 1


def test_replica_threads_running():
    row = replica_status()
    assert row["Slave_IO_Running"] == "Yes", row
    assert row["Slave_SQL_Running"] == "Yes", row
    assert int(row["Master_Port"]) == lab_vars()["lab_instances"]["rds_source"]["port"]


def test_tls_in_use_and_verified():
    data = lab_vars()
    row = replica_status()
    assert row["Master_SSL_Allowed"] == "Yes", row
    assert row["Master_SSL_Verify_Server_Cert"] == "Yes", row
    assert row["Master_SSL_CA_File"] == data["replica_of_rds_ca_bundle_path"], row
    users = query(data["lab_instances"]["rds_source"],
                  "SELECT ssl_type FROM mysql.user WHERE user = '%s'" % row["Master_User"], root=True)
    assert [u["ssl_type"] for u in users] == ["ANY"], users  # REQUIRE SSL on the replication account


def test_data_equal():
    data = lab_vars()
    source, replica = data["lab_instances"]["rds_source"], data["lab_instances"]["onprem_replica"]
    tables = ("molecule_d1.items", "molecule_d1.nokey")
    for _attempt in range(60):
        master = query(source, "SHOW MASTER STATUS", root=True)[0]
        row = replica_status()
        if row["Relay_Master_Log_File"] == master["File"] and int(row["Exec_Master_Log_Pos"]) >= int(master["Position"]):
            break
        time.sleep(1)
    for table in tables:
        ours = query(source, "CHECKSUM TABLE %s EXTENDED" % table, root=True)[0]["Checksum"]
        theirs = query(replica, "CHECKSUM TABLE %s EXTENDED" % table)[0]["Checksum"]
        assert ours is not None and ours == theirs, table
