"""Verify the rds_replica_of_source scenario: drop-in, RDS replicating with SSL, data equal."""
import os
import time

import pymysql
import yaml

LAB_DIR = os.environ.get("LAB_DIR", "/tmp/lab-molecule-d2")


def lab_vars():
    with open(os.path.join(LAB_DIR, "molecule_vars.yml")) as handle:
        return yaml.safe_load(handle)


def connect(info):
    return pymysql.connect(host=info["host"], port=info["port"], user=info["admin_user"],
                           password=info["admin_password"], autocommit=True,
                           cursorclass=pymysql.cursors.DictCursor)


def query(info, sql):
    conn = connect(info)
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            return list(cur.fetchall())
    finally:
        conn.close()


def test_source_dropin_present(host):
    data = lab_vars()
    dropin = host.file(os.path.join(data["rds_replica_of_source_config_dir"], "90-mysql-rds-replication.cnf"))
    assert dropin.exists
    assert "binlog_format = ROW" in dropin.content_string
    assert "server_id = %s" % data["lab_instances"]["onprem_source"]["server_id"] in dropin.content_string


def test_rds_threads_running_with_ssl():
    data = lab_vars()
    rows = query(data["lab_instances"]["rds_target"], "CALL mysql.rds_replica_status()")
    assert rows, "RDS has no replication configured"
    status = rows[0]
    assert status["Slave_IO_Running"] == "Yes"
    assert status["Slave_SQL_Running"] == "Yes"
    assert status["Master_SSL_Allowed"] == "Yes"
    assert int(status["Master_Port"]) == data["lab_instances"]["onprem_source"]["port"]


def test_data_equal():
    data = lab_vars()
    src, rds = data["lab_instances"]["onprem_source"], data["lab_instances"]["rds_target"]
    query(src, "CREATE DATABASE IF NOT EXISTS molecule_probe")
    query(src, "CREATE TABLE IF NOT EXISTS molecule_probe.t (id INT PRIMARY KEY, v VARCHAR(10))")
    query(src, "REPLACE INTO molecule_probe.t VALUES (1, 'a'), (2, NULL)")
    want = query(src, "CHECKSUM TABLE molecule_probe.t")[0]["Checksum"]
    got = None
    for _attempt in range(60):
        try:
            got = query(rds, "CHECKSUM TABLE molecule_probe.t")[0]["Checksum"]
        except pymysql.MySQLError:
            got = None
        if got == want:
            break
        time.sleep(0.5)
    assert got == want


def test_prepared_data_and_view_copied():
    data = lab_vars()
    rds = data["lab_instances"]["rds_target"]
    rows = query(rds, "SELECT id, name FROM molecule_app.items ORDER BY id")
    assert [(r["id"], r["name"]) for r in rows] == [(1, "one"), (2, None), (3, "three")]
    assert len(query(rds, "SELECT * FROM molecule_app.named")) == 2
