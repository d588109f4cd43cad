"""playbooks/onprem_to_rds.yml on the lab: RDS (rds_target) becomes a replica of onprem_source
while the load generator writes to the source."""
import json
import re
import time
from pathlib import Path

import pytest

from playbook_runner import assert_no_secret, reset_direction2, run_playbook, status_row


@pytest.fixture(scope="module")
def collections(tmp_path_factory):
    from playbook_runner import collections_path
    return collections_path(tmp_path_factory.mktemp("collections"))


@pytest.fixture(scope="module")
def fresh(lab):
    reset_direction2(lab)
    yield
    reset_direction2(lab)  # stops the load too; RDS no longer replicates from the source


def _source(lab):
    return lab.connect("onprem_source")


def test_preflight_names_the_fix_for_triggers(lab, collections, fresh):
    conn = _source(lab)
    try:
        lab.query(conn, "CREATE DATABASE IF NOT EXISTS d2_app")
        lab.query(conn, "CREATE TABLE IF NOT EXISTS d2_app.items (id INT PRIMARY KEY, name VARCHAR(20))")
        lab.query(conn, "CREATE TRIGGER d2_app.items_upper BEFORE INSERT ON d2_app.items "
                        "FOR EACH ROW SET NEW.name = UPPER(NEW.name)")
        run = run_playbook(lab, collections, "onprem_to_rds.yml")
    finally:
        lab.query(conn, "DROP TRIGGER IF EXISTS d2_app.items_upper")
        conn.close()
    assert run.rc != 0, run
    assert "log_bin_trust_function_creators=1" in run.output, run
    assert "lab-mariadb10-11" in run.output, run  # the instance's parameter group, from the AWS API
    assert_no_secret(lab, run)


def test_check_mode_on_a_fresh_rds_changes_nothing_there(lab, collections, fresh):
    # RDS does not replicate yet: check mode reads both sides, starts nothing and copies nothing.
    check = run_playbook(lab, collections, "onprem_to_rds.yml", "--check", "--diff")
    assert check.rc == 0, check
    assert "Check mode: would copy" in check.output, check
    rds = lab.connect("rds_target")
    try:
        assert status_row(lab, rds) == {}
        assert not lab.query(rds, "SHOW DATABASES LIKE 'd2_app'")
    finally:
        rds.close()
    assert_no_secret(lab, check)


def custom_stats(run):
    """The set_stats data of a run (ANSIBLE_SHOW_CUSTOM_STATS), per host."""
    found = re.search(r"^CUSTOM STATS:[^\n]*\n\s*\S+: (.*)$", run.output, re.M)
    assert found, run
    return json.loads(found.group(1))


@pytest.fixture(scope="module")
def replicated(lab, collections, fresh):
    conn = _source(lab)
    try:
        # Data the dump must carry: a view and a routine with a foreign DEFINER, rows with NULLs.
        lab.query(conn, "INSERT INTO d2_app.items VALUES (1, 'one'), (2, NULL), (3, 'DEFINER=`x`@`y`')")
        lab.query(conn, "CREATE OR REPLACE DEFINER=`dba`@`%` VIEW d2_app.named AS "
                        "SELECT id, name FROM d2_app.items WHERE name IS NOT NULL")
    finally:
        conn.close()
    lab.labctl("load", "start", "onprem_source")
    time.sleep(2)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ANSIBLE_SHOW_CUSTOM_STATS", "1")
        first = run_playbook(lab, collections, "onprem_to_rds.yml")
    return first


def test_first_run_replicates_with_ssl(lab, replicated):
    assert replicated.rc == 0, replicated
    assert replicated.changed and replicated.changed > 0, replicated
    rds = lab.connect("rds_target")
    try:
        row = status_row(lab, rds)
        assert row.get("Slave_IO_Running") == "Yes" and row.get("Slave_SQL_Running") == "Yes", row
        assert row.get("Master_SSL_Allowed") == "Yes", row
        assert int(row.get("Master_Port")) == lab.instances["onprem_source"]["port"], row
        rows = lab.query(rds, "SELECT id, name FROM d2_app.items ORDER BY id")
        assert [(r["id"], r["name"]) for r in rows] == [(1, "one"), (2, None), (3, "DEFINER=`x`@`y`")]
        assert len(lab.query(rds, "SELECT * FROM d2_app.named")) == 2
    finally:
        rds.close()


def test_lag_is_printed_at_every_poll(replicated):
    # one progress line per read of the replica's status, the last one caught up
    lines = re.findall(r"\d+s: io=\S+ sql=\S+ lag=(\S+)", replicated.output)
    assert lines, replicated
    assert lines[-1] in ("0s", "1s", "2s", "3s", "4s", "5s"), replicated


def test_stats_record_the_coordinates_and_the_proof(replicated):
    stats = custom_stats(replicated)["rds_replica_of_source"]
    assert stats["copied"] is True, stats
    assert re.match(r"^\S+\.\d+$", stats["coordinates"]["file"]) and stats["coordinates"]["position"] > 0, stats
    assert "d2_app.items" in stats["proof"]["proven"] and stats["proof"]["drift"] == [], stats


def test_source_is_prepared(lab, replicated):
    info = lab.instances["onprem_source"]
    dropin = Path(info["conf_dir"]) / "90-mysql-rds-replication.cnf"
    assert dropin.is_file()
    text = dropin.read_text()
    assert "binlog_format = ROW" in text and "server_id = %s" % info["server_id"] in text
    root = lab.connect("onprem_source", root=True)
    try:
        grants = " ".join(next(iter(r.values())) for r in lab.query(root, "SHOW GRANTS FOR 'rds_repl'@'%'"))
    finally:
        root.close()
    assert "REPLICATION SLAVE" in grants and "REQUIRE SSL" in grants, grants
    assert "ALL PRIVILEGES" not in grants and "SUPER" not in grants, grants


def test_checksum_summary_is_honest(replicated):
    assert "Equal on both sides" in replicated.output
    assert "d2_app.items" in replicated.output


def test_second_run_changes_nothing(lab, collections, replicated):
    second = run_playbook(lab, collections, "onprem_to_rds.yml")
    assert second.rc == 0, second
    assert second.changed == 0, second
    assert_no_secret(lab, second)


def test_check_mode_changes_nothing(lab, collections, replicated):
    check = run_playbook(lab, collections, "onprem_to_rds.yml", "--check", "--diff")
    assert check.rc == 0, check
    assert check.changed == 0, check
    assert_no_secret(lab, check)


def test_deprecated_variable_names_still_work(lab, collections, replicated):
    # the 0.2 names: a deprecation line each, and they take effect (no proof without checksums)
    run = run_playbook(lab, collections, "onprem_to_rds.yml", "-e", "rds_replica_of_source_verify_checksums=false",
                       "-e", "rds_replica_of_source_lag_poll_delay=1", "-e", "rds_replica_of_source_lag_polls=30")
    assert run.rc == 0, run
    assert run.changed == 0, run
    for old, new in (("verify_checksums", "proof"), ("lag_poll_delay", "poll_interval"),
                     ("lag_polls", "wait_timeout")):
        assert "DEPRECATED: rds_replica_of_source_%s will be removed in 0.3.0, set rds_replica_of_source_%s" % (
            old, new) in run.output, run
    assert "Equal on both sides" not in run.output, run
    assert_no_secret(lab, run)


def test_rows_changed_on_rds_fail_the_proof(lab, collections, replicated):
    # a row only RDS has, in a table the source does not write: every round differs, the role fails
    rds = lab.connect("rds_target")
    try:
        lab.query(rds, "INSERT INTO d2_app.items VALUES (99, 'only on RDS')")
        run = run_playbook(lab, collections, "onprem_to_rds.yml")
    finally:
        lab.query(rds, "DELETE FROM d2_app.items WHERE id = 99")
        rds.close()
    assert run.rc != 0, run
    assert "differ between the source and RDS while the source did not change them" in run.output, run
    assert "d2_app.items" in run.output and "round 3" in run.output, run
    assert_no_secret(lab, run)


def test_no_secret_in_first_run(lab, replicated):
    assert_no_secret(lab, replicated)
