#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: rds_aws_info
short_description: What the AWS API says about an RDS instance, for replication
version_added: 0.2.0
description:
  - Reads, through the AWS API, what replication to or from an RDS instance depends on, in one
    call; the instance (engine, version, status, endpoint, backups, CA, parameter and security
    groups, read replica links), the values its DB parameter group(s) hold for the replication
    settings (RV(parameters)), the ingress rules of its VPC security groups
    (RV(security_groups)) and, with O(read_replica_identifier), whether that instance is a read
    replica of it.
  - RV(endpoint) is the instance's address and port, the one source of truth for the roles.
  - Built on amazon.aws's C(AnsibleAWSModule), so the AWS options, the standard credential chain
    (options, C(AWS_*) environment variables, O(profile), instance/container roles) and
    C(module_defaults) work as for amazon.aws modules. The module is in the action group
    C(mysql_rds.replication.aws), which extends C(amazon.aws.aws), so
    C(module_defaults) of C(group/mysql_rds.replication.aws) reach it and every amazon.aws module at once.
    The defaults of C(group/aws) and C(group/amazon.aws.aws) reach it too, below every other
    argument (its action plugin adds them; a collection cannot join those groups).
  - On an Aurora instance the DB cluster parameter group is read too; a value set by the user wins
    over an engine default, the instance's DB parameter group over the cluster's.
  - A value in RV(parameters) is what the parameter group holds. With the group in
    C(pending-reboot), a static parameter's value may not be what the instance runs yet
    (RV(parameters.binlog_format.pending_reboot)); ask the server for what it runs.
  - Backups off (no binary logs) is reported (RV(binlogs_enabled)=V(false) and a warning with the
    fix), not a failure; a missing instance fails naming the identifier and the region.
  - Read-only; never reports a change.
options:
  db_instance_identifier:
    description:
      - The RDS instance (DB instance identifier).
    type: str
    required: true
    aliases: [id]
  parameters:
    description:
      - Names of the DB parameters to read from the instance's parameter group(s).
      - Every name is a key of RV(parameters); a name no group of the instance has
        (C(gtid_mode) on MariaDB) has RV(parameters.binlog_format.group) null.
      - C(binlog_format) is always read (RV(binlogs_enabled) needs it on Aurora).
    type: list
    elements: str
    default: [binlog_format, binlog_row_image, log_bin_trust_function_creators, event_scheduler,
              max_allowed_packet, gtid_mode, enforce_gtid_consistency]
  read_replica_identifier:
    description:
      - An instance that should be a read replica of O(db_instance_identifier). RV(read_replica) says
        whether it is, and its endpoint. A missing one is reported, not a failure.
    type: str
  client_cidr:
    description:
      - A client network (CIDR, IPv4 or IPv6) that must reach the instance's port, such as a
        replica's address with C(/32). RV(client_allowed) says whether an ingress rule of the
        instance's security groups lets it in (rules for whole security groups or prefix lists do
        not count, they are not CIDRs).
    type: str
notes:
  - Needs the IAM actions C(rds:DescribeDBInstances), C(rds:DescribeDBParameters) (plus
    C(rds:DescribeDBClusters) and C(rds:DescribeDBClusterParameters) on Aurora) and
    C(ec2:DescribeSecurityGroups). Without the EC2 permission the security groups are left out with
    a warning.
  - Supports check mode (nothing ever changes).
seealso:
  - module: amazon.aws.rds_instance_info
  - module: mysql_rds.replication.replication_server_info
author:
  - mysql_rds.replication contributors (@mysql_rds)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
'''

EXAMPLES = r'''
- name: Read the RDS instance, its replication parameters and security groups
  mysql_rds.replication.rds_aws_info:
    db_instance_identifier: orders-db
    region: eu-west-1
  register: rds

- name: Replicate from its endpoint
  ansible.builtin.debug:
    msg: "{{ rds.endpoint.host }}:{{ rds.endpoint.port }}, binlog_format {{ rds.parameters.binlog_format.value }}"

- name: One set of AWS options for this module and every amazon.aws module
  module_defaults:
    group/mysql_rds.replication.aws:
      region: eu-west-1
      profile: migration
  block:
    - name: Check a read replica and that the replica host may connect
      mysql_rds.replication.rds_aws_info:
        db_instance_identifier: orders-db
        read_replica_identifier: orders-db-replica
        client_cidr: 10.20.0.15/32
        parameters: [binlog_format, max_allowed_packet]
      register: rds

    - name: Stop when the read replica is not one of orders-db
      ansible.builtin.assert:
        that:
          - rds.read_replica.is_replica_of_instance
          - rds.client_allowed
          - rds.binlogs_enabled
'''

RETURN = r'''
instance:
  description: The instance, as the AWS API describes it (the keys replication needs).
  returned: success
  type: dict
  contains:
    identifier: {description: DB instance identifier., type: str, returned: success, sample: orders-db}
    arn: {description: Its ARN., type: str, returned: success}
    engine: {description: RDS engine name., type: str, returned: success, sample: mariadb}
    engine_version: {description: Engine version., type: str, returned: success, sample: 10.11.8}
    status: {description: DB instance status., type: str, returned: success, sample: available}
    endpoint:
      description: Address and port (address null while the instance is being created).
      type: dict
      returned: success
      sample: {address: orders-db.abc.eu-west-1.rds.amazonaws.com, port: 3306}
    backup_retention_period: {description: "Days automated backups are kept (0 = off, no binary logs).", type: int, returned: success}
    ca_certificate_identifier: {description: The CA that signs the server certificate., type: str, returned: success}
    db_parameter_groups:
      description: The DB parameter groups, C(name) and C(apply_status) (C(in-sync), C(pending-reboot), C(applying)).
      type: list
      elements: dict
      returned: success
    db_cluster_identifier: {description: "The Aurora cluster, null elsewhere.", type: str, returned: success}
    db_cluster_parameter_group: {description: "The Aurora cluster's parameter group, null elsewhere.", type: str, returned: success}
    vpc_security_group_ids: {description: Its VPC security groups., type: list, elements: str, returned: success}
    read_replica_source: {description: "The instance this one is a read replica of (identifier or ARN), null if none.", type: str, returned: success}
    read_replica_identifiers: {description: Its read replicas., type: list, elements: str, returned: success}
    master_username: {description: The master user., type: str, returned: success}
endpoint:
  description: Where to connect, the one source of truth for the roles (C(host) null while creating).
  returned: success
  type: dict
  sample: {host: orders-db.abc.eu-west-1.rds.amazonaws.com, port: 3306}
binlogs_enabled:
  description: Whether the instance writes binary logs (backups on; on Aurora also binlog_format not OFF).
  returned: success
  type: bool
parameters:
  description:
    - Per requested name, what the parameter group(s) hold. C(value) is null for an engine default
      with no value or a name no group has (C(group) null then).
    - C(pending_reboot) is true when the value may not be what the instance runs yet (a static
      parameter in a group whose changes wait for a reboot).
  returned: success
  type: dict
  sample:
    binlog_format: {value: ROW, source: user, apply_type: dynamic, group: orders-params, pending_reboot: false}
    gtid_mode: {value: null, source: null, apply_type: null, group: null, pending_reboot: false}
  contains:
    binlog_format:
      description: One entry per requested name (this one is always there).
      type: dict
      returned: success
      contains:
        value: {description: The value the group holds., type: str, returned: success}
        source: {description: "Where it comes from: C(user), C(engine-default), C(system).", type: str, returned: success}
        apply_type: {description: C(static) or C(dynamic)., type: str, returned: success}
        group: {description: The parameter group it was read from., type: str, returned: success}
        pending_reboot: {description: The instance may not run this value until it reboots., type: bool, returned: success}
security_groups:
  description: The instance's VPC security groups and their ingress rules ([] when they may not be read).
  returned: success
  type: list
  elements: dict
  sample:
    - group_id: sg-0123
      group_name: orders-db-sg
      vpc_id: vpc-0123
      cidrs_on_port: [10.20.0.0/16]
      ingress:
        - {protocol: tcp, from_port: 3306, to_port: 3306, cidrs: [10.20.0.0/16], ipv6_cidrs: [],
           source_groups: [], prefix_lists: [], covers_port: true}
client_allowed:
  description: With O(client_cidr), whether an ingress rule lets that network in on the instance's port (null when unknown).
  returned: when client_cidr is set
  type: bool
read_replica:
  description: With O(read_replica_identifier), that instance.
  returned: when read_replica_identifier is set
  type: dict
  sample: {identifier: orders-db-replica, found: true, is_replica_of_instance: true, status: available,
           source: orders-db, endpoint: {host: orders-db-replica.abc.eu-west-1.rds.amazonaws.com, port: 3306}}
'''

import ipaddress

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore

from ansible_collections.amazon.aws.plugins.module_utils.botocore import (
    is_boto3_error_code, paginated_query_with_retries)
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

DEFAULT_PARAMETERS = ['binlog_format', 'binlog_row_image', 'log_bin_trust_function_creators', 'event_scheduler',
                      'max_allowed_packet', 'gtid_mode', 'enforce_gtid_consistency']
NOT_FOUND = ('DBInstanceNotFound', 'DBInstanceNotFoundFault')
DENIED = ('UnauthorizedOperation', 'AccessDenied', 'AccessDeniedException')


def argument_spec():
    return dict(
        db_instance_identifier=dict(type='str', required=True, aliases=['id']),
        parameters=dict(type='list', elements='str', default=list(DEFAULT_PARAMETERS)),
        read_replica_identifier=dict(type='str'),
        client_cidr=dict(type='str'),
    )


class AwsReadError(Exception):
    """An AWS call failed: the failing step and the botocore exception."""

    def __init__(self, step, error):
        super(AwsReadError, self).__init__(step)
        self.step = step
        self.error = error


def describe_instance(rds, identifier):
    """The DBInstances entry, or None when there is no such instance."""
    try:
        found = paginated_query_with_retries(rds, 'describe_db_instances', DBInstanceIdentifier=identifier)
    except is_boto3_error_code(NOT_FOUND):
        return None
    return (found.get('DBInstances') or [None])[0]


def endpoint_of(db):
    endpoint = db.get('Endpoint') or {}
    return {'host': endpoint.get('Address'), 'port': endpoint.get('Port') or db.get('DbInstancePort') or None}


def cluster_parameter_group(rds, db):
    """The Aurora cluster's parameter group name, or None."""
    if not db.get('DBClusterIdentifier'):
        return None
    clusters = paginated_query_with_retries(rds, 'describe_db_clusters',
                                            DBClusterIdentifier=db['DBClusterIdentifier'])
    return ((clusters.get('DBClusters') or [{}])[0]).get('DBClusterParameterGroup')


def instance_summary(db, cluster_group):
    return {
        'identifier': db.get('DBInstanceIdentifier'),
        'arn': db.get('DBInstanceArn'),
        'engine': db.get('Engine'),
        'engine_version': db.get('EngineVersion'),
        'status': db.get('DBInstanceStatus'),
        'endpoint': {'address': endpoint_of(db)['host'], 'port': endpoint_of(db)['port']},
        'backup_retention_period': db.get('BackupRetentionPeriod', 0),
        'ca_certificate_identifier': db.get('CACertificateIdentifier'),
        'db_parameter_groups': [{'name': g.get('DBParameterGroupName'), 'apply_status': g.get('ParameterApplyStatus')}
                                for g in db.get('DBParameterGroups') or []],
        'db_cluster_identifier': db.get('DBClusterIdentifier'),
        'db_cluster_parameter_group': cluster_group,
        'vpc_security_group_ids': [g.get('VpcSecurityGroupId') for g in db.get('VpcSecurityGroups') or []],
        'read_replica_source': db.get('ReadReplicaSourceDBInstanceIdentifier'),
        'read_replica_identifiers': list(db.get('ReadReplicaDBInstanceIdentifiers') or []),
        'master_username': db.get('MasterUsername'),
    }


def _group_parameters(rds, group, cluster, names):
    """{name: Parameters entry} of one group, only the requested names."""
    if cluster:
        found = paginated_query_with_retries(rds, 'describe_db_cluster_parameters', DBClusterParameterGroupName=group)
    else:
        found = paginated_query_with_retries(rds, 'describe_db_parameters', DBParameterGroupName=group)
    return dict((p['ParameterName'], p) for p in found.get('Parameters') or [] if p.get('ParameterName') in names)


def read_parameters(rds, db, cluster_group, names):
    """{name: {value, source, apply_type, group, pending_reboot}}: the instance's groups first, then the
    cluster's; a value the user set wins over an engine default wherever it is."""
    sources = [(g.get('DBParameterGroupName'), False, g.get('ParameterApplyStatus'))
               for g in db.get('DBParameterGroups') or []]
    if cluster_group:
        sources.append((cluster_group, True, None))
    candidates = dict((name, []) for name in names)
    for group, cluster, apply_status in sources:
        for name, entry in _group_parameters(rds, group, cluster, set(names)).items():
            candidates[name].append((group, apply_status, entry))
    result = {}
    for name in names:
        found = candidates[name]
        chosen = ([c for c in found if c[2].get('Source') == 'user'] + [c for c in found if 'ParameterValue' in c[2]]
                  + found + [(None, None, {})])[0]
        group, apply_status, entry = chosen
        apply_type = entry.get('ApplyType')
        result[name] = {
            'value': entry.get('ParameterValue'),
            'source': entry.get('Source'),
            'apply_type': apply_type,
            'group': group,
            'pending_reboot': apply_status == 'pending-reboot' and apply_type != 'dynamic',
        }
    return result


def _covers(permission, port):
    protocol = str(permission.get('IpProtocol'))
    if protocol == '-1':
        return True
    if protocol not in ('tcp', '6') or port is None:
        return False
    return permission.get('FromPort', 0) <= port <= permission.get('ToPort', 65535)


def ingress_rule(permission, port):
    return {
        'protocol': str(permission.get('IpProtocol')),
        'from_port': permission.get('FromPort'),
        'to_port': permission.get('ToPort'),
        'cidrs': [r.get('CidrIp') for r in permission.get('IpRanges') or []],
        'ipv6_cidrs': [r.get('CidrIpv6') for r in permission.get('Ipv6Ranges') or []],
        'source_groups': [p.get('GroupId') for p in permission.get('UserIdGroupPairs') or []],
        'prefix_lists': [p.get('PrefixListId') for p in permission.get('PrefixListIds') or []],
        'covers_port': _covers(permission, port),
    }


def read_security_groups(ec2, group_ids, port):
    if not group_ids:
        return []
    found = paginated_query_with_retries(ec2, 'describe_security_groups', GroupIds=list(group_ids))
    groups = []
    for group in found.get('SecurityGroups') or []:
        rules = [ingress_rule(p, port) for p in group.get('IpPermissions') or []]
        groups.append({
            'group_id': group.get('GroupId'),
            'group_name': group.get('GroupName'),
            'vpc_id': group.get('VpcId'),
            'ingress': rules,
            'cidrs_on_port': sorted(set(c for r in rules if r['covers_port'] for c in r['cidrs'] + r['ipv6_cidrs'])),
        })
    return groups


def client_allowed(groups, client_cidr):
    """Whether a CIDR allowed on the port contains the whole client network."""
    client = ipaddress.ip_network(client_cidr, strict=False)
    for group in groups:
        for cidr in group['cidrs_on_port']:
            allowed = ipaddress.ip_network(cidr, strict=False)
            if allowed.version == client.version and client.subnet_of(allowed):
                return True
    return False


def read_replica_info(rds, identifier, db):
    replica = describe_instance(rds, identifier)
    if replica is None:
        return {'identifier': identifier, 'found': False, 'is_replica_of_instance': False, 'status': None,
                'source': None, 'endpoint': {'host': None, 'port': None}}
    source = replica.get('ReadReplicaSourceDBInstanceIdentifier')
    return {
        'identifier': identifier, 'found': True,
        'is_replica_of_instance': bool(source) and source in (db.get('DBInstanceIdentifier'), db.get('DBInstanceArn')),
        'status': replica.get('DBInstanceStatus'), 'source': source, 'endpoint': endpoint_of(replica),
    }


def binlog_warning(identifier, summary, parameters):
    """(binlogs_enabled, the fix or None)."""
    if not summary['backup_retention_period']:
        return False, ('RDS instance %s has automated backups off (backup retention 0 days), so it writes no binary '
                       'log: set a retention of at least 1 day (aws rds modify-db-instance --db-instance-identifier '
                       '%s --backup-retention-period 1 --apply-immediately).' % (identifier, identifier))
    fmt = parameters.get('binlog_format', {})
    if (summary['engine'] or '').startswith('aurora') and str(fmt.get('value') or 'OFF').upper() == 'OFF':
        return False, ('Aurora instance %s writes no binary log (binlog_format %s in %s): set binlog_format=ROW in its '
                       'DB cluster parameter group and reboot the writer.'
                       % (identifier, fmt.get('value') or 'OFF', summary['db_cluster_parameter_group']))
    return True, None


def gather(rds, ec2, params, warn):
    """Everything the module returns, or None when the instance does not exist. Raises AwsReadError."""
    identifier = params['db_instance_identifier']
    step = 'describe RDS instance %s' % identifier
    try:
        db = describe_instance(rds, identifier)
        if db is None:
            return None
        step = 'describe the cluster of %s' % identifier
        cluster_group = cluster_parameter_group(rds, db)
        summary = instance_summary(db, cluster_group)
        names = list(params['parameters'] or [])
        names += [] if 'binlog_format' in names else ['binlog_format']
        step = 'read the DB parameters of %s' % identifier
        parameters = read_parameters(rds, db, cluster_group, names)
        result = {'changed': False, 'instance': summary, 'endpoint': endpoint_of(db), 'parameters': parameters}
        if params.get('read_replica_identifier'):
            step = 'describe read replica %s' % params['read_replica_identifier']
            result['read_replica'] = read_replica_info(rds, params['read_replica_identifier'], db)
            if not result['read_replica']['is_replica_of_instance']:
                warn('%s is %s of %s.' % (params['read_replica_identifier'], 'not a read replica' if
                                          result['read_replica']['found'] else 'not found, so not a read replica',
                                          identifier))
    except botocore.exceptions.ClientError as e:
        raise AwsReadError(step, e)
    try:
        result['security_groups'] = read_security_groups(ec2, summary['vpc_security_group_ids'],
                                                         result['endpoint']['port'])
    except is_boto3_error_code(DENIED) as e:
        warn('The security groups of %s could not be read (%s): allow ec2:DescribeSecurityGroups to check them.'
             % (identifier, e.response['Error']['Code']))
        result['security_groups'] = None
    except botocore.exceptions.ClientError as e:  # pylint: disable=duplicate-except
        raise AwsReadError('describe the security groups of %s' % identifier, e)
    if params.get('client_cidr'):
        groups = result['security_groups']
        result['client_allowed'] = None if groups is None else client_allowed(groups, params['client_cidr'])
    result['security_groups'] = result['security_groups'] or []
    result['binlogs_enabled'], fix = binlog_warning(identifier, summary, parameters)
    if fix:
        warn(fix)
    if result['endpoint']['host'] is None:
        warn('RDS instance %s has no endpoint yet (status %s).' % (identifier, summary['status']))
    return result


def main():
    module = AnsibleAWSModule(argument_spec=argument_spec(), supports_check_mode=True)
    params = module.params
    if params.get('client_cidr'):
        try:
            ipaddress.ip_network(params['client_cidr'], strict=False)
        except ValueError as e:
            module.fail_json(msg='client_cidr %s is not a CIDR: %s' % (params['client_cidr'], e))
    try:
        result = gather(module.client('rds'), module.client('ec2'), params, module.warn)
    except AwsReadError as e:
        module.fail_json_aws(e.error, msg='Could not %s (region %s)' % (e.step, module.region))
    except botocore.exceptions.BotoCoreError as e:
        module.fail_json_aws(e, msg='Could not call the AWS API (region %s)' % module.region)
    if result is None:
        module.fail_json(msg='RDS instance %s not found in region %s: check db_instance_identifier and region (and '
                             'the account of the credentials).' % (params['db_instance_identifier'], module.region),
                         changed=False)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
