"""Direction 1 (playbooks/rds_to_onprem.yml) under faults and bad inputs (issues 11 and 12):
- a wrong CA bundle, a source that does not write ROW, missing files: the run fails naming the
  problem before anything changes (the installed bundle, the security group rule, the replication
  account, the running replica are left as they were), and a re-run converges;
- a binlog the source purged (1236): the failure names replica_of_rds_force_reload=true, which then
  converges;
- replica_of_rds_force_reload=true on a live replica under writes, three times in a row: each run
  stops replication before dropping anything, and proves the copy;
- SIGINT to the playbook while it copies the paused RDS read replica: the re-run resumes it and
  leaves no candidate CA bundle;
- --check on a configured replica whose installed CA bundle was deleted reports its install; a
  bundle path in a new directory: --check creates nothing, the real run creates the directory;
- restarts of the replica and of the source after direction 1: replication resumes by itself and the
  tables are equal; the drop-in keeps the binlog base name the replica runs with.

Every test starts from a replica replicating from rds_source (set up if it is not) and leaves one."""
import hashlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from playbook_runner import REPO, ansible_playbook, assert_no_secret, collections_path, run_playbook
from polling import wait_until

SOURCE, REPLICA, READ_REPLICA = "rds_source", "onprem_replica", "rds_read_replica"
DROPIN = "60-replica-of-rds.cnf"   # the role's default replica_of_rds_config_file
TEST_CNF = "50-test-direction1.cnf"


@pytest.fixture(scope="module")
def collections(tmp_path_factory):
    return collections_path(tmp_path_factory.mktemp("collections"))


def play(lab, collections, *args):
    return run_playbook(lab, collections, "rds_to_onprem.yml", *args)


def host_vars(lab):
    return lab.inventory["all"]["children"]["rds_to_onprem"]["hosts"]["lab_onprem_replica"]


def rows(lab, name, sql, args=None, root=True):
    conn = lab.connect(name, root=root)
    try:
        return lab.query(conn, sql, args)
    finally:
        conn.close()


def slave(lab, name=REPLICA):
    found = rows(lab, name, "SHOW SLAVE STATUS")
    return found[0] if found else {}


def replicating(lab):
    row = slave(lab)
    return (row.get("Slave_IO_Running") == "Yes" and row.get("Slave_SQL_Running") == "Yes"
            and int(row.get("Master_Port") or 0) == lab.instances[SOURCE]["port"])


def ensure_replicating(lab, collections):
    """The known state of every test: onprem_replica replicates from rds_source (set up by the role)."""
    if replicating(lab) and (Path(lab.instances[REPLICA]["conf_dir"]) / DROPIN).exists():
        return
    lab.labctl("load", "stop", SOURCE, check=False)
    (Path(lab.instances[REPLICA]["conf_dir"]) / TEST_CNF).unlink(missing_ok=True)
    (Path(lab.instances[REPLICA]["conf_dir"]) / DROPIN).unlink(missing_ok=True)
    lab.labctl("reset", REPLICA)
    run = play(lab, collections, "-e", "replica_of_rds_overwrite=true")
    assert run.rc == 0, run


def checksum_equal(lab, collections):
    """table_checksum with replica_login (exact under writes): (equal, different)."""
    src, dst = lab.instances[SOURCE], lab.instances[REPLICA]
    args = dict(login_host=src["host"], login_port=src["port"], login_user=src["admin_user"],
                login_password=src["admin_password"], ca_cert=str(lab.tls_dir / "ca.pem"), config_file="",
                replica_login=dict(login_host=dst["host"], login_port=dst["port"], login_user=dst["admin_user"],
                                   login_password=dst["admin_password"], config_file=""),
                replica_timeout=120)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_NOCOLOR="1")
    adhoc = str(Path(ansible_playbook()).with_name("ansible"))
    proc = subprocess.run([adhoc, "localhost", "-c", "local", "-i", "localhost,", "-e",
                           "ansible_python_interpreter=" + lab.facts["ansible_python_interpreter"],
                           "-m", "mysql_rds.replication.table_checksum", "-a", json.dumps(args)],
                          capture_output=True, text=True, env=env, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(proc.stdout[proc.stdout.index("{"):])
    return result["replica"]["equal"], result["replica"]["different"]


def bundle_digest(lab):
    path = Path(host_vars(lab)["replica_of_rds_ca_bundle_path"])
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def _aws(lab, service):
    import boto3
    return boto3.client(service, endpoint_url=lab.aws["endpoint_url"], region_name=lab.aws["region"],
                        aws_access_key_id=lab.aws["access_key"], aws_secret_access_key=lab.aws["secret_key"])


def replica_rule(lab, revoke=False):
    """Whether the lab's security group lets the replica in (127.0.0.1/32 on the source port)."""
    ec2, port = _aws(lab, "ec2"), lab.instances[SOURCE]["port"]
    group = lab.aws["security_group_id"]
    perms = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]["IpPermissions"]
    found = any(p.get("IpProtocol") == "tcp" and p.get("FromPort") == port and p.get("ToPort") == port
                and any(r["CidrIp"] == "127.0.0.1/32" for r in p.get("IpRanges", [])) for p in perms)
    if revoke and found:
        ec2.revoke_security_group_ingress(GroupId=group, IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": "127.0.0.1/32"}]}])
    return found


def repl_accounts(lab):
    return rows(lab, SOURCE, "SELECT user FROM mysql.user WHERE user = 'repl'")


def _before_a_bad_run(lab, collections):
    """Replicating; then the rule and the replication account removed, to see that a failed run adds neither."""
    ensure_replicating(lab, collections)
    replica_rule(lab, revoke=True)
    rows(lab, SOURCE, "DROP USER IF EXISTS 'repl'@'%'")
    return bundle_digest(lab)


def _assert_nothing_changed(lab, run, digest):
    assert run.rc != 0 and run.changed == 0, run
    assert bundle_digest(lab) == digest, "the installed CA bundle was replaced"
    assert not replica_rule(lab), "the security group rule was added before the checks passed"
    assert not repl_accounts(lab), "the replication account was created before the checks passed"
    assert replicating(lab), slave(lab)
    assert "Nothing was changed" in run.output, run
    assert_no_secret(lab, run)


def _converges(lab, collections, *args):
    run = play(lab, collections, *args)
    assert run.rc == 0, run
    assert replica_rule(lab) and repl_accounts(lab), run
    return run


def test_wrong_ca_changes_nothing(lab, collections, tmp_path):
    digest = _before_a_bad_run(lab, collections)
    key, pem = tmp_path / "wrong.key", tmp_path / "wrong-ca.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(pem), "-days", "2", "-subj", "/CN=not the RDS CA", "-addext",
                    "basicConstraints=critical,CA:TRUE"], check=True, capture_output=True)
    run = play(lab, collections, "-e", "replica_of_rds_ca_bundle_src=%s" % pem)
    _assert_nothing_changed(lab, run, digest)
    assert "does not verify its certificate" in run.output, run
    _converges(lab, collections)


def test_source_without_row_binlog_changes_nothing(lab, collections):
    digest = _before_a_bad_run(lab, collections)
    rows(lab, SOURCE, "SET GLOBAL binlog_format = 'MIXED'")
    try:
        run = play(lab, collections)
    finally:
        rows(lab, SOURCE, "SET GLOBAL binlog_format = 'ROW'")
    _assert_nothing_changed(lab, run, digest)
    assert "The source runs with binlog_format MIXED" in run.output, run
    _converges(lab, collections)


def test_missing_files_are_named(lab, collections):
    ensure_replicating(lab, collections)
    run = play(lab, collections, "-e", "replica_of_rds_ca_bundle_src=/nonexistent/rds-ca.pem")
    assert run.rc != 0 and run.changed == 0, run
    assert "replica_of_rds_ca_bundle_src: file /nonexistent/rds-ca.pem not found" in run.output, run
    # Time zones are loaded only when the tables are empty: empty them to reach the check.
    rows(lab, REPLICA, "DELETE FROM mysql.time_zone_name")
    run = play(lab, collections, "-e", "replica_of_rds_zoneinfo_dir=/nonexistent/zoneinfo")
    assert run.rc != 0 and run.changed == 0, run
    assert "replica_of_rds_zoneinfo_dir: directory /nonexistent/zoneinfo not found" in run.output, run
    again = play(lab, collections)
    assert again.rc == 0, again
    assert rows(lab, REPLICA, "SELECT COUNT(*) AS n FROM mysql.time_zone_name")[0]["n"] > 0


def test_purged_binlog_names_force_reload(lab, collections):
    ensure_replicating(lab, collections)
    rows(lab, REPLICA, "STOP SLAVE")
    conn = lab.connect(SOURCE)
    try:
        lab.query(conn, "CREATE DATABASE IF NOT EXISTS d1_faults")
        lab.query(conn, "CREATE TABLE IF NOT EXISTS d1_faults.t (id INT PRIMARY KEY)")
        lab.query(conn, "REPLACE INTO d1_faults.t VALUES (1), (2)")
    finally:
        conn.close()
    # The read replica reads the newest binlog once caught up: only older files are purged.
    wait_until(lambda: slave(lab, READ_REPLICA).get("Seconds_Behind_Master") == 0, timeout=30)
    rows(lab, SOURCE, "FLUSH BINARY LOGS")
    rows(lab, SOURCE, "FLUSH BINARY LOGS")
    newest = rows(lab, SOURCE, "SHOW MASTER STATUS")[0]["File"]

    def purged():
        # The server keeps a file a dump thread (the read replica's) still reads, with a warning
        # only: purge again until that thread moved on to the newest file.
        rows(lab, SOURCE, "PURGE BINARY LOGS TO %s", (newest,))
        return [r["Log_name"] for r in rows(lab, SOURCE, "SHOW BINARY LOGS")] == [newest]
    assert wait_until(purged, timeout=30), rows(lab, SOURCE, "SHOW BINARY LOGS")
    first = play(lab, collections)
    assert first.rc != 0, first
    assert "replica_of_rds_force_reload=true" in first.output, first
    second = play(lab, collections)   # now the replica shows 1236: refused in the preflight
    assert second.rc != 0 and second.changed == 0, second
    assert "stopped with error 1236" in second.output and "replica_of_rds_force_reload=true" in second.output
    reload = play(lab, collections, "-e", "replica_of_rds_force_reload=true")
    assert reload.rc == 0, reload
    assert "none different" in reload.output, reload
    assert replicating(lab)


def test_force_reload_under_writes_three_times(lab, collections):
    ensure_replicating(lab, collections)
    lab.labctl("load", "start", SOURCE, "--rate", "20")
    try:
        runs = []
        for _attempt in range(3):
            runs.append(play(lab, collections, "-e", "replica_of_rds_force_reload=true"))
    finally:
        load = json.loads(lab.labctl("load", "stop", SOURCE).stdout)
    for run in runs:
        assert run.rc == 0, run
        assert "copying the data again with" in run.output, run
        assert "none different" in run.output, run
    assert load["failed"] == 0, load
    wait_until(lambda: replicating(lab) and slave(lab).get("Seconds_Behind_Master") == 0, timeout=60)
    equal, different = checksum_equal(lab, collections)
    assert not different and "loadgen.writes" in equal, (equal, different)


def ca_candidates(lab, tmpdir, bundle=None):
    """Candidate CA bundles a run left: beside the installed bundle, or in the run's TMPDIR."""
    bundle = Path(bundle or host_vars(lab)["replica_of_rds_ca_bundle_path"])
    return sorted(str(p) for p in [*bundle.parent.glob(bundle.name + ".candidate*"),
                                   *Path(tmpdir).glob("replica_of_rds_ca.*")])


def test_interrupted_read_replica_copy_is_resumed(lab, collections, tmp_path, monkeypatch):
    ensure_replicating(lab, collections)
    # Without an installed bundle the run fetches a candidate and installs it before the copy; a
    # private TMPDIR shows a temporary file the run would leave behind.
    Path(host_vars(lab)["replica_of_rds_ca_bundle_path"]).unlink()
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    conn = lab.connect(SOURCE)
    try:   # a table large enough that the copy of the paused read replica takes a few seconds
        lab.query(conn, "CREATE DATABASE IF NOT EXISTS d1_faults")
        lab.query(conn, "CREATE TABLE IF NOT EXISTS d1_faults.big (id INT PRIMARY KEY, v VARCHAR(200))")
        lab.query(conn, "REPLACE INTO d1_faults.big SELECT seq, REPEAT('x', 200) FROM d1_faults.seq_1_to_60000")
    finally:
        conn.close()
    wait_until(lambda: slave(lab, READ_REPLICA).get("Seconds_Behind_Master") == 0, timeout=60)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_NOCOLOR="1")
    cmd = [ansible_playbook(), "-i", str(lab.inventory_path), str(REPO / "playbooks" / "rds_to_onprem.yml"),
           "-e", "replica_of_rds_snapshot_strategy=read_replica", "-e", "replica_of_rds_force_reload=true",
           "-e", "replica_of_rds_parallel=never"]
    proc = subprocess.Popen(cmd, cwd=str(REPO), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    try:
        paused = wait_until(lambda: slave(lab, READ_REPLICA).get("Slave_SQL_Running") == "No", timeout=120,
                            step=0.05)
        assert paused, "the read replica was never paused"
        time.sleep(0.5)   # inside the copy
        os.killpg(proc.pid, signal.SIGINT)
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    left = slave(lab, READ_REPLICA)
    assert left.get("Slave_SQL_Running") == "No" and not left.get("Last_SQL_Errno"), left  # left paused
    assert ca_candidates(lab, tmp_path), "the interrupted run left no candidate CA bundle: nothing tested"
    try:
        rerun = play(lab, collections, "-e", "replica_of_rds_force_reload=true")
        assert rerun.rc == 0, rerun
        assert "Resume the RDS read replica a previous run left paused" in rerun.output, rerun
        assert wait_until(lambda: slave(lab, READ_REPLICA).get("Slave_SQL_Running") == "Yes", timeout=30)
        assert not ca_candidates(lab, tmp_path), "candidate CA bundles left after the re-run"
    finally:
        rows(lab, SOURCE, "DROP DATABASE IF EXISTS d1_faults")


def task_output(run, name):
    """What the playbook printed for the task called ``name`` (its first occurrence)."""
    return run.output.split(name + "]", 1)[1].split("\nTASK [", 1)[0]


def test_check_without_the_installed_bundle_reports_its_install(lab, collections, tmp_path, monkeypatch):
    """--check on a configured replica whose installed CA bundle was deleted: the real run installs it
    first, so check mode reports the install and the replica's plan against it instead of failing."""
    ensure_replicating(lab, collections)
    bundle = Path(host_vars(lab)["replica_of_rds_ca_bundle_path"])
    saved = bundle.read_bytes()
    bundle.unlink()
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    try:
        run = play(lab, collections, "--check", "--diff")
        assert run.rc == 0, run
        assert "changed: [" in task_output(run, "Put the checked CA bundle in place"), run
        planned = task_output(run, "Point the replica at the RDS source (TLS, certificate verified)")
        assert "ok: [" in planned and "source_ssl_ca=%s does not exist yet" % bundle in run.output, run
        assert not bundle.exists(), "check mode installed the CA bundle"
        assert not ca_candidates(lab, tmp_path), "check mode left a candidate CA bundle"
        assert replicating(lab), slave(lab)
    finally:
        bundle.write_bytes(saved)


def test_bundle_in_a_new_directory(lab, collections, tmp_path, monkeypatch):
    """A bundle path in a directory that does not exist yet: --check creates nothing (its candidate is
    scratch in TMPDIR) and leaves nothing; the real run creates the directory and leaves no candidate."""
    ensure_replicating(lab, collections)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    bundle = tmp_path / "new-ca-dir" / "rds-ca-bundle.pem"
    try:
        check = play(lab, collections, "--check", "-e", "replica_of_rds_ca_bundle_path=%s" % bundle)
        assert check.rc == 0, check
        assert not bundle.parent.exists(), "check mode created the bundle's directory"
        assert not ca_candidates(lab, tmp_path, bundle), "check mode left a candidate CA bundle"
        run = play(lab, collections, "-e", "replica_of_rds_ca_bundle_path=%s" % bundle)
        assert run.rc == 0, run
        assert bundle.exists() and not ca_candidates(lab, tmp_path, bundle), run
        assert slave(lab).get("Master_SSL_CA_File") == str(bundle), slave(lab)
    finally:
        assert play(lab, collections).rc == 0   # the channel names the inventory's bundle again


def _resumes_after_restart(lab, collections, name):
    ensure_replicating(lab, collections)
    lab.labctl("load", "start", SOURCE, "--rate", "20")
    try:
        time.sleep(2)
        lab.labctl("restart", name)
        assert wait_until(lambda: replicating(lab), timeout=90, step=1), slave(lab)
        time.sleep(2)
    finally:
        lab.labctl("load", "stop", SOURCE)
    equal, different = checksum_equal(lab, collections)
    assert not different and "loadgen.writes" in equal, (equal, different)


def test_replica_restart_resumes_replication(lab, collections):
    _resumes_after_restart(lab, collections, REPLICA)


def test_source_restart_resumes_replication(lab, collections):
    _resumes_after_restart(lab, collections, SOURCE)


def test_drop_in_keeps_the_running_binlog_base_name(lab, collections):
    """A replica whose binlog runs under another name keeps it: a restart finds its binlogs in the index."""
    conf_d = Path(lab.instances[REPLICA]["conf_dir"])
    lab.labctl("load", "stop", SOURCE, check=False)
    (conf_d / DROPIN).unlink(missing_ok=True)
    (conf_d / TEST_CNF).write_text("[mysqld]\nlog_bin = site-binlog\n")
    try:
        lab.labctl("reset", REPLICA)
        run = play(lab, collections, "-e", "replica_of_rds_overwrite=true")
        assert run.rc == 0, run
        dropin = (conf_d / DROPIN).read_text()
        assert "log_bin = %s/site-binlog" % rows(lab, REPLICA, "SELECT @@datadir AS d")[0]["d"].rstrip("/") \
            in dropin, dropin
        lab.labctl("restart", REPLICA)
        assert rows(lab, REPLICA, "SELECT @@log_bin_basename AS b")[0]["b"].endswith("/site-binlog")
        assert wait_until(lambda: replicating(lab), timeout=60, step=1), slave(lab)
        again = play(lab, collections)
        assert again.rc == 0 and again.changed == 0, again
    finally:
        (conf_d / TEST_CNF).unlink(missing_ok=True)
        (conf_d / DROPIN).unlink(missing_ok=True)
        lab.labctl("reset", REPLICA)
