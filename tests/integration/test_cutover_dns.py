"""The cutover's optional steps on the lab (issue 12): the Route 53 record moved to RDS right after the
promotion (moto), its TTL lowered ahead of time, the way back in the report, the hook after the
promotion, the endpoint read through the AWS API, and the phases as tags.

Starts from a known state on its own: direction 2 reset and set up, a new hosted zone with the
applications' CNAME (TTL 3600) pointing at the old source's name."""
import json
import os
import re
import uuid
from pathlib import Path

import boto3
import pytest

from playbook_runner import assert_no_secret, collections_path, reset_direction2, run_playbook
from test_cutover import replica_status, read_only

OLD_VALUE = "old-db.example.internal"
OLD_TTL = 3600
LOW_TTL = 45


def route53(lab):
    aws = lab.aws
    return boto3.client("route53", endpoint_url=aws["endpoint_url"], region_name=aws["region"],
                        aws_access_key_id=aws["access_key"], aws_secret_access_key=aws["secret_key"])


def record(lab, zone_id, name):
    """The CNAME `name` of the zone as {'values': [...], 'ttl': n}, or None."""
    sets = route53(lab).list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    for found in sets:
        if found["Name"].rstrip(".") == name and found["Type"] == "CNAME":
            return {"values": sorted(r["Value"] for r in found["ResourceRecords"]), "ttl": found["TTL"]}
    return None


def custom_stats(run):
    found = re.search(r"^CUSTOM STATS:[^\n]*\n\s*\S+: (.*)$", run.output, re.M)
    assert found, run
    return json.loads(found.group(1))["cutover_to_rds"]


HOOK = """---
# The test's hook: what it saw right after the promotion (where the record pointed, whether RDS was
# writable), written as the proof that it ran after the promotion and the switch.
- name: Read the record as the hook sees it
  amazon.aws.route53:
    state: get
    zone: "{{ cutover_to_rds_dns_zone }}"
    record: "{{ cutover_to_rds_dns_record }}"
    type: CNAME
    endpoint_url: "{{ lab_aws.endpoint_url }}"
    access_key: "{{ lab_aws.access_key }}"
    secret_key: "{{ lab_aws.secret_key }}"
  environment:
    AWS_DEFAULT_REGION: "{{ lab_aws.region }}"
  register: hook_record

- name: Ask RDS whether it takes writes
  community.mysql.mysql_query:
    login_host: "{{ cutover_to_rds_new_primary.host }}"
    login_port: "{{ cutover_to_rds_new_primary.port }}"
    login_user: "{{ lab_instances.rds_target.admin_user }}"
    login_password: "{{ lab_instances.rds_target.admin_password }}"
    query: SELECT @@global.read_only AS ro
  register: hook_rds
  check_mode: false

- name: Write what the hook saw
  ansible.builtin.copy:
    dest: "%(path)s"
    mode: "0600"
    content: >-
      {{ {'new_primary': cutover_to_rds_new_primary, 'rds_position': cutover_to_rds_promotion.rds_position,
          'record': hook_record.set['values'] | default([]), 'rds_read_only': hook_rds.query_result[0][0].ro}
         | to_json(sort_keys=true) }}
"""


@pytest.fixture(scope="module")
def dns_cutover(lab, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cutover_dns")
    collections = collections_path(tmp / "collections")
    reset_direction2(lab)
    zone_name = "app-%s.example.internal" % uuid.uuid4().hex[:8]
    record_name = "db." + zone_name
    client = route53(lab)
    zone_id = client.create_hosted_zone(Name=zone_name, CallerReference=uuid.uuid4().hex)["HostedZone"]["Id"]
    client.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [{
        "Action": "UPSERT", "ResourceRecordSet": {"Name": record_name, "Type": "CNAME", "TTL": OLD_TTL,
                                                  "ResourceRecords": [{"Value": OLD_VALUE}]}}]})
    hook_out = tmp / "hook.json"
    hook = tmp / "after_promotion.yml"
    hook.write_text(HOOK % {"path": hook_out})
    report_path = Path(lab.facts["lab_dir"]) / "cutover_report.json"
    report_path.unlink(missing_ok=True)
    options = {"cutover_to_rds_dns_zone": zone_name, "cutover_to_rds_dns_record": record_name,
               "cutover_to_rds_dns_ttl": LOW_TTL, "cutover_to_rds_dns_state_path": str(tmp / "dns.json"),
               "cutover_to_rds_state_path": str(tmp / "cutover_state.json"),  # no earlier test's record
               "cutover_to_rds_after_promotion": str(hook)}
    extra = ["-e", json.dumps(options)]
    # The TTL lowering alone, with the zone given by its id
    prepare_options = dict(options, cutover_to_rds_dns_zone=zone_id.split("/")[-1],
                           cutover_to_rds_dns_lower_ttl_only=True)
    os.environ["ANSIBLE_SHOW_CUSTOM_STATS"] = "1"
    try:
        setup = run_playbook(lab, collections, "onprem_to_rds.yml")
        assert setup.rc == 0, setup
        prepare = run_playbook(lab, collections, "cutover_to_rds.yml", "-e", json.dumps(prepare_options))
        after_prepare = dict(record=record(lab, zone_id, record_name), source_read_only=read_only(lab, "onprem_source"),
                             rds=_rds_status(lab, collections))
        promote = run_playbook(lab, collections, "cutover_to_rds.yml", *extra)
        after_promote = record(lab, zone_id, record_name)
        report = json.loads(report_path.read_text()) if report_path.exists() else None
        hook_saw = json.loads(hook_out.read_text()) if hook_out.exists() else None
        again = run_playbook(lab, collections, "cutover_to_rds.yml", *extra)
        report_again = json.loads(report_path.read_text()) if report_path.exists() else None
        for name, run in (("setup", setup), ("prepare", prepare), ("promote", promote), ("again", again)):
            (tmp / ("%s.log" % name)).write_text(run.output)  # whole outputs, for a failure's reader
    finally:
        del os.environ["ANSIBLE_SHOW_CUSTOM_STATS"]
    yield dict(collections=collections, zone_id=zone_id, zone=zone_name, record=record_name, prepare=prepare,
               after_prepare=after_prepare, promote=promote, after_promote=after_promote, report=report,
               hook_saw=hook_saw, again=again, report_again=report_again,
               after_again=record(lab, zone_id, record_name), options=options)
    reset_direction2(lab)
    for found in client.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]:
        if found["Type"] not in ("SOA", "NS"):
            client.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [
                {"Action": "DELETE", "ResourceRecordSet": found}]})
    client.delete_hosted_zone(Id=zone_id)


def _rds_status(lab, collections):
    conn = lab.connect("rds_target")
    try:
        return replica_status(collections, conn, as_rds_master_user=True)
    finally:
        conn.close()


def test_lowering_the_ttl_only_changes_only_the_ttl(lab, dns_cutover):
    prepare, after = dns_cutover["prepare"], dns_cutover["after_prepare"]
    assert prepare.rc == 0, prepare
    assert prepare.changed == 1, prepare  # the record's TTL, nothing else
    assert after["record"] == {"values": [OLD_VALUE], "ttl": LOW_TTL}, after
    assert after["source_read_only"] == 0, "the TTL lowering froze the source"
    assert after["rds"]["configured"] and after["rds"]["sql_running"] == "Yes", after["rds"]  # not promoted
    assert "TTL lowered from %d s to %d s" % (OLD_TTL, LOW_TTL) in prepare.output, prepare
    assert "Writes unavailable for" not in prepare.output, prepare
    assert custom_stats(prepare)["dns"]["previous"] == {"values": [OLD_VALUE], "ttl": OLD_TTL}
    assert_no_secret(lab, prepare)


def test_the_record_points_at_rds_with_the_low_ttl(lab, dns_cutover):
    promote = dns_cutover["promote"]
    assert promote.rc == 0, promote
    assert "Writes unavailable for" in promote.output, promote
    assert dns_cutover["after_promote"] == {"values": [lab.instances["rds_target"]["host"]], "ttl": LOW_TTL}
    assert_no_secret(lab, promote)


def test_the_report_keeps_the_old_value_and_ttl(lab, dns_cutover):
    report = dns_cutover["report"]
    assert report is not None, dns_cutover["promote"]
    dns = report["dns"]
    # the value before the cutover with the TTL before the lowering: the way back
    assert dns["previous"] == {"values": [OLD_VALUE], "ttl": OLD_TTL}, dns
    assert dns["before"] == {"values": [OLD_VALUE], "ttl": LOW_TTL}, dns
    assert dns["record"] == dns_cutover["record"] and dns["target"] == lab.instances["rds_target"]["host"], dns
    assert dns["changed"] is True and dns["ttl"] == LOW_TTL, dns
    assert report["rds_endpoint"]["source"] == "variables", report["rds_endpoint"]
    stats = custom_stats(dns_cutover["promote"])
    assert stats["dns"]["previous"] == dns["previous"] and stats["result"] == "promoted", stats


def test_the_hook_ran_after_the_promotion_and_the_switch(lab, dns_cutover):
    saw = dns_cutover["hook_saw"]
    assert saw is not None, dns_cutover["promote"]
    rds = lab.instances["rds_target"]
    assert saw["new_primary"] == {"host": rds["host"], "port": rds["port"], "instance_id": rds["aws_instance_id"]}
    assert saw["rds_position"] == dns_cutover["report"]["rds_position"], saw
    assert saw["record"] == [rds["host"]], saw  # the record already pointed at RDS
    assert int(saw["rds_read_only"]) == 0, saw  # RDS already took writes


def test_a_rerun_changes_nothing_and_still_reports_the_way_back(lab, dns_cutover):
    again = dns_cutover["again"]
    assert again.rc == 0, again
    # the hook runs again too (idempotent by contract: it writes what it wrote the first time)
    assert again.changed == 0, again
    assert "Run the tasks of cutover_to_rds_after_promotion" in again.output, again
    assert dns_cutover["after_again"] == dns_cutover["after_promote"]
    dns = dns_cutover["report_again"]["dns"]
    assert dns["previous"] == {"values": [OLD_VALUE], "ttl": OLD_TTL} and dns["changed"] is False, dns
    assert "Route 53: %s points at %s (CNAME, TTL %d s), unchanged" % (
        dns_cutover["record"], lab.instances["rds_target"]["host"], LOW_TTL) in again.output, again


def test_the_endpoint_is_read_through_the_aws_api_when_no_host_is_given(lab, dns_cutover):
    """cutover_to_rds_rds_host empty, cutover_to_rds_rds_instance_id set (from the lab's direction-2
    variables): the endpoint comes from rds_aws_info (moto's address of lab-rds-target)."""
    aws = lab.aws
    rds = boto3.client("rds", endpoint_url=aws["endpoint_url"], region_name=aws["region"],
                       aws_access_key_id=aws["access_key"], aws_secret_access_key=aws["secret_key"])
    endpoint = rds.describe_db_instances(DBInstanceIdentifier="lab-rds-target")["DBInstances"][0]["Endpoint"]
    os.environ["ANSIBLE_SHOW_CUSTOM_STATS"] = "1"
    try:
        run = run_playbook(lab, dns_cutover["collections"], "cutover_to_rds.yml", "--tags", "dns_prepare",
                           "-e", json.dumps(dict(dns_cutover["options"], cutover_to_rds_rds_host="",
                                                 cutover_to_rds_rds_port=0)))
    finally:
        del os.environ["ANSIBLE_SHOW_CUSTOM_STATS"]
    assert run.rc == 0, run
    assert run.changed == 0, run  # the TTL is already low
    stats = custom_stats(run)
    assert stats["rds_endpoint"] == {"host": endpoint["Address"], "port": endpoint["Port"],
                                     "instance_id": "lab-rds-target", "source": "aws"}, stats
    assert stats["dns"]["target"] == endpoint["Address"], stats
    assert "Read the RDS endpoint through the AWS API" in run.output and "Freeze the source" not in run.output, run


def test_the_phases_are_tags(lab, dns_cutover):
    run = run_playbook(lab, dns_cutover["collections"], "cutover_to_rds.yml", "--list-tags")
    assert run.rc == 0, run
    tags = set(re.search(r"TASK TAGS: \[(.*)\]", run.output).group(1).split(", "))
    assert {"preflight", "cutover", "dns", "dns_prepare", "hook", "report", "rollback"} <= tags, run


def test_a_run_limited_to_the_hook_acts_on_the_promotion_made(lab, dns_cutover):
    """--tags hook after the cutover: the preflight reads the promotion's state and the hook runs
    against it; nothing is promoted, switched or created again."""
    run = run_playbook(lab, dns_cutover["collections"], "cutover_to_rds.yml", "--tags", "hook",
                       "-e", json.dumps(dns_cutover["options"]))
    assert run.rc == 0 and run.changed == 0, run
    assert "Run the tasks of cutover_to_rds_after_promotion" in run.output, run
    for other in ("Freeze the source", "Point the record at RDS", "Create the replication user",
                  "Replicate the old source from RDS"):
        assert other not in run.output, run
