"""playbooks/onprem_to_rds.yml re-run on the lab: RDS's own heartbeat (mysql.rds_heartbeat2, written
into its binlog with its own server id) does not void the last proof; a write of the RDS master
user on an application table does (issue 13)."""
import json
import re
import time

import pytest

from playbook_runner import assert_no_secret, reset_direction2, run_playbook

SCHEMA = "d2_reuse"
RECORD = "mysql.mysql_rds_replication_proof"


@pytest.fixture(scope="module")
def collections(tmp_path_factory):
    from playbook_runner import collections_path
    return collections_path(tmp_path_factory.mktemp("collections"))


@pytest.fixture(scope="module")
def replicated(lab, collections):
    reset_direction2(lab)
    conn = lab.connect("onprem_source")
    try:  # rows no writer changes: the proof has a table to prove equal
        for sql in ("CREATE DATABASE %s" % SCHEMA, "CREATE TABLE %s.t (id INT PRIMARY KEY, v VARCHAR(8))" % SCHEMA,
                    "INSERT INTO %s.t VALUES (1, 'one'), (2, 'two')" % SCHEMA):
            lab.query(conn, sql)
    finally:
        conn.close()
    lab.labctl("load", "start", "onprem_source", "--rate", "20")
    first = run_playbook(lab, collections, "onprem_to_rds.yml")
    assert first.rc == 0, first
    yield first
    reset_direction2(lab)  # stops the load too; RDS no longer replicates from the source


def own_sequence(lab):
    """The highest GTID sequence RDS logged with its own server id (its heartbeat moves it)."""
    rds = lab.connect("rds_target")
    try:
        row = lab.query(rds, "SELECT @@global.gtid_binlog_state AS state, @@global.server_id AS id")[0]
    finally:
        rds.close()
    found = [int(seq) for _domain, server, seq in re.findall(r"(\d+)-(\d+)-(\d+)", row["state"])
             if int(server) == int(row["id"])]
    return max(found or [0])


def recorded_own_writes(lab):
    conn = lab.connect("onprem_source")
    try:
        rows = lab.query(conn, "SELECT own_writes, tables FROM %s" % RECORD)
    finally:
        conn.close()
    assert len(rows) == 1, rows
    return rows[0]


def proof_check(run):
    """The result of the role's 'Check whether the last passed proof still holds' (-v output)."""
    found = re.search(r"Check whether the last passed proof still holds\] \*+\n(?:ok|changed): \[[^\]]+\] => (\{.*\})$",
                      run.output, re.M)
    assert found, run
    return json.loads(found.group(1))


def checksum_ran(run):
    found = re.search(r"Checksum the source and RDS tables side by side, first read of round 1\] \*+\n(\w+):", run.output)
    assert found, run
    return found.group(1) != "skipping"


def test_the_heartbeat_of_rds_does_not_void_the_proof(lab, collections, replicated):
    record = recorded_own_writes(lab)
    assert record["tables"] >= 1, record
    deadline = time.time() + 30
    while own_sequence(lab) <= record["own_writes"] + 2 and time.time() < deadline:
        time.sleep(1)
    heartbeats = own_sequence(lab)
    assert heartbeats > record["own_writes"], (heartbeats, record)  # what the proof used to fall over
    again = run_playbook(lab, collections, "onprem_to_rds.yml", "-v")
    assert again.rc == 0 and again.changed == 0, again
    check = proof_check(again)
    assert check["reused"] is True and "reprove_reason" not in check, check
    assert "No table read: the proof of" in again.output, again
    assert not checksum_ran(again), again
    # the record's mark moved past the heartbeats read: the next re-run reads the binlog from there
    assert recorded_own_writes(lab)["own_writes"] >= heartbeats
    assert_no_secret(lab, again)


def test_a_write_of_its_own_on_rds_proves_again(lab, collections, replicated):
    rds = lab.connect("rds_target")  # the RDS master user, replication running
    try:  # two own transactions that leave the rows as they were: the new proof passes
        lab.query(rds, "INSERT INTO %s.t VALUES (99, 'own')" % SCHEMA)
        lab.query(rds, "DELETE FROM %s.t WHERE id = 99" % SCHEMA)
    finally:
        rds.close()
    run = run_playbook(lab, collections, "onprem_to_rds.yml", "-v")
    assert run.rc == 0 and run.changed == 0, run
    check = proof_check(run)
    assert check["reused"] is False, check
    assert check["reprove_reason"].startswith("the replica logged writes of its own since the last proof (GTID 0-"), check
    assert "writes %s.t" % SCHEMA in check["reprove_reason"], check
    assert checksum_ran(run), run
    assert re.search(r"Equal on both sides: \d+ table\(s\) \[[^\]]*%s\.t" % SCHEMA, run.output), run
    assert_no_secret(lab, run)
