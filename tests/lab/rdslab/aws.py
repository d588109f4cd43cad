"""moto in server mode, seeded with boto3 like the RDS side of a real account."""
import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

from rdslab import config, secrets

ENGINE_VERSION = "10.11.8"
PARAMETER_GROUP = "lab-mariadb10-11"
PARAMETER_FAMILY = "mariadb10.11"
SECURITY_GROUP = "lab-rds-sg"
CA_ID = "rds-ca-rsa2048-g1"
# Must agree with the instances' my.cnf (instances.MY_CNF).
PARAMETERS = {"binlog_format": "ROW", "log_bin_trust_function_creators": "0"}


def _pidfile():
    return config.lab_dir() / "moto" / "moto.pid"


def pid():
    try:
        value = int(_pidfile().read_text().split()[0])
        with open("/proc/%d/cmdline" % value, "rb") as fh:
            cmdline = fh.read().decode(errors="replace")
    except (OSError, ValueError, IndexError):
        return None
    return value if "moto" in cmdline and str(config.moto_port()) in cmdline else None


def _answers():
    try:
        urllib.request.urlopen(config.moto_url() + "/moto-api/", timeout=1).read()
        return True
    except Exception:  # noqa: BLE001 - not up yet
        return False


def _server_command():
    exe = Path(config.python()).parent / "moto_server"
    if exe.exists():
        return [str(exe), "-H", config.HOST, "-p", str(config.moto_port())]
    return [config.python(), "-m", "moto.server", "-H", config.HOST, "-p", str(config.moto_port())]


def start(timeout=30):
    if pid() is not None:
        return False
    d = _pidfile().parent
    d.mkdir(parents=True, exist_ok=True)
    with open(d / "moto.log", "ab") as log:
        proc = subprocess.Popen(_server_command(), stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                start_new_session=True, close_fds=True)
    _pidfile().write_text("%d\n" % proc.pid)
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit("moto exited with %s; see %s" % (proc.returncode, d / "moto.log"))
        if _answers():
            return True
        time.sleep(0.2)
    raise SystemExit("moto not answering on %s after %ss" % (config.moto_url(), timeout))


def stop(timeout=20):
    value = pid()
    if value is None:
        return False
    os.kill(value, signal.SIGTERM)
    deadline = time.time() + timeout
    while time.time() < deadline and os.path.exists("/proc/%d" % value):
        time.sleep(0.1)
    if os.path.exists("/proc/%d" % value):
        os.kill(value, signal.SIGKILL)
    _pidfile().unlink(missing_ok=True)
    return True


def client(service):
    import boto3
    return boto3.client(service, endpoint_url=config.moto_url(), region_name=config.AWS_REGION,
                        aws_access_key_id=config.AWS_KEY, aws_secret_access_key=config.AWS_KEY)


def _security_group(ec2):
    found = ec2.describe_security_groups(
        Filters=[{"Name": "group-name", "Values": [SECURITY_GROUP]}])["SecurityGroups"]
    if found:
        return found[0]["VpcId"], found[0]["GroupId"]
    vpc_id = ec2.create_vpc(CidrBlock="10.99.0.0/16")["Vpc"]["VpcId"]
    ec2.create_tags(Resources=[vpc_id], Tags=[{"Key": "Name", "Value": "lab-vpc"}])
    group_id = ec2.create_security_group(GroupName=SECURITY_GROUP, VpcId=vpc_id,
                                         Description="lab RDS instances (no ingress yet)")["GroupId"]
    return vpc_id, group_id


def _parameter_group(rds):
    try:
        found = rds.describe_db_parameter_groups(DBParameterGroupName=PARAMETER_GROUP)["DBParameterGroups"]
    except rds.exceptions.DBParameterGroupNotFoundFault:
        found = []
    if not found:
        rds.create_db_parameter_group(DBParameterGroupName=PARAMETER_GROUP,
                                      DBParameterGroupFamily=PARAMETER_FAMILY,
                                      Description="lab: binlog_format ROW")
        rds.modify_db_parameter_group(
            DBParameterGroupName=PARAMETER_GROUP,
            Parameters=[{"ParameterName": k, "ParameterValue": v, "ApplyMethod": "immediate"}
                        for k, v in PARAMETERS.items()])


def _exists(rds, ident):
    try:
        rds.describe_db_instances(DBInstanceIdentifier=ident)
        return True
    except rds.exceptions.DBInstanceNotFoundFault:
        return False


def seed():
    """Create the lab's AWS objects unless present. Returns the facts for the inventory."""
    ec2, rds = client("ec2"), client("rds")
    vpc_id, group_id = _security_group(ec2)
    _parameter_group(rds)
    for name in ("rds_source", "rds_target"):
        inst = config.get(name)
        if not _exists(rds, inst.aws_id):
            rds.create_db_instance(
                DBInstanceIdentifier=inst.aws_id, Engine="mariadb", EngineVersion=ENGINE_VERSION,
                DBInstanceClass="db.t3.micro", AllocatedStorage=20, MasterUsername="admin",
                MasterUserPassword=secrets.admin_password(inst), Port=config.port(inst),
                BackupRetentionPeriod=7, DBParameterGroupName=PARAMETER_GROUP,
                VpcSecurityGroupIds=[group_id], CACertificateIdentifier=CA_ID,
                Tags=[{"Key": "lab-instance", "Value": inst.name}])
    replica, source = (config.get(n) for n in config.READ_REPLICA)
    if not _exists(rds, replica.aws_id):
        rds.create_db_instance_read_replica(
            DBInstanceIdentifier=replica.aws_id, SourceDBInstanceIdentifier=source.aws_id,
            DBInstanceClass="db.t3.micro", Port=config.port(replica),
            Tags=[{"Key": "lab-instance", "Value": replica.name}])
    return {
        "endpoint_url": config.moto_url(), "region": config.AWS_REGION,
        "access_key": config.AWS_KEY, "secret_key": config.AWS_KEY,
        "vpc_id": vpc_id, "security_group_id": group_id, "security_group_name": SECURITY_GROUP,
        "parameter_group": PARAMETER_GROUP, "parameter_group_family": PARAMETER_FAMILY,
        "instances": {i.aws_id: i.name for i in config.INSTANCES if i.aws_id},
    }
