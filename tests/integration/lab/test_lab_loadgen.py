"""The load generator records exactly the writes that were committed, and survives refusals."""
import json
import time

import pytest

TABLE = "loadgen.labtest_writes"


@pytest.fixture
def load(lab):
    lab.labctl("load", "stop", "rds_target")
    yield
    lab.labctl("load", "stop", "rds_target")
    root = lab.connect("rds_target", root=True)
    try:
        lab.query(root, "SET GLOBAL read_only = OFF")
        lab.query(root, "DROP TABLE IF EXISTS %s" % TABLE)
    finally:
        root.close()


def _report(lab, *args):
    return json.loads(lab.labctl("load", *args, "rds_target").stdout)


def test_load_counts_committed_and_refused_writes(lab, load):
    lab.labctl("load", "start", "rds_target", "--rate", "50", "--table", TABLE, "--max-seconds", "60")
    root = lab.connect("rds_target", root=True)
    try:
        time.sleep(2)
        lab.query(root, "SET GLOBAL read_only = ON")  # the application user cannot write now
        time.sleep(1.5)
        lab.query(root, "SET GLOBAL read_only = OFF")
        time.sleep(1.5)
        assert _report(lab, "report")["running"] is True
        rep = _report(lab, "stop")
        assert rep["running"] is False
        assert rep["committed"] > 50 and rep["failed"] > 0, rep
        assert rep["max_gap_seconds"] >= 1.0, rep
        with open(rep["ids_file"]) as fh:
            ids = [int(line) for line in fh]
        assert len(ids) == rep["committed"] and ids[0] == rep["first_id"] and ids[-1] == rep["last_id"]
        rows = {r["id"] for r in lab.query(root, "SELECT id FROM %s" % TABLE)}
        assert set(ids) == rows  # every committed id is there, and nothing else was committed
    finally:
        root.close()


def test_load_ends_by_itself(lab, load):
    lab.labctl("load", "start", "rds_target", "--rate", "20", "--table", TABLE, "--max-seconds", "1")
    deadline = time.time() + 15
    while time.time() < deadline and _report(lab, "report")["running"]:
        time.sleep(0.3)
    rep = _report(lab, "report")
    assert rep["running"] is False and rep["ended_at"] and rep["committed"] > 0


def test_load_writes_as_an_application_that_read_only_stops(lab):
    """A freeze (read_only) must stop the writer as it stops an application: no global privilege."""
    root = lab.connect("onprem_source", root=True)
    try:
        grants = " ".join(next(iter(r.values())) for r in lab.query(root, "SHOW GRANTS FOR 'app'@'%'"))
    finally:
        root.close()
    assert "ON *.*" not in grants.replace("USAGE ON *.*", ""), grants
    assert "`loadgen`.*" in grants, grants
