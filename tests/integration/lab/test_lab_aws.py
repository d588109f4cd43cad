"""moto answers like the AWS side of the lab, seeded by `labctl up`."""
import boto3
import pytest


@pytest.fixture(scope="module")
def rds(lab):
    a = lab.aws
    return boto3.client("rds", endpoint_url=a["endpoint_url"], region_name=a["region"],
                        aws_access_key_id=a["access_key"], aws_secret_access_key=a["secret_key"])


@pytest.fixture(scope="module")
def ec2(lab):
    a = lab.aws
    return boto3.client("ec2", endpoint_url=a["endpoint_url"], region_name=a["region"],
                        aws_access_key_id=a["access_key"], aws_secret_access_key=a["secret_key"])


def test_source_instance(lab, rds):
    db = rds.describe_db_instances(DBInstanceIdentifier="lab-rds-source")["DBInstances"][0]
    assert db["Engine"] == "mariadb" and db["EngineVersion"].startswith("10.11")
    assert db["BackupRetentionPeriod"] == 7
    assert db["CACertificateIdentifier"] == "rds-ca-rsa2048-g1"
    assert [g["DBParameterGroupName"] for g in db["DBParameterGroups"]] == [lab.aws["parameter_group"]]
    assert [g["VpcSecurityGroupId"] for g in db["VpcSecurityGroups"]] == [lab.aws["security_group_id"]]
    assert db["MasterUsername"] == "admin"


def test_read_replica_and_target(rds):
    rep = rds.describe_db_instances(DBInstanceIdentifier="lab-rds-read-replica")["DBInstances"][0]
    assert rep["ReadReplicaSourceDBInstanceIdentifier"] == "lab-rds-source"
    src = rds.describe_db_instances(DBInstanceIdentifier="lab-rds-source")["DBInstances"][0]
    assert "lab-rds-read-replica" in src["ReadReplicaDBInstanceIdentifiers"]
    tgt = rds.describe_db_instances(DBInstanceIdentifier="lab-rds-target")["DBInstances"][0]
    assert tgt["Engine"] == "mariadb"


def test_mapping_in_inventory(lab):
    assert lab.aws["instances"] == {"lab-rds-source": "rds_source",
                                    "lab-rds-read-replica": "rds_read_replica",
                                    "lab-rds-target": "rds_target"}
    for aws_id, name in lab.aws["instances"].items():
        assert lab.instances[name]["aws_instance_id"] == aws_id


def test_parameter_group_agrees_with_instances(lab, rds):
    params = rds.describe_db_parameters(DBParameterGroupName=lab.aws["parameter_group"],
                                        Source="user")["Parameters"]
    values = {p["ParameterName"]: p["ParameterValue"] for p in params}
    assert values["binlog_format"] == "ROW"
    conn = lab.connect("rds_source")
    try:
        row = lab.query(conn, "SELECT @@global.binlog_format AS f, "
                              "@@global.log_bin_trust_function_creators AS t")[0]
    finally:
        conn.close()
    assert row["f"] == values["binlog_format"]
    assert str(row["t"]) == values["log_bin_trust_function_creators"]


def test_security_group_seeded(lab, ec2):
    sg = ec2.describe_security_groups(GroupIds=[lab.aws["security_group_id"]])["SecurityGroups"][0]
    assert sg["GroupName"] == "lab-rds-sg"
    assert sg["VpcId"] == lab.aws["vpc_id"]
