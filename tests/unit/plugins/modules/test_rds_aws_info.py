# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""rds_aws_info against stubbed AWS answers (botocore Stubber: every request is checked against the
service model, every stubbed answer must be used)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import importlib

import boto3
import pytest
import yaml
from botocore.stub import Stubber

from ansible_collections.amazon.aws.plugins.module_utils.modules import aws_argument_spec
from ansible_collections.mysql_rds.replication.plugins.modules import rds_aws_info as mod
from ansible_collections.mysql_rds.replication.tests.unit.plugins import module_harness as harness

ARN = 'arn:aws:rds:eu-west-1:123456789012:db:orders-db'


def instance(**changes):
    db = {
        'DBInstanceIdentifier': 'orders-db', 'DBInstanceArn': ARN, 'Engine': 'mysql', 'EngineVersion': '8.0.39',
        'DBInstanceStatus': 'available', 'MasterUsername': 'admin',
        'Endpoint': {'Address': 'orders-db.abc.eu-west-1.rds.amazonaws.com', 'Port': 3306},
        'BackupRetentionPeriod': 7, 'CACertificateIdentifier': 'rds-ca-rsa2048-g1',
        'DBParameterGroups': [{'DBParameterGroupName': 'orders-params', 'ParameterApplyStatus': 'in-sync'}],
        'VpcSecurityGroups': [{'VpcSecurityGroupId': 'sg-1', 'Status': 'active'}],
        'ReadReplicaDBInstanceIdentifiers': ['orders-db-replica'],
    }
    db.update(changes)
    return db


def parameter(name, value=None, source='engine-default', apply_type='dynamic'):
    entry = {'ParameterName': name, 'Source': source, 'ApplyType': apply_type}
    if value is not None:
        entry['ParameterValue'] = value
    return entry


MYSQL_PARAMETERS = [
    parameter('autocommit', '1'),
    parameter('binlog_format', 'ROW', 'user'),
    parameter('binlog_row_image', 'full'),
    parameter('event_scheduler'),
    parameter('gtid_mode', 'OFF_PERMISSIVE', apply_type='dynamic'),
    parameter('enforce_gtid_consistency', 'ON', 'user', 'static'),
    parameter('log_bin_trust_function_creators', '1', 'user'),
    parameter('max_allowed_packet', '67108864', 'user'),
]

SECURITY_GROUP = {
    'GroupId': 'sg-1', 'GroupName': 'orders-db-sg', 'VpcId': 'vpc-1', 'OwnerId': '123456789012', 'Description': 'db',
    'IpPermissions': [
        {'IpProtocol': 'tcp', 'FromPort': 3306, 'ToPort': 3306, 'IpRanges': [{'CidrIp': '10.20.0.0/16'}],
         'Ipv6Ranges': [{'CidrIpv6': '2001:db8::/32'}], 'UserIdGroupPairs': [{'GroupId': 'sg-app'}],
         'PrefixListIds': []},
        {'IpProtocol': 'tcp', 'FromPort': 22, 'ToPort': 22, 'IpRanges': [{'CidrIp': '0.0.0.0/0'}]},
        {'IpProtocol': '-1', 'IpRanges': [{'CidrIp': '192.168.7.0/24'}], 'PrefixListIds': [{'PrefixListId': 'pl-1'}]},
    ],
}


def client(service):
    return boto3.client(service, region_name='eu-west-1', aws_access_key_id='AKIDEXAMPLE',
                        aws_secret_access_key='not-a-secret')


class Aws(object):
    """A stubbed rds and ec2 client; `expect_*` queue answers in the order the module asks."""

    def __init__(self):
        self.rds, self.ec2 = client('rds'), client('ec2')
        self.rds_stub, self.ec2_stub = Stubber(self.rds), Stubber(self.ec2)
        self.warnings = []

    def expect_instance(self, identifier='orders-db', db=None):
        if db is None:
            self.rds_stub.add_client_error('describe_db_instances', 'DBInstanceNotFound',
                                           'DBInstance %s not found.' % identifier, 404,
                                           expected_params={'DBInstanceIdentifier': identifier})
        else:
            self.rds_stub.add_response('describe_db_instances', {'DBInstances': [db]},
                                       {'DBInstanceIdentifier': identifier})

    def expect_parameters(self, group, parameters, cluster=False, pages=1):
        operation = 'describe_db_cluster_parameters' if cluster else 'describe_db_parameters'
        key = 'DBClusterParameterGroupName' if cluster else 'DBParameterGroupName'
        size = -(-len(parameters) // pages)
        for page in range(pages):
            answer = {'Parameters': parameters[page * size:(page + 1) * size]}
            expected = {key: group}
            if page + 1 < pages:
                answer['Marker'] = 'm%d' % (page + 1)
            if page:
                expected['Marker'] = 'm%d' % page
            self.rds_stub.add_response(operation, answer, expected)

    def expect_security_groups(self, groups, ids=('sg-1',)):
        self.ec2_stub.add_response('describe_security_groups', {'SecurityGroups': groups}, {'GroupIds': list(ids)})

    def gather(self, **params):
        args = dict(db_instance_identifier='orders-db', parameters=list(mod.DEFAULT_PARAMETERS),
                    read_replica_identifier=None, client_cidr=None)
        args.update(params)
        with self.rds_stub, self.ec2_stub:
            result = mod.gather(self.rds, self.ec2, args, self.warnings.append)
            self.rds_stub.assert_no_pending_responses()
            self.ec2_stub.assert_no_pending_responses()
        return result


@pytest.fixture
def aws():
    return Aws()


def test_instance_endpoint_parameters_and_security_groups(aws):
    aws.expect_instance(db=instance())
    aws.expect_parameters('orders-params', MYSQL_PARAMETERS, pages=3)
    aws.expect_security_groups([SECURITY_GROUP])
    result = aws.gather(client_cidr='10.20.3.4/32')
    assert result['changed'] is False
    assert result['endpoint'] == {'host': 'orders-db.abc.eu-west-1.rds.amazonaws.com', 'port': 3306}
    assert result['instance'] == {
        'identifier': 'orders-db', 'arn': ARN, 'engine': 'mysql', 'engine_version': '8.0.39', 'status': 'available',
        'endpoint': {'address': 'orders-db.abc.eu-west-1.rds.amazonaws.com', 'port': 3306},
        'backup_retention_period': 7, 'ca_certificate_identifier': 'rds-ca-rsa2048-g1',
        'db_parameter_groups': [{'name': 'orders-params', 'apply_status': 'in-sync'}],
        'db_cluster_identifier': None, 'db_cluster_parameter_group': None, 'vpc_security_group_ids': ['sg-1'],
        'read_replica_source': None, 'read_replica_identifiers': ['orders-db-replica'], 'master_username': 'admin'}
    assert sorted(result['parameters']) == sorted(mod.DEFAULT_PARAMETERS)
    assert result['parameters']['binlog_format'] == {'value': 'ROW', 'source': 'user', 'apply_type': 'dynamic',
                                                     'group': 'orders-params', 'pending_reboot': False}
    assert result['parameters']['event_scheduler']['value'] is None
    assert result['parameters']['event_scheduler']['group'] == 'orders-params'
    assert result['parameters']['max_allowed_packet']['value'] == '67108864'
    assert 'autocommit' not in result['parameters']
    assert result['binlogs_enabled'] is True
    group = result['security_groups'][0]
    assert group['group_id'] == 'sg-1' and group['group_name'] == 'orders-db-sg' and group['vpc_id'] == 'vpc-1'
    assert group['ingress'][0] == {'protocol': 'tcp', 'from_port': 3306, 'to_port': 3306, 'cidrs': ['10.20.0.0/16'],
                                   'ipv6_cidrs': ['2001:db8::/32'], 'source_groups': ['sg-app'],
                                   'prefix_lists': [], 'covers_port': True}
    assert [rule['covers_port'] for rule in group['ingress']] == [True, False, True]
    assert group['ingress'][2]['prefix_lists'] == ['pl-1']
    assert group['cidrs_on_port'] == ['10.20.0.0/16', '192.168.7.0/24', '2001:db8::/32']
    assert result['client_allowed'] is True
    assert 'read_replica' not in result
    assert aws.warnings == []


@pytest.mark.parametrize('cidr, allowed', [
    ('10.20.3.4/32', True), ('10.20.0.0/16', True), ('10.0.0.0/8', False), ('10.21.0.1/32', False),
    ('192.168.7.9', True), ('2001:db8:1::5/128', True), ('2001:db9::1/128', False),
])
def test_client_allowed_needs_a_cidr_containing_the_client(cidr, allowed):
    groups = [{'cidrs_on_port': ['10.20.0.0/16', '192.168.7.0/24', '2001:db8::/32']}]
    assert mod.client_allowed(groups, cidr) is allowed


def test_names_no_group_has_are_there_with_null_group(aws):
    aws.expect_instance(db=instance(Engine='mariadb', EngineVersion='10.11.8'))
    aws.expect_parameters('orders-params', [parameter('binlog_format', 'MIXED')])
    aws.expect_security_groups([SECURITY_GROUP])
    result = aws.gather(parameters=['gtid_mode', 'innodb_flush_log_at_trx_commit'])
    assert sorted(result['parameters']) == ['binlog_format', 'gtid_mode', 'innodb_flush_log_at_trx_commit']
    assert result['parameters']['gtid_mode'] == {'value': None, 'source': None, 'apply_type': None, 'group': None,
                                                 'pending_reboot': False}
    assert result['parameters']['binlog_format']['value'] == 'MIXED'
    assert 'client_allowed' not in result


def test_pending_reboot_marks_static_parameters_only(aws):
    aws.expect_instance(db=instance(DBParameterGroups=[{'DBParameterGroupName': 'orders-params',
                                                        'ParameterApplyStatus': 'pending-reboot'}]))
    aws.expect_parameters('orders-params', MYSQL_PARAMETERS)
    aws.expect_security_groups([SECURITY_GROUP])
    parameters = aws.gather()['parameters']
    assert parameters['enforce_gtid_consistency']['pending_reboot'] is True
    assert parameters['binlog_format']['pending_reboot'] is False


def test_backups_off_is_reported_with_the_fix_not_failed(aws):
    aws.expect_instance(db=instance(BackupRetentionPeriod=0))
    aws.expect_parameters('orders-params', MYSQL_PARAMETERS)
    aws.expect_security_groups([SECURITY_GROUP])
    result = aws.gather()
    assert result['binlogs_enabled'] is False
    assert len(aws.warnings) == 1
    assert 'orders-db' in aws.warnings[0] and '--backup-retention-period 1' in aws.warnings[0]


def test_missing_instance_is_none(aws):
    aws.expect_instance('nope', db=None)
    assert aws.gather(db_instance_identifier='nope') is None


def test_aurora_reads_the_cluster_group_and_the_instance_group_wins(aws):
    db = instance(Engine='aurora-mysql', EngineVersion='8.0.mysql_aurora.3.05.2', DBClusterIdentifier='orders',
                  DBParameterGroups=[{'DBParameterGroupName': 'orders-instance', 'ParameterApplyStatus': 'in-sync'}])
    aws.expect_instance(db=db)
    aws.rds_stub.add_response('describe_db_clusters', {'DBClusters': [{'DBClusterIdentifier': 'orders',
                                                                       'DBClusterParameterGroup': 'orders-cluster'}]},
                              {'DBClusterIdentifier': 'orders'})
    aws.expect_parameters('orders-instance', [parameter('max_allowed_packet', '1073741824', 'user'),
                                              parameter('event_scheduler', 'OFF')])
    aws.expect_parameters('orders-cluster', [parameter('binlog_format', 'OFF', 'system', 'static'),
                                             parameter('event_scheduler', 'ON', 'user')], cluster=True)
    aws.expect_security_groups([SECURITY_GROUP])
    result = aws.gather(parameters=['max_allowed_packet', 'event_scheduler'])
    assert result['instance']['db_cluster_parameter_group'] == 'orders-cluster'
    assert result['parameters']['max_allowed_packet']['group'] == 'orders-instance'
    assert result['parameters']['event_scheduler']['value'] == 'ON'  # a user value wins over a default
    assert result['parameters']['binlog_format']['group'] == 'orders-cluster'
    assert result['binlogs_enabled'] is False
    assert 'binlog_format=ROW' in aws.warnings[0] and 'orders-cluster' in aws.warnings[0]


@pytest.mark.parametrize('source, found, expected', [
    ('orders-db', True, True),
    (ARN, True, True),
    ('other-db', True, False),
    (None, True, False),
    (None, False, False),
])
def test_read_replica(aws, source, found, expected):
    aws.expect_instance(db=instance())
    aws.expect_parameters('orders-params', MYSQL_PARAMETERS)
    replica = instance(DBInstanceIdentifier='orders-db-replica', ReadReplicaDBInstanceIdentifiers=[],
                       Endpoint={'Address': 'replica.example', 'Port': 3307})
    if source:
        replica['ReadReplicaSourceDBInstanceIdentifier'] = source
    aws.expect_instance('orders-db-replica', replica if found else None)
    aws.expect_security_groups([SECURITY_GROUP])
    result = aws.gather(read_replica_identifier='orders-db-replica')['read_replica']
    assert result['identifier'] == 'orders-db-replica'
    assert result['found'] is found
    assert result['is_replica_of_instance'] is expected
    assert result['endpoint'] == ({'host': 'replica.example', 'port': 3307} if found else {'host': None, 'port': None})
    assert len(aws.warnings) == (0 if expected else 1)


def test_security_groups_denied_is_a_warning(aws):
    aws.expect_instance(db=instance())
    aws.expect_parameters('orders-params', MYSQL_PARAMETERS)
    aws.ec2_stub.add_client_error('describe_security_groups', 'UnauthorizedOperation', 'You are not authorized')
    result = aws.gather(client_cidr='10.20.0.1/32')
    assert result['security_groups'] == []
    assert result['client_allowed'] is None
    assert 'ec2:DescribeSecurityGroups' in aws.warnings[0]


def test_no_endpoint_while_creating(aws):
    db = instance(DBInstanceStatus='creating', VpcSecurityGroups=[], DbInstancePort=0)
    del db['Endpoint']
    aws.expect_instance(db=db)
    aws.expect_parameters('orders-params', MYSQL_PARAMETERS)
    result = aws.gather()
    assert result['endpoint'] == {'host': None, 'port': None}
    assert result['security_groups'] == []
    assert 'no endpoint yet (status creating)' in aws.warnings[0]


def test_other_errors_name_the_step(aws):
    aws.expect_instance(db=instance())
    aws.rds_stub.add_client_error('describe_db_parameters', 'DBParameterGroupNotFound', 'gone')
    with pytest.raises(mod.AwsReadError) as caught:
        aws.gather()
    assert caught.value.step == 'read the DB parameters of orders-db'


# main(): the AWS options, check mode, the failure messages


def run_main(monkeypatch, aws, **args):
    monkeypatch.setattr(mod.AnsibleAWSModule, 'client', lambda self, service, **kw: getattr(aws, service))
    module_args = dict(db_instance_identifier='orders-db', region='eu-west-1')
    module_args.update(args)
    with aws.rds_stub, aws.ec2_stub:
        return harness.run_main(monkeypatch, mod, module_args)


def test_main_in_check_mode_returns_the_documented_keys(monkeypatch, aws):
    aws.expect_instance(db=instance(BackupRetentionPeriod=0))
    aws.expect_parameters('orders-params', MYSQL_PARAMETERS)
    aws.expect_instance('orders-db-replica', None)
    aws.expect_security_groups([SECURITY_GROUP])
    result = run_main(monkeypatch, aws, _ansible_check_mode=True, read_replica_identifier='orders-db-replica',
                      client_cidr='10.20.0.9/32')
    assert not result.get('failed'), result
    assert result['changed'] is False
    assert set(result) - {'changed', 'warnings'} == set(yaml.safe_load(mod.RETURN))
    assert len(result['warnings']) == 2


def test_main_missing_instance_names_identifier_and_region(monkeypatch, aws):
    aws.expect_instance('nope', None)
    result = run_main(monkeypatch, aws, db_instance_identifier='nope', region='ap-south-2')
    assert result['failed']
    assert 'nope' in result['msg'] and 'ap-south-2' in result['msg'] and 'db_instance_identifier' in result['msg']


def test_main_aws_error_names_step_and_region(monkeypatch, aws):
    aws.rds_stub.add_client_error('describe_db_instances', 'AccessDenied', 'not allowed to rds:DescribeDBInstances')
    result = run_main(monkeypatch, aws)
    assert result['failed']
    assert result['msg'].startswith('Could not describe RDS instance orders-db (region eu-west-1): ')
    assert 'rds:DescribeDBInstances' in result['msg']


def test_main_refuses_a_bad_cidr(monkeypatch, aws):
    result = run_main(monkeypatch, aws, client_cidr='10.0.0.300/32')
    assert result['failed'] and 'client_cidr 10.0.0.300/32' in result['msg']


# documentation


def _fragment_options(name):
    namespace, collection, fragment = name.split('.')[:3]
    section = name.split('.')[3].upper() if name.count('.') > 2 else 'DOCUMENTATION'
    module = importlib.import_module('ansible_collections.%s.%s.plugins.doc_fragments.%s'
                                     % (namespace, collection, fragment))
    fragment = module.ModuleDocFragment
    text = getattr(fragment, section, None) or getattr(fragment(), section)  # amazon.aws.boto3 builds it
    return yaml.safe_load(text).get('options') or {}


def test_documentation_matches_the_argument_spec():
    yaml.safe_load(mod.EXAMPLES)
    doc = yaml.safe_load(mod.DOCUMENTATION)
    options = {}
    for name in doc['extends_documentation_fragment']:
        options.update(_fragment_options(name))
    own = doc['options']
    options.update(own)
    full = aws_argument_spec()
    full.update(mod.argument_spec())
    assert sorted(full) == sorted(options)
    for name, spec in mod.argument_spec().items():
        for key, default in (('type', 'str'), ('default', None), ('elements', None), ('required', False)):
            assert spec.get(key, default) == own[name].get(key, default), (name, key)
        assert sorted(spec.get('aliases') or []) == sorted(own[name].get('aliases') or []), name


# the action plugin: the defaults of group/aws and group/amazon.aws.aws


def test_action_merges_the_aws_groups_inner_entries_winning():
    action = importlib.import_module('ansible_collections.mysql_rds.replication.plugins.action.rds_aws_info')
    module_defaults = [
        {'group/ansible.builtin.aws': {'region': 'eu-west-1', 'profile': 'play'}},
        {'group/amazon.aws.aws': {'region': 'eu-central-1'}, 'group/mysql_rds.replication.mysql': {'login_user': 'x'},
         'amazon.aws.rds_instance_info': {'region': 'never'}},
    ]
    assert action.aws_group_defaults(module_defaults) == {'region': 'eu-central-1', 'profile': 'play'}
    assert action.aws_group_defaults(None) == {}
    assert action.aws_group_defaults({'group/aws': {'region': 'x'}}) == {'region': 'x'}
