"""rds_aws_info against the lab's moto (seeded by `labctl up`): what it reads, and the AWS options
reaching it the ways amazon.aws users and AWX pass them (module_defaults groups, environment)."""
import json
import os
import subprocess
import sys
import uuid

import boto3
import pytest
import yaml

from module_runner import collection_root, run_module

SOURCE, REPLICA, TARGET = 'lab-rds-source', 'lab-rds-read-replica', 'lab-rds-target'
AWS_ENV = ('AWS_ACCESS_KEY_ID', 'AWS_ACCESS_KEY', 'AWS_SECRET_ACCESS_KEY', 'AWS_SECRET_KEY', 'AWS_SESSION_TOKEN',
           'AWS_SECURITY_TOKEN', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'EC2_REGION', 'AWS_PROFILE',
           'AWS_DEFAULT_PROFILE', 'AWS_URL', 'EC2_URL', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_RDS',
           'AWS_ENDPOINT_URL_EC2', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI',
           'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_ROLE_ARN')


def aws_args(lab):
    a = lab.aws
    return dict(endpoint_url=a['endpoint_url'], region=a['region'], access_key=a['access_key'],
                secret_key=a['secret_key'])


def boto(lab, service):
    a = lab.aws
    return boto3.client(service, endpoint_url=a['endpoint_url'], region_name=a['region'],
                        aws_access_key_id=a['access_key'], aws_secret_access_key=a['secret_key'])


def test_reads_the_lab_source(lab):
    run = run_module('rds_aws_info', dict(aws_args(lab), db_instance_identifier=SOURCE,
                                          read_replica_identifier=REPLICA), check=True)
    assert not run.failed, run
    r = run.result
    assert r['changed'] is False
    db = boto(lab, 'rds').describe_db_instances(DBInstanceIdentifier=SOURCE)['DBInstances'][0]
    assert r['endpoint'] == {'host': db['Endpoint']['Address'], 'port': lab.instances['rds_source']['port']}
    assert r['instance']['endpoint'] == {'address': r['endpoint']['host'], 'port': r['endpoint']['port']}
    assert r['instance']['engine'] == 'mariadb' and r['instance']['backup_retention_period'] == 7
    assert r['instance']['ca_certificate_identifier'] == 'rds-ca-rsa2048-g1'
    assert [g['name'] for g in r['instance']['db_parameter_groups']] == [lab.aws['parameter_group']]
    assert r['instance']['vpc_security_group_ids'] == [lab.aws['security_group_id']]
    assert REPLICA in r['instance']['read_replica_identifiers']
    assert r['binlogs_enabled'] is True
    # the lab's group holds what the lab's servers run (tests/lab/rdslab/aws.py)
    assert r['parameters']['binlog_format']['value'] == 'ROW'
    assert r['parameters']['log_bin_trust_function_creators']['value'] == '0'
    assert r['parameters']['binlog_format']['group'] == lab.aws['parameter_group']
    assert r['read_replica'] == {'identifier': REPLICA, 'found': True, 'is_replica_of_instance': True,
                                 'status': 'available', 'source': SOURCE,
                                 'endpoint': {'host': r['read_replica']['endpoint']['host'],
                                              'port': lab.instances['rds_read_replica']['port']}}
    assert [g['group_name'] for g in r['security_groups']] == [lab.aws['security_group_name']]
    assert not r.get('warnings')


def test_not_a_read_replica_is_reported(lab):
    run = run_module('rds_aws_info', dict(aws_args(lab), db_instance_identifier=SOURCE,
                                          read_replica_identifier=TARGET, parameters=['binlog_format']))
    assert not run.failed, run
    assert run.result['read_replica']['is_replica_of_instance'] is False
    assert run.result['read_replica']['found'] is True
    assert any('%s is not a read replica of %s' % (TARGET, SOURCE) in w for w in run.result['warnings'])


def test_missing_instance_fails_naming_identifier_and_region(lab):
    run = run_module('rds_aws_info', dict(aws_args(lab), db_instance_identifier='lab-no-such-db'))
    assert run.failed
    assert 'lab-no-such-db' in run.result['msg'] and lab.aws['region'] in run.result['msg']


@pytest.fixture
def scratch_instance(lab):
    """An instance of this test only: backups off, a security group of its own with a MySQL rule."""
    rds, ec2 = boto(lab, 'rds'), boto(lab, 'ec2')
    name = 'awsinfo-%s' % uuid.uuid4().hex[:8]
    group = ec2.create_security_group(GroupName=name, VpcId=lab.aws['vpc_id'], Description='rds_aws_info test')
    ec2.authorize_security_group_ingress(GroupId=group['GroupId'], IpPermissions=[
        {'IpProtocol': 'tcp', 'FromPort': 3306, 'ToPort': 3306, 'IpRanges': [{'CidrIp': '10.20.0.0/16'}]},
        {'IpProtocol': 'tcp', 'FromPort': 22, 'ToPort': 22, 'IpRanges': [{'CidrIp': '0.0.0.0/0'}]}])
    try:
        rds.create_db_instance(DBInstanceIdentifier=name, Engine='mariadb', EngineVersion='10.11.8',
                               DBInstanceClass='db.t3.micro', AllocatedStorage=20, MasterUsername='admin',
                               MasterUserPassword='Scratch-%s' % uuid.uuid4().hex, Port=3306,
                               BackupRetentionPeriod=0, DBParameterGroupName=lab.aws['parameter_group'],
                               VpcSecurityGroupIds=[group['GroupId']])
        yield dict(name=name, group_id=group['GroupId'])
    finally:
        try:
            rds.delete_db_instance(DBInstanceIdentifier=name, SkipFinalSnapshot=True)
        finally:
            ec2.delete_security_group(GroupId=group['GroupId'])


def test_backups_off_and_security_group_rules(lab, scratch_instance):
    run = run_module('rds_aws_info', dict(aws_args(lab), db_instance_identifier=scratch_instance['name'],
                                          client_cidr='10.20.5.6/32'))
    assert not run.failed, run
    r = run.result
    assert r['binlogs_enabled'] is False
    assert any('--backup-retention-period 1' in w and scratch_instance['name'] in w for w in r['warnings'])
    group = r['security_groups'][0]
    assert group['group_id'] == scratch_instance['group_id']
    assert group['cidrs_on_port'] == ['10.20.0.0/16']
    assert sorted((rule['from_port'], rule['covers_port']) for rule in group['ingress']) == [(22, False), (3306, True)]
    assert r['client_allowed'] is True
    run = run_module('rds_aws_info', dict(aws_args(lab), db_instance_identifier=scratch_instance['name'],
                                          client_cidr='10.21.0.1/32'))
    assert run.result['client_allowed'] is False


# The AWS options as amazon.aws users and AWX pass them: through ansible-playbook.

PLAY = {'hosts': 'localhost', 'gather_facts': False, 'tasks': []}


def playbook_run(tmp_path, tasks, env):
    """Run the tasks in a play on localhost (JSON callback); return {task name: host result}."""
    path = tmp_path / 'play.yml'
    path.write_text(yaml.safe_dump([dict(PLAY, tasks=tasks)], sort_keys=False))
    clean = dict((k, v) for k, v in os.environ.items() if k not in AWS_ENV)
    clean.update(ANSIBLE_COLLECTIONS_PATH=str(collection_root()), ANSIBLE_STDOUT_CALLBACK='json',
                 ANSIBLE_LOAD_CALLBACK_PLUGINS='1', ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_NOCOLOR='1',
                 ANSIBLE_INVENTORY_UNPARSED_WARNING='0', AWS_CONFIG_FILE=str(tmp_path / 'no-config'),
                 AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / 'no-credentials'),
                 AWS_EC2_METADATA_DISABLED='true')  # no instance role of a CI runner either
    clean.update(env)
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), str(path)],
                          capture_output=True, text=True, env=clean, timeout=300, check=False)
    start = proc.stdout.find('{')
    assert start >= 0, proc.stdout + proc.stderr
    data = json.loads(proc.stdout[start:])
    return dict((t['task']['name'], t['hosts']['localhost']) for t in data['plays'][0]['tasks'])


def info_task(name, **args):
    task = {'name': name, 'mysql_rds.replication.rds_aws_info': dict(db_instance_identifier=SOURCE, **args),
            'ignore_errors': True}
    return task


def test_module_defaults_groups_reach_it(lab, tmp_path):
    defaults = aws_args(lab)
    tasks = [
        {'name': 'group/aws', 'module_defaults': {'group/aws': defaults},
         'block': [info_task('via group/aws')]},
        {'name': 'group/amazon.aws.aws', 'module_defaults': {'group/amazon.aws.aws': defaults},
         'block': [info_task('via group/amazon.aws.aws'),
                   # the same defaults reach amazon.aws's own modules
                   {'name': 'amazon.aws too', 'amazon.aws.rds_instance_info': {'db_instance_identifier': SOURCE}}]},
        {'name': 'ours', 'module_defaults': {'group/mysql_rds.replication.aws': defaults},
         'block': [info_task('via group/mysql_rds.replication.aws'),
                   {'name': 'ours reaches amazon.aws', 'amazon.aws.rds_instance_info': {'db_instance_identifier': SOURCE}},
                   info_task('a task argument wins', region='eu-west-1')]},
        {'name': 'ours over group/aws',
         'module_defaults': {'group/aws': dict(defaults, endpoint_url='http://127.0.0.1:9'),
                             'group/mysql_rds.replication.aws': {'endpoint_url': defaults['endpoint_url']}},
         'block': [info_task('our group wins over group/aws')]},
    ]
    results = playbook_run(tmp_path, tasks, {})
    for name in ('via group/aws', 'via group/amazon.aws.aws', 'via group/mysql_rds.replication.aws',
                 'our group wins over group/aws'):
        assert not results[name].get('failed'), (name, results[name])
        assert results[name]['endpoint']['port'] == lab.instances['rds_source']['port'], name
    for name in ('amazon.aws too', 'ours reaches amazon.aws'):
        assert len(results[name]['instances']) == 1, (name, results[name])
    wins = results['a task argument wins']
    assert wins.get('failed') and 'eu-west-1' in wins['msg']


@pytest.mark.parametrize('region_variable', ['AWS_REGION', 'AWS_DEFAULT_REGION'])
def test_credentials_from_the_environment_as_awx_passes_them(lab, tmp_path, region_variable):
    a = lab.aws
    tasks = [{'name': 'endpoint only', 'module_defaults': {'group/aws': {'endpoint_url': a['endpoint_url']}},
              'block': [info_task('with the environment')]}]
    results = playbook_run(tmp_path, tasks, {'AWS_ACCESS_KEY_ID': a['access_key'],
                                             'AWS_SECRET_ACCESS_KEY': a['secret_key'], region_variable: a['region']})
    result = results['with the environment']
    assert not result.get('failed'), result
    assert result['instance']['identifier'] == SOURCE
    assert a['secret_key'] not in json.dumps(result.get('invocation', {}))
    # the control: without them there is nothing to sign with
    results = playbook_run(tmp_path, tasks, {region_variable: a['region']})
    assert results['with the environment'].get('failed')
    assert 'credentials' in results['with the environment']['msg'].lower()
