"""Direction 2 with an event writing every second on the source and the event scheduler ON on RDS
(as an RDS parameter group may have it): the copied event is created disabled for a replica, so
it runs only on the source; RDS gets its rows from replication only (no 1062), and keeps replicating.

Starts from fresh onprem_source/rds_target and leaves them fresh."""
import pytest

from playbook_runner import assert_no_secret, reset_direction2, run_playbook, status_row
from polling import wait_until

DROPIN = "90-mysql-rds-replication.cnf"


@pytest.fixture(scope="module")
def collections(tmp_path_factory):
    from playbook_runner import collections_path
    return collections_path(tmp_path_factory.mktemp("collections"))


def _root(lab, name, sql):
    conn = lab.connect(name, root=True)
    try:
        return lab.query(conn, sql)
    finally:
        conn.close()


def _scalar(lab, name, sql):
    return next(iter(_root(lab, name, sql)[0].values()))


@pytest.fixture
def ticking(lab):
    """A source event inserting a row every second, the scheduler ON on both servers (lab root)."""
    from pathlib import Path
    (Path(lab.instances["onprem_source"]["conf_dir"]) / DROPIN).unlink(missing_ok=True)
    reset_direction2(lab)
    rds_scheduler = _scalar(lab, "rds_target", "SELECT @@global.event_scheduler")
    conn = lab.connect("onprem_source")
    try:
        lab.query(conn, "CREATE DATABASE d2ev")
        lab.query(conn, "CREATE TABLE d2ev.ticks (id INT AUTO_INCREMENT PRIMARY KEY, at DATETIME(6) NOT NULL)")
        lab.query(conn, "CREATE EVENT d2ev.tick ON SCHEDULE EVERY 1 SECOND DO "
                        "INSERT INTO d2ev.ticks (at) VALUES (NOW(6))")
    finally:
        conn.close()
    _root(lab, "onprem_source", "SET GLOBAL event_scheduler = ON")
    _root(lab, "rds_target", "SET GLOBAL event_scheduler = ON")
    assert wait_until(lambda: _scalar(lab, "onprem_source", "SELECT COUNT(*) FROM d2ev.ticks") >= 2, timeout=20)
    yield
    _root(lab, "onprem_source", "SET GLOBAL event_scheduler = OFF")
    _root(lab, "rds_target", "SET GLOBAL event_scheduler = %s" % ("ON" if rds_scheduler in ("ON", 1) else "OFF"))
    reset_direction2(lab)


def _replicating(lab):
    rds = lab.connect("rds_target")
    try:
        return status_row(lab, rds)
    finally:
        rds.close()


def test_a_source_event_runs_only_on_the_source(lab, collections, ticking):
    # (also: extra dump options reach the dump client, which refuses an unknown one)
    run = run_playbook(lab, collections, "onprem_to_rds.yml",
                       "-e", '{"rds_replica_of_source_extra_dump_options": ["--max-allowed-packet=256M"]}')
    assert run.rc == 0, run
    assert "event(s) disabled on the replica: d2ev.tick" in run.output, run
    assert_no_secret(lab, run)

    # the event is on RDS with its definition, disabled for a replica
    status = _scalar(lab, "rds_target", "SELECT STATUS FROM information_schema.EVENTS "
                                        "WHERE EVENT_SCHEMA = 'd2ev' AND EVENT_NAME = 'tick'")
    assert status == "SLAVESIDE_DISABLED", status
    before = _scalar(lab, "rds_target", "SELECT COUNT(*) FROM d2ev.ticks")
    # 10 s of ticks: they arrive by replication, and replication keeps running
    assert wait_until(lambda: _scalar(lab, "rds_target", "SELECT COUNT(*) FROM d2ev.ticks") >= before + 8,
                      timeout=30, step=1)
    row = _replicating(lab)
    assert row.get("Slave_IO_Running") == "Yes" and row.get("Slave_SQL_Running") == "Yes", row
    assert str(row.get("Last_SQL_Errno")) == "0", row

    # stop the source's ticks: once caught up, RDS holds exactly the source's rows (none of its own)
    _root(lab, "onprem_source", "SET GLOBAL event_scheduler = OFF")
    source = _scalar(lab, "onprem_source", "SELECT @@global.gtid_binlog_pos")
    assert wait_until(lambda: _scalar(lab, "rds_target", "SELECT @@global.gtid_slave_pos") == source,
                      timeout=60, step=1), _replicating(lab)
    checks = [_root(lab, name, "CHECKSUM TABLE d2ev.ticks EXTENDED")[0]["Checksum"]
              for name in ("onprem_source", "rds_target")]
    counts = [_scalar(lab, name, "SELECT COUNT(*) FROM d2ev.ticks") for name in ("onprem_source", "rds_target")]
    assert checks[0] == checks[1] and counts[0] == counts[1], (checks, counts)
    assert str(_replicating(lab).get("Last_SQL_Errno")) == "0"
