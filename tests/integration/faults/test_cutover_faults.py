"""Faults during playbooks/cutover_to_rds.yml, with the load generator writing to onprem_source:
RDS stalled (SIGSTOP) during the freeze, SIGINT to the playbook's process group before the freeze,
during it and right after the promotion, and the module killed (SIGKILL) while the source is frozen.
Each ends safe (the source writable or RDS promoted), the re-run converges, no committed write is
lost and the reported unavailability covers the real gap.

Each phase is held by the module's lab-only hook (MYSQL_RDS_REPLICATION_CUTOVER_HOLD=<phase>:<s>,
right after the phase is recorded in the state file), so the signal lands where it is meant to."""
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pymysql
import pytest

from playbook_runner import REPO, Run, ansible_playbook, collections_path, reset_direction2, run_playbook

WAIT_TIMEOUT = 12


def read_only(lab):
    """The source's read_only (asked again when the cutover killed this session meanwhile)."""
    for _attempt in range(20):
        try:
            conn = lab.connect("onprem_source")
            try:
                return lab.query(conn, "SELECT @@global.read_only AS ro")[0]["ro"]
            finally:
                conn.close()
        except pymysql.MySQLError:
            time.sleep(0.05)
    raise AssertionError("onprem_source does not answer")


def rds_status(lab):
    conn = lab.connect("rds_target")
    try:
        rows = lab.query(conn, "CALL mysql.rds_replica_status()")
        return rows[0] if rows else {}
    finally:
        conn.close()


def phase(state_path):
    try:
        return json.loads(Path(state_path).read_text()).get("phase")
    except (OSError, ValueError):
        return None


class Cutover:
    """ansible-playbook cutover_to_rds.yml in its own process group, held at a phase."""

    def __init__(self, lab, collections, state_path, hold=None):
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_NOCOLOR="1",
                   ANSIBLE_RETRY_FILES_ENABLED="0")
        if hold:
            env["MYSQL_RDS_REPLICATION_CUTOVER_HOLD"] = hold
        extra = {"cutover_to_rds_state_path": state_path, "cutover_to_rds_wait_timeout": WAIT_TIMEOUT}
        self.proc = subprocess.Popen(
            [ansible_playbook(), "-i", str(lab.inventory_path), str(REPO / "playbooks" / "cutover_to_rds.yml"),
             "-e", json.dumps(extra)], cwd=str(REPO), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, start_new_session=True)

    def wait_for_phase(self, state_path, wanted, timeout=120):
        deadline = time.time() + timeout
        while time.time() < deadline and self.proc.poll() is None:
            if phase(state_path) == wanted:
                return True
            time.sleep(0.05)
        return False

    def signal(self, number):
        os.killpg(self.proc.pid, number)

    @staticmethod
    def kill_module(state_path):
        """SIGKILL the module's process only, by the id it recorded (Ansible's workers start sessions
        of their own, and a pipelined module's command line does not name it)."""
        pid = json.loads(Path(state_path).read_text())["pid"]
        os.kill(pid, signal.SIGKILL)
        return [pid]

    def finish(self, timeout=180):
        stdout, stderr = self.proc.communicate(timeout=timeout)
        return Run(subprocess.CompletedProcess(self.proc.args, self.proc.returncode, stdout, stderr))


@pytest.fixture(scope="module")
def faults(lab, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cutover_faults")
    collections = collections_path(tmp / "collections")
    state_path = str(tmp / "cutover_state.json")
    report_path = Path(lab.facts["lab_dir"]) / "cutover_report.json"
    report_path.unlink(missing_ok=True)
    reset_direction2(lab)
    found = {}
    lab.labctl("load", "start", "onprem_source", "--rate", "20")
    rds_pid = int((Path(lab.facts["lab_dir"]) / "rds_target" / "mysqld.pid").read_text())
    try:
        setup = run_playbook(lab, collections, "onprem_to_rds.yml")
        assert setup.rc == 0, setup

        # 1. RDS stalls during the freeze: the source is frozen at most wait_timeout + a few seconds.
        run = Cutover(lab, collections, state_path, hold="freezing:2")
        assert run.wait_for_phase(state_path, "freezing"), run.finish()
        os.kill(rds_pid, signal.SIGSTOP)
        try:
            frozen_at, deadline = None, time.time() + 120
            while run.proc.poll() is None and time.time() < deadline:
                now, frozen = time.time(), read_only(lab)
                if frozen_at is None and frozen:
                    frozen_at = now
                if frozen_at is not None and not frozen:
                    break
                time.sleep(0.1)
            found["stall_frozen_seconds"] = time.time() - frozen_at if frozen_at else None
            found["stall"] = run.finish()
        finally:
            os.kill(rds_pid, signal.SIGCONT)
        found["stall_read_only"] = read_only(lab)

        # 2. SIGINT before the freeze.
        run = Cutover(lab, collections, state_path, hold="preflight:60")
        assert run.wait_for_phase(state_path, "preflight"), run.finish()
        run.signal(signal.SIGINT)
        found["before"] = run.finish()
        time.sleep(1)
        found["before_read_only"], found["before_rds"] = read_only(lab), rds_status(lab)

        # 3. SIGINT during the freeze: the module gives the source back itself.
        run = Cutover(lab, collections, state_path, hold="final_position:60")
        assert run.wait_for_phase(state_path, "final_position"), run.finish()
        found["during_frozen"] = read_only(lab)
        run.signal(signal.SIGINT)
        found["during"] = run.finish()
        time.sleep(1)
        found["during_read_only"], found["during_phase"] = read_only(lab), phase(state_path)

        # 4. The module killed (SIGKILL) during the freeze: the freeze is left for the re-run.
        run = Cutover(lab, collections, state_path, hold="final_position:60")
        assert run.wait_for_phase(state_path, "final_position"), run.finish()
        found["killed_pids"] = run.kill_module(state_path)
        found["killed"] = run.finish()
        found["killed_read_only"] = read_only(lab)

        # 5. The re-run undoes that freeze, cuts over, and is interrupted right after the promotion.
        run = Cutover(lab, collections, state_path, hold="promoted:60")
        assert run.wait_for_phase(state_path, "promoted"), run.finish()
        run.signal(signal.SIGINT)
        found["after"] = run.finish()
        found["after_read_only"], found["after_rds"] = read_only(lab), rds_status(lab)
        found["after_state"] = json.loads(Path(state_path).read_text())

        # 6. The re-run finishes from the record (report, way back); a last one changes nothing.
        found["finish"] = Cutover(lab, collections, state_path).finish()
        found["again"] = Cutover(lab, collections, state_path).finish()
    finally:
        lab.labctl("load", "stop", "onprem_source", check=False)
    found["load"] = json.loads(lab.labctl("load", "report", "onprem_source").stdout)
    found["verify"] = json.loads(lab.labctl("load", "verify", "onprem_source", "--on", "rds_target",
                                            "--timeout", "30").stdout)
    found["report"] = json.loads(report_path.read_text()) if report_path.exists() else None
    rds = lab.connect("rds_target")
    try:  # the source's clock at each write; every write before the final freeze is on RDS
        found["written_at"] = [row["t"] for row in lab.query(
            rds, "SELECT UNIX_TIMESTAMP(created_at) AS t FROM loadgen.writes ORDER BY created_at")]
    finally:
        rds.close()
    yield found
    reset_direction2(lab)


def test_a_stalled_rds_holds_the_freeze_no_longer_than_wait_timeout(faults):
    stall = faults["stall"]
    assert stall.rc != 0, stall
    assert "RDS did not answer while the source was frozen" in stall.output, stall
    assert "the source is writable again" in stall.output, stall
    assert faults["stall_read_only"] == 0
    assert faults["stall_frozen_seconds"] is not None and faults["stall_frozen_seconds"] <= WAIT_TIMEOUT + 5, faults


def test_sigint_before_the_freeze_changes_nothing(faults):
    assert faults["before"].rc != 0, faults["before"]
    assert faults["before_read_only"] == 0
    running = [faults["before_rds"].get(key) for key in ("Slave_SQL_Running", "Replica_SQL_Running")]
    assert "Yes" in running, faults["before_rds"]


def test_sigint_during_the_freeze_gives_the_source_back(faults):
    assert faults["during_frozen"] == 1, "the hold did not keep the source frozen"
    assert faults["during"].rc != 0, faults["during"]
    assert faults["during_read_only"] == 0
    assert faults["during_phase"] == "unfrozen"


def test_a_killed_module_leaves_a_freeze_the_rerun_undoes(faults):
    assert faults["killed_pids"], "no module process found to kill"
    assert faults["killed_read_only"] == 1  # the freeze is left: read_only stays, the lock died
    reasons = [item["reason"] for item in faults["after_state"]["earlier_freezes"]]
    assert "left by an interrupted run, undone by the next one" in reasons, reasons


def test_sigint_after_the_promotion_leaves_rds_promoted(faults):
    assert faults["after"].rc != 0, faults["after"]
    assert faults["after_state"]["phase"] == "promoted", faults["after_state"]["phase"]
    assert faults["after_read_only"] == 1
    assert not faults["after_rds"].get("Master_Host") and not faults["after_rds"].get("Source_Host"), faults


def test_the_rerun_finishes_from_the_record_and_converges(faults):
    finish, again = faults["finish"], faults["again"]
    assert finish.rc == 0, finish
    assert finish.changed > 0, finish  # the report and the way back
    assert "Writes unavailable for" in finish.output, finish
    assert again.rc == 0 and again.changed == 0, again
    report = faults["report"]
    assert report and report["final_position"]["file"] and report["rds_position"]["file"], report


def test_no_committed_write_is_lost(faults):
    assert faults["load"]["committed"] > 50, faults["load"]
    assert faults["verify"]["missing"] == 0, faults["verify"]


def test_the_reported_unavailability_covers_the_real_gap(faults):
    """Every pause of the writer (> 3 s between two writes, by the source's clock) lies within a
    freeze of the report, and the total reported covers the longest."""
    report = faults["report"]
    freezes = report["earlier_freezes"]
    assert len(freezes) >= 3, freezes  # stall, SIGINT, kill
    times = [float(t) for t in faults["written_at"]]
    gaps = [(a, b) for a, b in zip(times, times[1:]) if b - a > 3]
    assert gaps, "the freezes did not pause the writer"
    for start, end in gaps:
        covering = [f for f in freezes if f["frozen_at"] - 1 <= start and f["unfrozen_at"] + 2 >= end]
        assert covering, "a %.1f s pause of the writes (%s) is in no reported freeze: %s" % (end - start, start, freezes)
    assert float(report["unavailable_seconds"]) + 2 >= max(b - a for a, b in gaps), report
