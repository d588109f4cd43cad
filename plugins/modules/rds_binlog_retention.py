#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: rds_binlog_retention
short_description: Set how long an RDS or Aurora MySQL instance keeps its binary logs
version_added: 1.0.0
description:
  - Reads C(binlog retention hours) with C(mysql.rds_show_configuration) and, when it differs,
    sets it with C(mysql.rds_set_configuration).
  - An external replica of RDS needs the binary logs to stay until it has read them; with the
    RDS default (NULL) they are purged as soon as RDS no longer needs them, and replication
    stops with error 1236.
  - Connect as the RDS master user.
options:
  hours:
    description:
      - Hours to keep binary logs. Omit (or null) for the RDS default, NULL.
      - RDS for MySQL/MariaDB accept 1 to 168, Aurora MySQL 1 to 2160; 0 is refused.
        The bound is derived from the server (returned as RV(engine_limit)).
    type: int
extends_documentation_fragment:
  - mysql_rds.replication.connection
attributes:
  check_mode:
    support: full
    description: In check mode the value is read and the change only reported.
  diff_mode:
    support: full
    description: Shows the retention before and after.
author:
  - mysql_rds.replication contributors (@mysql_rds)
'''

EXAMPLES = r'''
- name: Keep binary logs for a day on the RDS source before taking the snapshot
  mysql_rds.replication.rds_binlog_retention:
    login_host: mydb.abcdefghijkl.eu-west-1.rds.amazonaws.com
    login_user: admin
    login_password: "{{ rds_admin_password }}"
    ca_cert: /etc/ssl/rds/global-bundle.pem
    hours: 24

- name: Back to the RDS default once the replica is cut over
  mysql_rds.replication.rds_binlog_retention:
    login_host: mydb.abcdefghijkl.eu-west-1.rds.amazonaws.com
    login_user: admin
    login_password: "{{ rds_admin_password }}"
    hours: null
'''

RETURN = r'''
before:
  description: Retention before the run, in hours (null = RDS default).
  returned: always
  type: int
  sample: null
after:
  description: Retention after the run (in check mode, what it would be).
  returned: always
  type: int
  sample: 24
engine_limit:
  description: Largest value this engine accepts.
  returned: always
  type: int
  sample: 168
queries:
  description: Statements run (or that would run in check mode).
  returned: always
  type: list
  elements: str
  sample: ["CALL mysql.rds_set_configuration('binlog retention hours', 24)"]
dialect:
  description: Engine detected.
  returned: always
  type: dict
  sample: {flavor: mariadb, version: 10.11.9, name: MariaDB 10.11.9}
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mysql_rds.replication.plugins.module_utils.connection import (
    connect, connection_argument_spec, run)
from ansible_collections.mysql_rds.replication.plugins.module_utils.dialect import detect
from ansible_collections.mysql_rds.replication.plugins.module_utils.errors import SqlError
from ansible_collections.mysql_rds.replication.plugins.module_utils.masking import render_query

SETTING = 'binlog retention hours'


def validate_hours(hours, limit):
    """None is fine (RDS default); otherwise 1..limit. Returns an error message or None."""
    if hours is None:
        return None
    if hours < 1 or hours > limit:
        return ('hours=%s is out of range: for binlog retention hours the value must be between 1 '
                'and %s inclusive on this engine, or omitted (null) for the RDS default.' % (hours, limit))
    return None


def read_hours(cursor):
    rows = run(cursor, 'CALL mysql.rds_show_configuration()')
    for row in rows:
        if str(row.get('name', '')).lower() == SETTING:
            value = row.get('value')
            return None if value in (None, '', 'NULL') else int(value)
    return None


def argument_spec():
    spec = connection_argument_spec()
    spec.update(hours=dict(type='int'))
    return spec


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    hours = module.params['hours']

    conn = connect(module)
    cursor = conn.cursor()
    queries = []
    try:
        dialect = detect(cursor)
        limit = dialect.retention_max
        problem = validate_hours(hours, limit)
        if problem:
            module.fail_json(msg=problem, engine_limit=limit)
        try:
            before = read_hours(cursor)
        except SqlError as exc:
            if exc.errno in (1305, 1370, 1142):
                module.fail_json(msg='cannot read %s with mysql.rds_show_configuration (%s): connect to an '
                                     'RDS/Aurora instance as its master user.' % (SETTING, exc.message))
            raise
        changed = before != hours
        if changed:
            sql, params = 'CALL mysql.rds_set_configuration(%s, %s)', [SETTING, hours]
            queries.append(render_query(sql, params))
            if not module.check_mode:
                run(cursor, sql, params)
        after = hours if module.check_mode else read_hours(cursor)
    except SqlError as exc:
        module.fail_json(msg=exc.message, errno=exc.errno, queries=queries)
    finally:
        conn.close()

    module.exit_json(changed=changed, before=before, after=after, engine_limit=limit, queries=queries,
                     dialect=dialect.describe(),
                     diff=dict(before={SETTING: before}, after={SETTING: after}))


if __name__ == '__main__':
    main()
