"""playbooks/rds_to_onprem.yml with replica_of_rds_databases naming one schema of the source: the replica
replicates only that schema (replicate-wild-do-table, set online and kept in the drop-in across a
restart), so writes on RDS to schemas that were not copied neither reach it nor stop it, and the proof
compares only the copied schema. Widening the schemas without a new copy is refused before any change;
a reload of every schema (replica_of_rds_force_reload) removes the filter, from the server and the drop-in.

The copied schema's name has a `_`, and an uncopied schema differs from it only there (`s1xin`): an
unescaped pattern would match it too and stop the replica on its first write.
"""
import json
from pathlib import Path

import pytest

from playbook_runner import assert_no_secret, collections_path, run_playbook, strip_do_filter
from playbook_runner import wait_caught_up as shared_wait_caught_up

SOURCE, REPLICA = "rds_source", "onprem_replica"
COPIED, LOOKALIKE, OTHER, LATER = "s1_in", "s1xin", "s1_out", "s1_later"
SCHEMAS = (COPIED, LOOKALIKE, OTHER, LATER)
SUBSET = json.dumps({"replica_of_rds_databases": [COPIED]})
PATTERN = "s1\\_in.%"


def wait_caught_up(lab, timeout=120):
    """The replica's applier at the source's binlog position (or the row of a stopped/broken replica)."""
    return shared_wait_caught_up(lab, SOURCE, REPLICA, timeout=timeout, until_broken=True)


def schemas_on_replica(lab):
    conn = lab.connect(REPLICA, root=True)
    try:
        return sorted(r["name"] for r in lab.query(
            conn, "SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 's1%'"))
    finally:
        conn.close()


def drop_schemas(lab):
    conn = lab.connect(SOURCE)
    try:
        for name in SCHEMAS:
            lab.query(conn, "DROP DATABASE IF EXISTS %s" % name)
    finally:
        conn.close()


@pytest.fixture(scope="module")
def collections(tmp_path_factory):
    return collections_path(tmp_path_factory.mktemp("collections"))


@pytest.fixture(scope="module")
def subset(lab, collections):
    """A fresh replica copied with one schema, then writes on RDS to every schema, a restart, re-runs, a refused
    widening, then a reload of every schema."""
    lab.labctl("load", "stop", SOURCE, check=False)
    strip_do_filter(lab)
    lab.labctl("reset", REPLICA)
    drop_schemas(lab)
    src = lab.connect(SOURCE)
    try:
        for name in (COPIED, LOOKALIKE, OTHER):
            lab.query(src, "CREATE DATABASE %s" % name)
            lab.query(src, "CREATE TABLE %s.t (id INT PRIMARY KEY, v VARCHAR(8))" % name)
            lab.query(src, "INSERT INTO %s.t VALUES (1, 'one'), (2, 'two')" % name)
        lab.query(src, "CREATE TABLE %s.u (id INT PRIMARY KEY)" % COPIED)
        lab.query(src, "INSERT INTO %s.u VALUES (1)" % COPIED)
    finally:
        src.close()
    out = dict(first=run_playbook(lab, collections, "rds_to_onprem.yml", "-e", SUBSET))
    src = lab.connect(SOURCE)
    try:
        # Writes to the schemas that were not copied: rows, a new table, a new schema; then one that was.
        lab.query(src, "INSERT INTO %s.t VALUES (3, 'three')" % LOOKALIKE)
        lab.query(src, "UPDATE %s.t SET v = 'uno' WHERE id = 1" % OTHER)
        lab.query(src, "CREATE TABLE %s.new_t (id INT PRIMARY KEY)" % OTHER)
        lab.query(src, "INSERT INTO %s.new_t VALUES (1)" % OTHER)
        lab.query(src, "CREATE DATABASE %s" % LATER)
        lab.query(src, "CREATE TABLE %s.t (id INT PRIMARY KEY)" % LATER)
        lab.query(src, "INSERT INTO %s.t VALUES (1)" % LATER)
        lab.query(src, "INSERT INTO %s.t VALUES (3, 'three')" % COPIED)
    finally:
        src.close()
    out["status"] = wait_caught_up(lab)
    dst = lab.connect(REPLICA, root=True)
    try:
        out["copied_rows"] = [r["id"] for r in lab.query(dst, "SELECT id FROM %s.t ORDER BY id" % COPIED)]
    finally:
        dst.close()
    out["schemas"] = schemas_on_replica(lab)
    # The filter is in the drop-in: a restart of the replica keeps it.
    lab.labctl("restart", REPLICA)
    lab.labctl("inventory")
    out["after_restart"] = wait_caught_up(lab)
    out["again"] = run_playbook(lab, collections, "rds_to_onprem.yml", "-e", SUBSET,
                                "-e", "replica_of_rds_reprove=always")
    # Every schema: the replica lacks those it did not replicate, so the plan refuses before any change.
    out["widen"] = run_playbook(lab, collections, "rds_to_onprem.yml", "-e", '{"replica_of_rds_databases": []}')
    out["after_widen"] = wait_caught_up(lab)
    # ... and copies every schema again when told to, which removes the filter (a re-run keeps it so).
    everything = '{"replica_of_rds_databases": []}'
    out["reload"] = run_playbook(lab, collections, "rds_to_onprem.yml", "-e", everything,
                                 "-e", "replica_of_rds_force_reload=true")
    out["after_reload"] = wait_caught_up(lab)
    out["schemas_after_reload"] = schemas_on_replica(lab)
    out["reload_again"] = run_playbook(lab, collections, "rds_to_onprem.yml", "-e", everything)
    yield out
    drop_schemas(lab)
    strip_do_filter(lab)
    lab.labctl("reset", REPLICA)  # no filtered replica that lacks schemas for the next test


def test_first_run_copies_and_proves_only_the_subset(lab, subset):
    run = subset["first"]
    assert run.rc == 0, run
    assert "Copied %s with consistent_snapshot" % COPIED in run.output, run
    # the proof compares the copied schema's two tables, not the schemas the replica lacks
    assert "Proof: 2 of 2 tables equal, none different." in run.output, run
    assert_no_secret(lab, run)


def test_writes_to_uncopied_schemas_do_not_stop_the_replica(subset):
    row = subset["status"]
    assert (row.get("Slave_IO_Running"), row.get("Slave_SQL_Running")) == ("Yes", "Yes"), row
    assert int(row["Last_SQL_Errno"]) == 0 and int(row["Last_IO_Errno"]) == 0, row
    assert row["Replicate_Wild_Do_Table"] == PATTERN, row
    assert row["Replicate_Wild_Ignore_Table"] == "mysql.rds\\_%", row  # still beside it


def test_the_copied_schema_replicates_and_no_other_arrives(subset):
    assert subset["copied_rows"] == [1, 2, 3]
    assert subset["schemas"] == [COPIED], subset["schemas"]


def test_the_filter_survives_a_restart(subset):
    row = subset["after_restart"]
    assert row.get("Replicate_Wild_Do_Table") == PATTERN, row
    assert (row.get("Slave_IO_Running"), row.get("Slave_SQL_Running")) == ("Yes", "Yes"), row


def test_rerun_changes_nothing_and_proves_the_subset(lab, subset):
    run = subset["again"]
    assert run.rc == 0, run
    assert run.changed == 0, run
    assert "no copy" in run.output, run
    assert "Proof: 2 of 2 tables equal, none different." in run.output, run
    assert_no_secret(lab, run)


def test_widening_without_a_copy_is_refused_before_any_change(subset):
    run = subset["widen"]
    assert run.rc != 0, run
    assert run.changed == 0, run
    assert "The replica replicates only %s" % PATTERN in run.output, run
    assert "replica_of_rds_force_reload=true" in run.output and "Nothing was changed" in run.output, run
    row = subset["after_widen"]
    assert row.get("Replicate_Wild_Do_Table") == PATTERN, row
    assert (row.get("Slave_IO_Running"), row.get("Slave_SQL_Running")) == ("Yes", "Yes"), row


def test_a_reload_of_every_schema_removes_the_filter(lab, subset):
    run = subset["reload"]
    assert run.rc == 0, run
    assert "replica_of_rds_force_reload=true: copying the data again" in run.output, run
    assert "none different." in run.output, run
    row = subset["after_reload"]
    assert row.get("Replicate_Wild_Do_Table") == "", row
    assert row.get("Replicate_Wild_Ignore_Table") == "mysql.rds\\_%", row
    assert (row.get("Slave_IO_Running"), row.get("Slave_SQL_Running")) == ("Yes", "Yes"), row
    assert subset["schemas_after_reload"] == sorted(SCHEMAS), subset["schemas_after_reload"]
    dropin = "".join(path.read_text() for path in Path(lab.instances[REPLICA]["conf_dir"]).glob("*.cnf"))
    assert "replicate_wild_do_table" not in dropin, dropin
    again = subset["reload_again"]
    assert again.rc == 0 and again.changed == 0, again
