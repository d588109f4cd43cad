"""--check of the three playbooks with every option on, in each state of the lab (issue 12): fresh
targets, after a real run of both directions, after the cutover. Each check run reports what a real
run would do and changes nothing: a snapshot of the five servers (data, accounts, events, replication,
settings, drop-ins) and of the AWS side (security group, Route 53 record) is taken before and compared
after every group of check runs (a state's check runs go at once: they only read, and the wall time
stays low; a change by any of them shows in the group's comparison).

Not repeated here (tests elsewhere): direction 1 --check on a fresh replica and after a run
(test_rds_to_onprem.py), direction 2 --check on a fresh RDS, after a run (test_onprem_to_rds.py) and
after the cutover (test_cutover.py), the cutover's --check before it with the way back on
(test_cutover.py). This file runs them with every option on and compares whole snapshots, and covers the
cutover's --check on a fresh target and after the cutover, and the TTL lowering's."""
import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
import pymysql
import pytest

from playbook_runner import assert_no_secret, assert_no_template_error, collections_path, reset_direction2, run_playbook
from polling import wait_until
from test_cutover import drop_app_account_on_rds, status_layer

SERVERS = ("rds_source", "rds_read_replica", "onprem_replica", "onprem_source", "rds_target")
SYSTEM_SCHEMAS = ("mysql", "information_schema", "performance_schema", "sys")
REPLICA_KEYS = ("configured", "source_host", "source_port", "source_user", "io_running", "sql_running")
VARIABLES = ("read_only", "event_scheduler", "max_allowed_packet", "log_bin_trust_function_creators",
             "binlog_format", "server_id")
OLD_VALUE, OLD_TTL = "old-db.example.internal", 3600


def aws_client(lab, service):
    aws = lab.aws
    return boto3.client(service, endpoint_url=aws["endpoint_url"], region_name=aws["region"],
                        aws_access_key_id=aws["access_key"], aws_secret_access_key=aws["secret_key"])


def server_snapshot(lab, collections, name):
    dialect, replication_status = status_layer(collections)
    conn = lab.connect(name, root=True)
    try:
        with conn.cursor(pymysql.cursors.DictCursor) as cur:
            detected = dialect.detect(cur)
            status = replication_status.read_status(cur, detected)
            binlog = replication_status.read_binlog_position(cur, detected)
        snap = {"replica": {key: status.get(key) for key in REPLICA_KEYS}}
        snap["variables"] = lab.query(conn, "SELECT %s" % ", ".join(
            "@@global.%s AS %s" % (v, v) for v in VARIABLES))[0]
        snap["accounts"] = sorted(
            (r["u"], r["h"], r["p"], r["a"]) for r in lab.query(
                conn, "SELECT User AS u, Host AS h, plugin AS p, authentication_string AS a FROM mysql.user"))
        snap["grants"] = {}
        for user, host, _plugin, _auth in snap["accounts"]:
            if user and not user.startswith("mariadb.") and user not in ("root", "rdsadmin"):
                rows = lab.query(conn, "SHOW GRANTS FOR %s@%s", (user, host))
                snap["grants"]["%s@%s" % (user, host)] = sorted(next(iter(r.values())) for r in rows)
        snap["events"] = sorted((r["s"], r["n"], r["st"]) for r in lab.query(
            conn, "SELECT EVENT_SCHEMA AS s, EVENT_NAME AS n, STATUS AS st FROM information_schema.EVENTS "
                  "WHERE EVENT_SCHEMA <> 'mysql'"))
        tables = ["`%s`.`%s`" % (r["s"], r["t"]) for r in lab.query(
            conn, "SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t FROM information_schema.TABLES "
                  "WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA NOT IN %s", (SYSTEM_SCHEMAS,))]
        snap["tables"] = {}
        for table in sorted(tables):
            row = lab.query(conn, "CHECKSUM TABLE %s EXTENDED" % table)[0]
            snap["tables"][table] = row["Checksum"]
        # The servers nothing writes to by themselves (RDS instances run the heartbeat event, replicas
        # apply it): their binlog position proves no statement at all was logged.
        if name in ("onprem_source",) and binlog:
            snap["binlog"] = binlog
        if lab.instances[name]["kind"] == "rds":
            snap["rds_configuration"] = sorted((r["name"], r["value"]) for r in lab.query(
                conn, "SELECT name, value FROM mysql.rds_configuration"))
    finally:
        conn.close()
    conf_dir = Path(lab.instances[name]["conf_dir"])
    snap["conf.d"] = {p.name: p.read_text() for p in sorted(conf_dir.glob("*"))} if conf_dir.is_dir() else {}
    return snap


def settled(lab, collections, pause=2.0):
    """No replica reconnecting (its applier running, its receiver not: after a restart of its source it
    retries every connect_retry seconds, then catches up) and every server unchanged across ``pause``
    seconds: nothing an earlier test left moves under the snapshots of a check."""
    before = {name: server_snapshot(lab, collections, name) for name in SERVERS}
    if any(snap["replica"]["sql_running"] == "Yes" and snap["replica"]["io_running"] != "Yes"
           for snap in before.values()):
        return False
    time.sleep(pause)
    return before == {name: server_snapshot(lab, collections, name) for name in SERVERS}


def snapshot(lab, collections, zone_id):
    snap = {name: server_snapshot(lab, collections, name) for name in SERVERS}
    groups = aws_client(lab, "ec2").describe_security_groups(GroupIds=[lab.aws["security_group_id"]])
    snap["security_group"] = json.dumps(groups["SecurityGroups"][0].get("IpPermissions"), sort_keys=True)
    records = aws_client(lab, "route53").list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    snap["route53"] = sorted(json.dumps(r, sort_keys=True) for r in records)
    return snap


def differences(before, after):
    """Keys (server/part) whose value differs."""
    found = []
    for name in sorted(set(before) | set(after)):
        left, right = before.get(name), after.get(name)
        if isinstance(left, dict) and isinstance(right, dict):
            found += ["%s/%s" % (name, key) for key in sorted(set(left) | set(right))
                      if left.get(key) != right.get(key)]
        elif left != right:
            found.append(name)
    return found


@pytest.fixture(scope="module")
def checks(lab, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("check_mode")
    collections = collections_path(tmp / "collections")
    # Fresh targets: direction 1's replica and both direction 2 servers reset; on the source an event
    # and the application's account RDS does not have (the accounts phase would bring it).
    lab.labctl("load", "stop", "rds_source", check=False)
    lab.labctl("reset", "onprem_replica")
    reset_direction2(lab)
    drop_app_account_on_rds(lab)
    source = lab.connect("onprem_source")
    try:
        lab.query(source, "CREATE DATABASE IF NOT EXISTS d2_check")
        lab.query(source, "CREATE TABLE IF NOT EXISTS d2_check.t (id INT PRIMARY KEY, v VARCHAR(10))")
        lab.query(source, "INSERT IGNORE INTO d2_check.t VALUES (1, 'a'), (2, 'b')")
        lab.query(source, "CREATE EVENT IF NOT EXISTS d2_check.tick ON SCHEDULE EVERY 1 HOUR DO SET @tick = 1")
    finally:
        source.close()
    assert wait_until(lambda: settled(lab, collections), timeout=150, step=1), "the lab's servers never settled"
    route53 = aws_client(lab, "route53")
    zone_name = "check-%s.example.internal" % uuid.uuid4().hex[:8]
    zone_id = route53.create_hosted_zone(Name=zone_name, CallerReference=uuid.uuid4().hex)["HostedZone"]["Id"]
    route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [{
        "Action": "UPSERT", "ResourceRecordSet": {"Name": "db." + zone_name, "Type": "CNAME", "TTL": OLD_TTL,
                                                  "ResourceRecords": [{"Value": OLD_VALUE}]}}]})
    hook_out = tmp / "hook_ran"
    hook = tmp / "hook.yml"
    hook.write_text("- name: The hook\n  ansible.builtin.copy:\n    dest: %s\n    content: ran\n    mode: '0600'\n"
                    % hook_out)
    # Every option on (the lab's inventory already turns on direction 1's security group, direction 2's
    # accounts phase, the events disabled on RDS and the way back of the cutover).
    options = {
        "rds_to_onprem.yml": {"replica_of_rds_copy_accounts": True},
        "onprem_to_rds.yml": {"rds_replica_of_source_allow_restart": True},
        "cutover_to_rds.yml": {"cutover_to_rds_dns_zone": zone_name, "cutover_to_rds_dns_record": "db." + zone_name,
                               "cutover_to_rds_dns_state_path": str(tmp / "dns.json"),
                               # a cutover record of this test only (a known state, not an earlier test's)
                               "cutover_to_rds_state_path": str(tmp / "cutover_state.json"),
                               "cutover_to_rds_after_promotion": str(hook)},
    }
    runs = {}

    def hook_file():
        return (hook_out.read_text(), hook_out.stat().st_mtime_ns) if hook_out.exists() else None

    def run(playbook, *extra):
        return run_playbook(lab, collections, playbook, "-e", json.dumps(options[playbook]), *extra)

    def check(state, *playbooks):
        """--check of the playbooks at once (they only read; the wall time stays low), between two
        snapshots: a change by any of them shows."""
        before, hook_before = snapshot(lab, collections, zone_id), hook_file()
        with ThreadPoolExecutor(len(playbooks)) as pool:
            done = list(pool.map(lambda item: run(item[0], "--check", "--diff", *item[1:]), playbooks))
        after = snapshot(lab, collections, zone_id)
        for (playbook, *extra), result in zip(playbooks, done):
            result.differences = differences(before, after)
            result.hook_wrote = hook_file() != hook_before
            name = "%s-%s" % (state if not extra else state + "_ttl", playbook)
            (tmp / ("%s.log" % name)).write_text(result.output)
            runs[(state if not extra else state + "_ttl", playbook)] = result

    def real(*playbooks):
        with ThreadPoolExecutor(len(playbooks)) as pool:
            for result in pool.map(run, playbooks):
                assert result.rc == 0, result

    try:
        check("fresh", ("rds_to_onprem.yml",), ("onprem_to_rds.yml",), ("cutover_to_rds.yml",))
        real("rds_to_onprem.yml", "onprem_to_rds.yml")  # independent servers: at once
        check("after_run", ("rds_to_onprem.yml",), ("onprem_to_rds.yml",), ("cutover_to_rds.yml",),
              ("cutover_to_rds.yml", "-e", "cutover_to_rds_dns_lower_ttl_only=true"))
        real("cutover_to_rds.yml")
        check("after_cutover", ("cutover_to_rds.yml",))
        yield runs
    finally:
        reset_direction2(lab)
        lab.labctl("reset", "onprem_replica", check=False)
        for found in route53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]:
            if found["Type"] not in ("SOA", "NS"):
                route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [
                    {"Action": "DELETE", "ResourceRecordSet": found}]})
        route53.delete_hosted_zone(Id=zone_id)


def assert_nothing_changed(lab, run):
    assert run.differences == [], "check mode changed %s\n%r" % (run.differences, run)
    assert not run.hook_wrote, "the hook's task wrote in check mode"
    assert_no_secret(lab, run)
    assert_no_template_error(run)


@pytest.mark.parametrize("playbook, would", [
    ("rds_to_onprem.yml", "copying the data with consistent_snapshot (skipped in check mode)"),
    ("onprem_to_rds.yml", "Check mode: would copy")])
def test_directions_on_fresh_targets(lab, checks, playbook, would):
    run = checks[("fresh", playbook)]
    assert run.rc == 0, run
    assert would in run.output, run  # what a first run would do
    assert_nothing_changed(lab, run)


def test_direction_2_on_a_fresh_rds_reports_the_copy_and_the_accounts(checks):
    run = checks[("fresh", "onprem_to_rds.yml")]
    assert "Check mode: would copy" in run.output, run
    assert "Accounts on RDS (check mode: what a run would do): created app@%" in run.output, run


def test_cutover_on_a_fresh_target_fails_before_any_change(lab, checks):
    """Nothing replicates yet: the preflight refuses (as a real run would, before the way back's
    account or anything else), naming the cause."""
    run = checks[("fresh", "cutover_to_rds.yml")]
    assert run.rc != 0, run
    assert run.changed == 0, run
    assert "RDS has no external source and the source is writable: nothing to cut over" in run.output, run
    assert "Create the replication user" not in run.output, run
    assert_nothing_changed(lab, run)


@pytest.mark.parametrize("playbook", ["rds_to_onprem.yml", "onprem_to_rds.yml"])
def test_directions_after_a_run(lab, checks, playbook):
    run = checks[("after_run", playbook)]
    assert run.rc == 0, run
    assert run.changed == 0, run
    assert_nothing_changed(lab, run)


def test_cutover_after_a_run_reports_the_promotion_the_switch_and_the_hook(lab, checks):
    run = checks[("after_run", "cutover_to_rds.yml")]
    assert run.rc == 0, run
    assert run.changed > 0, run
    assert "check mode: would promote" in run.output, run
    assert "would point at %s (CNAME, TTL 60 s); before: %s (TTL %d s)" % (
        lab.instances["rds_target"]["host"], OLD_VALUE, OLD_TTL) in run.output, run
    assert "Run the tasks of cutover_to_rds_after_promotion" in run.output, run  # in check mode
    assert_nothing_changed(lab, run)


def test_ttl_lowering_after_a_run(lab, checks):
    run = checks[("after_run_ttl", "cutover_to_rds.yml")]
    assert run.rc == 0, run
    assert run.changed == 1, run
    assert "TTL would be lowered from %d s to 60 s" % OLD_TTL in run.output, run
    assert_nothing_changed(lab, run)


def test_cutover_after_the_cutover(lab, checks):
    run = checks[("after_cutover", "cutover_to_rds.yml")]
    assert run.rc == 0, run
    assert run.changed == 0, run
    assert "Writes unavailable for" in run.output, run  # the recorded report, printed again
    assert "points at %s (CNAME, TTL 60 s), unchanged" % lab.instances["rds_target"]["host"] in run.output, run
    assert_nothing_changed(lab, run)
