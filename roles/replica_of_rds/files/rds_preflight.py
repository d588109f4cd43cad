# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Everything the AWS preflight of replica_of_rds reads, in one process (boto3 is imported once):
# the DB instance, one parameter of each of its DB parameter groups and, when asked, its VPC
# security groups. Read-only. Run as `python -c` with a JSON request on stdin, so no credential
# is on a command line:
# {"instance_id", "parameter", "security_groups" (bool), "region", "endpoint_url", "access_key",
#  "secret_key", "session_token"}
# Prints one JSON object: instances (0 or 1, keys in snake_case as amazon.aws.rds_instance_info
# returns them), parameters ({group: {value, apply_type, source}}), security_groups (as
# amazon.aws.ec2_security_group_info returns them) and error (null, or what the AWS API said).
import json
import re
import sys


def camel_to_snake(name):
    """The same names as ansible's camel_dict_to_snake_dict (DBInstanceIdentifier -> db_instance_identifier)."""
    name = re.sub(r'[A-Z]{3,}s$', lambda m: '_' + m.group(0).lower(), name)
    if name.startswith('_'):
        name = name[1:]
    name = re.sub(r'(.)([A-Z][a-z]+)', r'\1_\2', name)
    return re.sub(r'([a-z0-9])([A-Z]+)', r'\1_\2', name).lower()


def snake(value):
    if isinstance(value, dict):
        return dict((camel_to_snake(k), v if k == 'Tags' else snake(v)) for k, v in value.items())
    if isinstance(value, list):
        return [snake(item) for item in value]
    return value


def main():
    request = json.load(sys.stdin)
    result = {'instances': [], 'parameters': {}, 'security_groups': [], 'error': None}
    step = 'import boto3'
    try:
        import boto3

        kwargs = {'region_name': request.get('region') or None,
                  'endpoint_url': request.get('endpoint_url') or None,
                  'aws_access_key_id': request.get('access_key') or None,
                  'aws_secret_access_key': request.get('secret_key') or None,
                  'aws_session_token': request.get('session_token') or None}
        kwargs = dict((k, v) for k, v in kwargs.items() if v)
        session = boto3.session.Session()
        rds = session.client('rds', **kwargs)

        step = 'describe RDS instance %s' % request['instance_id']
        try:
            found = rds.describe_db_instances(DBInstanceIdentifier=request['instance_id'])['DBInstances']
        except rds.exceptions.DBInstanceNotFoundFault:
            found = []
        result['instances'] = [snake(instance) for instance in found]

        for instance in found:
            for group in instance.get('DBParameterGroups', []):
                name = group['DBParameterGroupName']
                step = 'read %s from DB parameter group %s' % (request['parameter'], name)
                parameter = {}
                for page in rds.get_paginator('describe_db_parameters').paginate(DBParameterGroupName=name):
                    for item in page['Parameters']:
                        if item['ParameterName'] == request['parameter']:
                            parameter = item
                result['parameters'][name] = {'value': parameter.get('ParameterValue'),
                                              'apply_type': parameter.get('ApplyType'),
                                              'source': parameter.get('Source')}

            group_ids = [group['VpcSecurityGroupId'] for group in instance.get('VpcSecurityGroups', [])]
            if request.get('security_groups') and group_ids:
                step = 'describe security groups %s' % ', '.join(group_ids)
                ec2 = session.client('ec2', **kwargs)
                groups = []
                for page in ec2.get_paginator('describe_security_groups').paginate(
                        Filters=[{'Name': 'group-id', 'Values': group_ids}]):
                    groups.extend(page['SecurityGroups'])
                result['security_groups'] = [snake(group) for group in groups]
    except Exception as exc:  # pylint: disable=broad-except
        # botocore's messages name the call and the AWS error code, never the credentials
        result['error'] = 'cannot %s through the AWS API: %s: %s' % (step, type(exc).__name__, exc)
    print(json.dumps(result, default=str))


main()
