"""Launching RDS (rds_replica_of_source_launch) on the lab's moto: playbooks/onprem_to_rds.yml with
`--tags launch` runs the variables, the source's preflight, the launch and the reads that follow it
(all `always`), nothing else. The launch creates a parameter group and an instance in moto under a
name of its own; the AWS read that follows (rds_aws_info) finds the launched instance through the
AWS API. moto's instance has no SQL server behind its endpoint, so the SQL reads of RDS use the
inventory's rds_replica_of_source_rds_host, the lab's RDS emulation (the variables win over the
AWS endpoint, as for any instance). Asserted through boto3: the instance and the group with the
values the role derives from the source; a re-run changes nothing; check mode on a fresh name creates
nothing; no secret in any output.

Where moto differs from AWS, the test gives moto what AWS would have (not what the role needs):
- moto 5 answers DescribeDBParameterGroups for a missing group with an empty list, not
  DBParameterGroupNotFound (amazon.aws.rds_instance_param_group then fails: list index out of
  range), and its new groups have no parameters where AWS lists every parameter of the family at
  its engine default (the module refuses to set a parameter the group does not list). So the group
  is created beforehand the way AWS shows a new one: the four parameters at engine default values;
  the role then sets them.
- moto's instances have no DBSubnetGroup unless given one (AWS always has one; amazon.aws.rds_instance
  reads it on an existing instance): the test creates a subnet group in the lab's VPC and passes it.
- moto's gp3 instances have no StorageThroughput/Iops (AWS reports both; amazon.aws.rds_instance reads
  them on an existing gp3 instance): the test launches gp2 storage."""
import json
import uuid

import pytest

from playbook_runner import assert_no_secret, collections_path
from playbook_runner import run_playbook as run_named_playbook

MIB = 1024 * 1024


@pytest.fixture(scope="module")
def collections(tmp_path_factory):
    return collections_path(tmp_path_factory.mktemp("collections"))


@pytest.fixture(scope="module")
def rds(lab):
    import boto3
    aws = lab.aws
    return boto3.client("rds", endpoint_url=aws["endpoint_url"], region_name=aws["region"],
                        aws_access_key_id=aws["access_key"], aws_secret_access_key=aws["secret_key"])


# A new group of family mariadb10.11 as AWS describes it (engine defaults of RDS for MariaDB).
ENGINE_DEFAULTS = [("binlog_format", "MIXED", "string"), ("log_bin_trust_function_creators", "0", "boolean"),
                   ("event_scheduler", "OFF", "string"), ("max_allowed_packet", "16777216", "integer")]


def aws_like_group(rds, name):
    rds.create_db_parameter_group(DBParameterGroupName=name, DBParameterGroupFamily="mariadb10.11",
                                  Description="as AWS creates it")
    rds.modify_db_parameter_group(DBParameterGroupName=name, Parameters=[
        dict(ParameterName=key, ParameterValue=value, DataType=kind, IsModifiable=True, Source="engine-default",
             ApplyType="dynamic", ApplyMethod="immediate") for key, value, kind in ENGINE_DEFAULTS])


@pytest.fixture(scope="module")
def subnet_group(lab, rds):
    import boto3
    aws = lab.aws
    ec2 = boto3.client("ec2", endpoint_url=aws["endpoint_url"], region_name=aws["region"],
                       aws_access_key_id=aws["access_key"], aws_secret_access_key=aws["secret_key"])
    name = "lab-launch-" + uuid.uuid4().hex[:8]
    third = int(name[-2:], 16)  # a /24 of the lab's 10.99.0.0/16 per run
    subnets = [ec2.create_subnet(VpcId=aws["vpc_id"], CidrBlock="10.99.%d.%d/25" % (third, half * 128),
                                 AvailabilityZone=aws["region"] + zone)["Subnet"]["SubnetId"]
               for half, zone in enumerate("ab")]
    rds.create_db_subnet_group(DBSubnetGroupName=name, DBSubnetGroupDescription="launch test",
                               SubnetIds=subnets)
    yield name
    rds.delete_db_subnet_group(DBSubnetGroupName=name)
    for subnet in subnets:
        ec2.delete_subnet(SubnetId=subnet)


def launch(lab, collections, instance_id, subnet_group, *args):
    extra = {"rds_replica_of_source_launch": True, "rds_replica_of_source_rds_instance_id": instance_id,
             "rds_replica_of_source_launch_subnet_group": subnet_group,
             "rds_replica_of_source_launch_instance_class": "db.t3.small",
             "rds_replica_of_source_launch_allocated_storage": 30,
             "rds_replica_of_source_launch_storage_type": "gp2",
             "rds_replica_of_source_launch_security_group_ids": [lab.aws["security_group_id"]],
             "rds_replica_of_source_launch_tags": {"purpose": "launch-test"}}
    return run_named_playbook(lab, collections, "onprem_to_rds.yml", "-e", json.dumps(extra),
                              "--tags", "launch", *args)


def instance(rds, instance_id):
    try:
        return rds.describe_db_instances(DBInstanceIdentifier=instance_id)["DBInstances"][0]
    except rds.exceptions.DBInstanceNotFoundFault:
        return None


def group_exists(rds, name):
    try:
        return bool(rds.describe_db_parameter_groups(DBParameterGroupName=name)["DBParameterGroups"])
    except rds.exceptions.DBParameterGroupNotFoundFault:
        return False


def parameters(rds, name):
    pages = rds.get_paginator("describe_db_parameters").paginate(DBParameterGroupName=name)
    return dict((p["ParameterName"], p.get("ParameterValue")) for page in pages for p in page["Parameters"])


def cleanup(rds, instance_id):
    if instance(rds, instance_id):
        rds.delete_db_instance(DBInstanceIdentifier=instance_id, SkipFinalSnapshot=True)
    if group_exists(rds, instance_id + "-replica"):
        rds.delete_db_parameter_group(DBParameterGroupName=instance_id + "-replica")


@pytest.fixture(scope="module")
def source(lab):
    conn = lab.connect("onprem_source")
    try:
        return lab.query(conn, "SELECT @@version AS version, @@max_allowed_packet AS packet")[0]
    finally:
        conn.close()


@pytest.fixture(scope="module")
def launched(lab, collections, rds, subnet_group):
    instance_id = "lab-launch-" + uuid.uuid4().hex[:8]
    assert instance(rds, instance_id) is None
    aws_like_group(rds, instance_id + "-replica")
    try:
        first = launch(lab, collections, instance_id, subnet_group, "-v")
        again = launch(lab, collections, instance_id, subnet_group)
        yield instance_id, first, again
    finally:
        cleanup(rds, instance_id)


def test_launch_creates_the_instance_and_its_parameter_group(lab, rds, source, launched, subnet_group):
    instance_id, first, _again = launched
    assert first.rc == 0, first
    assert first.changed and first.changed >= 2, first  # the group and the instance
    assert_no_secret(lab, first)
    found = instance(rds, instance_id)
    major_minor = ".".join(source["version"].split("-")[0].split(".")[:2])
    assert found["DBInstanceStatus"] == "available", found
    assert found["Engine"] == "mariadb" and found["EngineVersion"].startswith(major_minor), found
    assert found["DBInstanceClass"] == "db.t3.small" and found["AllocatedStorage"] == 30, found
    assert found["BackupRetentionPeriod"] == 7 and found["StorageType"] == "gp2", found
    assert found["MasterUsername"] == lab.instances["rds_target"]["admin_user"], found
    assert [g["DBParameterGroupName"] for g in found["DBParameterGroups"]] == [instance_id + "-replica"], found
    assert [g["VpcSecurityGroupId"] for g in found["VpcSecurityGroups"]] == [lab.aws["security_group_id"]], found
    assert found["DBSubnetGroup"]["DBSubnetGroupName"] == subnet_group, found
    values = parameters(rds, instance_id + "-replica")
    sized = min(-(-(2 * int(source["packet"]) + MIB) // MIB) * MIB, 1024 * MIB)
    assert values.get("binlog_format") == "ROW", values
    assert values.get("log_bin_trust_function_creators") == "1", values
    assert values.get("event_scheduler") == "ON", values
    assert values.get("max_allowed_packet") == str(sized), values
    # The AWS read after the launch found the instance (it fails on a missing one).
    assert "Read the RDS instance, its parameter values and its endpoint through the AWS API" in first.output
    assert "%s (mariadb %s, db.t3.small" % (instance_id, major_minor) in first.output, first


def test_rerun_changes_nothing(lab, launched):
    _instance_id, first, again = launched
    assert first.rc == 0, first
    assert again.rc == 0, again
    assert again.changed == 0, again
    assert_no_secret(lab, again)


def test_check_mode_on_a_fresh_name_creates_nothing(lab, collections, rds, subnet_group):
    instance_id = "lab-launch-" + uuid.uuid4().hex[:8]
    aws_like_group(rds, instance_id + "-replica")
    try:
        check = launch(lab, collections, instance_id, subnet_group, "--check", "--diff")
        assert check.rc == 0, check
        assert "would be created (check mode)" in check.output, check
        assert_no_secret(lab, check)
        assert instance(rds, instance_id) is None
        values = parameters(rds, instance_id + "-replica")
        assert values == dict((key, value) for key, value, _kind in ENGINE_DEFAULTS), values
    finally:
        cleanup(rds, instance_id)
