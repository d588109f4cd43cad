"""playbooks/cutover_to_rds.yml on the lab: with the load generator writing to onprem_source
throughout, set up replication, then promote RDS; no committed write may be lost."""
import json
import sys
import time
from pathlib import Path

import pymysql
import pytest

from playbook_runner import assert_no_secret, collections_path, reset_direction2, run_playbook

TABLE = "loadgen.writes"


def status_layer(collections):
    """The collection's dialect layer (imported from the collections tree the playbooks use), so the
    test asks each server in its own words instead of spelling one engine's."""
    if collections not in sys.path:
        sys.path.insert(0, collections)
    from ansible_collections.mysql_rds.replication.plugins.module_utils import dialect, replication_status
    return dialect, replication_status


def replica_status(collections, conn, as_rds_master_user=False):
    """The normalized replica status of a server (docs/design.md keys)."""
    dialect, replication_status = status_layer(collections)
    with conn.cursor(pymysql.cursors.DictCursor) as cur:
        return replication_status.read_status(cur, dialect.detect(cur), as_rds_master_user=as_rds_master_user)


def read_only(lab, name):
    conn = lab.connect(name)
    try:
        return lab.query(conn, "SELECT @@global.read_only AS ro")[0]["ro"]
    finally:
        conn.close()


EVENT = ("d2_events", "tick")


def create_replica_disabled_event(lab, collections):
    """An event of the source, on RDS disabled for a replica (as replication and the copy create
    them, issue 12): the cutover enables it on RDS; the old source keeps it from running."""
    dialect, _status = status_layer(collections)
    source = lab.connect("onprem_source")
    try:
        lab.query(source, "CREATE DATABASE IF NOT EXISTS %s" % EVENT[0])
        lab.query(source, "DROP EVENT IF EXISTS %s.%s" % EVENT)
        lab.query(source, "CREATE EVENT %s.%s ON SCHEDULE EVERY 1 HOUR DO SET @cutover_tick = 1" % EVENT)
    finally:
        source.close()
    rds = lab.connect("rds_target")
    try:
        with rds.cursor(pymysql.cursors.DictCursor) as cur:
            disabled = dialect.detect(cur).replica_disabled_event_status()
        deadline = time.time() + 30
        while time.time() < deadline and event_status(lab) != disabled:
            time.sleep(0.2)
        assert event_status(lab) == disabled
    finally:
        rds.close()


def event_status(lab, name="rds_target"):
    conn = lab.connect(name)
    try:
        rows = lab.query(conn, "SELECT STATUS AS s FROM information_schema.EVENTS WHERE EVENT_SCHEMA = %s "
                               "AND EVENT_NAME = %s", EVENT)
        return rows[0]["s"] if rows else None
    finally:
        conn.close()


@pytest.fixture(scope="module")
def cutover(lab, tmp_path_factory):
    collections = collections_path(tmp_path_factory.mktemp("collections"))
    reset_direction2(lab)
    drop_app_account_on_rds(lab)  # the lab creates it everywhere: here only the accounts phase brings it
    report_path = Path(lab.facts["lab_dir"]) / "cutover_report.json"
    if report_path.exists():
        report_path.unlink()
    lab.labctl("load", "start", "onprem_source")
    try:
        time.sleep(2)
        setup = run_playbook(lab, collections, "onprem_to_rds.yml")
        assert setup.rc == 0, setup
        again = run_playbook(lab, collections, "onprem_to_rds.yml")
        create_replica_disabled_event(lab, collections)
        # check mode, with two deprecated variable names (they keep working one release)
        old_names = {"cutover_to_rds_source_login_port": lab.instances["onprem_source"]["port"],
                     "cutover_to_rds_checksum_exclude_databases": []}
        check = run_playbook(lab, collections, "cutover_to_rds.yml", "--check", "-e", json.dumps(old_names))
        check_read_only = read_only(lab, "onprem_source")
        time.sleep(2)  # the source keeps taking writes right up to the freeze
        promote = run_playbook(lab, collections, "cutover_to_rds.yml")
        time.sleep(1)
    finally:
        lab.labctl("load", "stop", "onprem_source", check=False)
    ids_file = Path(lab.facts["lab_dir"]) / "load" / "onprem_source.ids"
    ids = [int(line) for line in ids_file.read_text().split()] if ids_file.exists() else []
    report = json.loads(report_path.read_text()) if report_path.exists() else None
    yield dict(setup=setup, again=again, check=check, check_read_only=check_read_only, promote=promote, ids=ids,
               report=report, collections=collections)
    reset_direction2(lab)  # leave the lab as other tests expect it: RDS not promoted


def test_cutover_succeeds(cutover):
    assert cutover["promote"].rc == 0, cutover["promote"]
    assert cutover["promote"].changed > 0, cutover["promote"]


def test_check_mode_reports_the_cutover_and_changes_nothing(cutover):
    check = cutover["check"]
    assert check.rc == 0, check
    assert check.changed > 0, check  # the promotion it would do
    assert cutover["check_read_only"] == 0, "check mode froze the source"
    assert "Writes unavailable for" not in check.output, check
    for old, new in (("cutover_to_rds_source_login_port", "cutover_to_rds_login_port"),
                     ("cutover_to_rds_checksum_exclude_databases", "cutover_to_rds_proof_exclude_databases")):
        assert "[DEPRECATION WARNING]: %s is deprecated: use %s." % (old, new) in check.output, check


def test_second_setup_run_before_cutover_changes_nothing(cutover):
    assert cutover["again"].rc == 0, cutover["again"]
    assert cutover["again"].changed == 0, cutover["again"]


def test_report_has_window_positions_and_checksums(cutover):
    report = cutover["report"]
    assert report is not None, cutover["promote"]
    assert report["window_seconds"] > 0
    final = report["final_position"]
    assert final["file"] and final["position"] > 4 and final["gtid"], final
    assert report["rds_executed"] == {"file": final["file"], "position": final["position"], "gtid": ""}
    assert report["rds_position"]["file"] and report["rds_position"]["position"] > 4
    assert report["dialect"]["source"]["flavor"] and report["dialect"]["rds"]["flavor"], report["dialect"]
    queries = report["queries"]
    assert queries[:2] == ["SET GLOBAL read_only = ON", "FLUSH TABLES WITH READ LOCK"], queries
    assert queries[-1] == "UNLOCK TABLES" and len([q for q in queries if q.startswith("CALL ")]) == 2, queries
    steps = [s["step"] for s in report["timeline"]]
    for step in ("preflight", "freeze_read_only", "global_read_lock", "source_position", "rds_caught_up",
                 "rds_replication_stopped", "rds_external_master_reset", "rds_open"):
        assert step in steps, steps
    assert steps.index("freeze_read_only") < steps.index("rds_open")
    # issue 13: the freeze started once RDS was within max_backlog_bytes (default 65536) of the source
    assert steps.index("backlog_small") < steps.index("freeze_read_only"), steps
    assert 0 <= int(report["backlog_at_freeze"]) <= 65536, report["backlog_at_freeze"]
    assert float(report["unavailable_seconds"]) == float(report["window_seconds"]) and report["earlier_freezes"] == []
    assert report["checksums"]["equal"] is True, report["checksums"]
    assert TABLE in report["checksums"]["source"]
    assert "Writes unavailable for" in cutover["promote"].output


def test_events_disabled_for_the_replica_are_enabled_on_rds(lab, cutover):
    assert cutover["report"]["events_enabled"] == ["%s.%s" % EVENT], cutover["report"]
    assert event_status(lab) == "ENABLED"
    assert event_status(lab, "onprem_source") != "ENABLED"  # the old source (a replica of RDS now) keeps it off
    assert "ALTER EVENT `%s`.`%s` ENABLE" % EVENT in cutover["report"]["queries"]


def test_every_write_committed_before_the_freeze_is_on_rds(lab, cutover):
    report = cutover["report"]
    ids = cutover["ids"]
    assert len(ids) > 50, "the load generator did not write during the test"
    source = lab.connect("onprem_source")
    rds = lab.connect("rds_target")
    try:
        # created_at is the source's clock at the start of each INSERT: a row started before the freeze
        # either committed before it or was killed (and retried later with a new created_at).
        before = lab.query(source, "SELECT id FROM %s WHERE created_at < %%s" % TABLE,
                           (report["source_clock_at_freeze"],))
        before_ids = {row["id"] for row in before}
        committed_before = [i for i in ids if i in before_ids]
        assert len(committed_before) > 50
        on_rds = {row["id"] for row in lab.query(rds, "SELECT id FROM %s" % TABLE)}
        missing = sorted(set(committed_before) - on_rds)
        assert not missing, "committed on the source before the freeze, missing on RDS: %s" % missing[:20]
        # And RDS has nothing the source did not commit before the freeze.
        assert on_rds <= before_ids | set(), sorted(on_rds - before_ids)[:20]
    finally:
        source.close()
        rds.close()


def test_the_source_stays_read_only_at_its_final_position(lab, cutover):
    source = lab.connect("onprem_source")
    try:
        assert lab.query(source, "SELECT @@global.read_only AS ro")[0]["ro"] == 1
    finally:
        source.close()


def test_rds_is_writable_and_no_longer_replicates(lab, cutover):
    rds = lab.connect("rds_target")
    try:
        status = replica_status(cutover["collections"], rds, as_rds_master_user=True)
        assert not status["configured"] and status["io_running"] != "Yes", status
        assert lab.query(rds, "SELECT @@global.read_only AS ro")[0]["ro"] == 0
        lab.query(rds, "CREATE DATABASE IF NOT EXISTS d2_cutover_probe")
        lab.query(rds, "CREATE TABLE IF NOT EXISTS d2_cutover_probe.t (id INT PRIMARY KEY)")
        lab.query(rds, "INSERT INTO d2_cutover_probe.t VALUES (1)")
    finally:
        rds.close()


def test_the_way_back_replicates_from_rds(lab, cutover):
    """cutover_to_rds_rollback_replica (on in the lab): the old source follows RDS."""
    root = lab.connect("onprem_source", root=True)
    try:
        status = replica_status(cutover["collections"], root)
        assert status["io_running"] == "Yes" and status["sql_running"] == "Yes", status
        assert status["source_port"] == lab.instances["rds_target"]["port"]
        assert lab.query(root, "SELECT @@global.read_only AS ro")[0]["ro"] == 1
        deadline = time.time() + 30
        rows = []
        while time.time() < deadline and not rows:
            try:
                rows = lab.query(root, "SELECT id FROM d2_cutover_probe.t")
            except Exception:  # noqa: BLE001 - not replicated yet
                rows = []
            time.sleep(0.5)
        assert rows == [{"id": 1}], "a write on the new primary did not reach the old source"
    finally:
        root.close()


def drop_app_account_on_rds(lab):
    root = lab.connect("rds_target", root=True)
    try:
        lab.query(root, "SET SESSION sql_log_bin = 0")
        lab.query(root, "DROP USER IF EXISTS 'app'@'%'")
    finally:
        root.close()


def test_the_application_account_writes_to_rds(lab, cutover):
    """Issue 12: after the cutover the application's own account (copied to RDS by direction 2's
    accounts phase, rds_replica_of_source_accounts in the lab) writes to the new primary."""
    info = lab.instances["rds_target"]
    password = json.loads((Path(lab.facts["lab_dir"]) / "secrets.json").read_text())["app_password"]
    conn = pymysql.connect(host=info["host"], port=info["port"], user="app", password=password,
                           connect_timeout=5, autocommit=True)
    try:
        lab.query(conn, "INSERT INTO %s (payload) VALUES ('written by app after the cutover')" % TABLE)
        rows = lab.query(conn, "SELECT COUNT(*) AS n FROM %s WHERE payload = 'written by app after the cutover'" % TABLE)
    finally:
        conn.close()
    assert rows[0]["n"] >= 1


def test_cutover_again_changes_nothing(lab, cutover):
    again = run_playbook(lab, cutover["collections"], "cutover_to_rds.yml")
    assert again.rc == 0, again
    assert again.changed == 0, again


def test_no_secret_in_output(lab, cutover):
    for key in ("setup", "again", "promote"):
        assert_no_secret(lab, cutover[key])


@pytest.fixture(scope="module")
def setup_after_cutover(lab, cutover):
    """onprem_to_rds.yml again after the cutover, once RDS took writes the old source does not have."""
    root = lab.connect("onprem_source", root=True)
    rds = lab.connect("rds_target")
    dialect, _status = status_layer(cutover["collections"])
    try:
        with root.cursor(pymysql.cursors.DictCursor) as cur:
            lab.query(root, *dialect.detect(cur).stop_statement())  # the way back stops: the old source misses what follows
        lab.query(rds, "CREATE DATABASE IF NOT EXISTS d2_cutover_probe")
        lab.query(rds, "CREATE TABLE IF NOT EXISTS d2_cutover_probe.t (id INT PRIMARY KEY)")
        lab.query(rds, "INSERT INTO d2_cutover_probe.t VALUES (2)")
        writes = lab.query(rds, "SELECT COUNT(*) AS n, MAX(id) AS last FROM %s" % TABLE)[0]
        check = run_playbook(lab, cutover["collections"], "onprem_to_rds.yml", "--check")
        again = run_playbook(lab, cutover["collections"], "onprem_to_rds.yml")
        after = dict(probe=sorted(r["id"] for r in lab.query(rds, "SELECT id FROM d2_cutover_probe.t")),
                     writes=lab.query(rds, "SELECT COUNT(*) AS n, MAX(id) AS last FROM %s" % TABLE)[0],
                     status=replica_status(cutover["collections"], rds, as_rds_master_user=True))
    finally:
        root.close()
        rds.close()
    return dict(check=check, again=again, writes_before=writes, **after)


def _assert_refusal(run):
    assert run.rc != 0, run
    assert "refusing to load into" in run.output, run
    assert "does not replicate from any source" in run.output, run  # promoted: RDS forgot the source
    assert "d2_cutover_probe (1 table)" in run.output and "loadgen (1 table)" in run.output, run
    assert "rds_replica_of_source_overwrite" in run.output and "do not load it again" in run.output, run


def test_setup_after_cutover_refuses(lab, setup_after_cutover):
    _assert_refusal(setup_after_cutover["again"])
    assert setup_after_cutover["again"].changed == 0, setup_after_cutover["again"]
    assert_no_secret(lab, setup_after_cutover["again"])


def test_setup_after_cutover_in_check_mode_reports_the_refusal(lab, setup_after_cutover):
    _assert_refusal(setup_after_cutover["check"])
    assert setup_after_cutover["check"].changed == 0, setup_after_cutover["check"]


def test_setup_after_cutover_keeps_the_writes_made_on_rds(setup_after_cutover):
    assert setup_after_cutover["probe"] == [1, 2]  # 2 exists only on RDS: a reload would drop it
    assert setup_after_cutover["writes"] == setup_after_cutover["writes_before"]
    status = setup_after_cutover["status"]
    assert not status["configured"], status  # and RDS was not pointed back at the source
