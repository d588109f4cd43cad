#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: replication_server_info
short_description: What a server is, for replication decisions (binlog, schemas, definers, replica status)
version_added: 0.1.0
description:
  - Reads, in a few round trips, what a role decides on before it sets up replication to or from
    a MySQL, MariaDB, Aurora MySQL or RDS server - engine, C(server_id), C(read_only), binary
    logging (enabled, format, base name, the current binlog position), the non-system schemas
    with their objects, the definers without an account, whether the time zone tables are loaded,
    a few settings, and the replica's status (normalized) if it replicates from somewhere.
  - Works as the RDS master user; see O(rds) for how the replica's status is read.
  - Read-only; never reports a change.
extends_documentation_fragment:
  - mysql_rds.replication.connection
  - mysql_rds.replication.status_reader
attributes:
  check_mode:
    support: full
    description: The module only reads; it runs the same way in check mode.
  diff_mode:
    support: none
    description: Nothing to diff.
author:
  - mysql_rds.replication contributors (@mysql_rds)
notes:
  - Reading the binlog position needs the privilege to see it (C(REPLICATION CLIENT) or C(BINLOG MONITOR));
    the definers need C(SELECT) on C(mysql.user). The RDS master user has both.
seealso:
  - module: mysql_rds.replication.replica_status_info
  - module: mysql_rds.replication.table_checksum
'''

EXAMPLES = r'''
- name: Read the self-managed source
  mysql_rds.replication.replication_server_info:
    login_user: dba
    login_password: "{{ dba_password }}"
  register: source

- name: Refuse a source without row-based binary logging
  ansible.builtin.assert:
    that:
      - source.binlog.enabled
      - source.binlog.format == 'ROW'
    fail_msg: "Turn log_bin on with binlog_format=ROW (now: {{ source.binlog }})."

- name: Read the RDS instance as its master user
  mysql_rds.replication.replication_server_info:
    login_host: mydb.abcdefghijkl.eu-west-1.rds.amazonaws.com
    login_user: admin
    login_password: "{{ rds_admin_password }}"
    ca_cert: /etc/ssl/rds/global-bundle.pem
  register: rds

- name: Warn about objects whose definer has no account
  ansible.builtin.debug:
    msg: "Create these accounts: {{ rds.definers_missing | join(', ') }}"
  when: rds.definers_missing | length > 0
'''

RETURN = r'''
dialect:
  description: Engine detected.
  returned: always
  type: dict
  sample: {flavor: mariadb, version: 10.11.9, name: MariaDB 10.11.9}
server_id:
  description: C(server_id) of the server.
  returned: always
  type: int
  sample: 13304
read_only:
  description: Whether the server is C(read_only).
  returned: always
  type: bool
  sample: false
binlog:
  description: Binary logging of the server.
  returned: always
  type: dict
  contains:
    enabled:
      description: Whether binary logging is on.
      type: bool
      sample: true
    format:
      description: C(binlog_format) (V(ROW), V(MIXED), V(STATEMENT)).
      type: str
      sample: ROW
    basename:
      description: Path and base name of the binlog files; empty when the server does not tell.
      type: str
      sample: /var/lib/mysql/mysql-bin
    position:
      description: The current binlog position as coordinates (C(file), C(position), C(gtid), C(gtid)
        empty when the engine has none); null when binary logging is off.
      type: dict
      sample: {file: mysql-bin.000042, position: 1337, gtid: 0-13304-1872}
schemas:
  description:
    - The non-system schemas (all but mysql, information_schema, performance_schema, sys), by name,
      with their number of tables, views, routines, events and triggers.
    - C(objects) is their sum, C(counts) the same as text (kinds with none left out, empty for an empty schema).
  returned: always
  type: list
  elements: dict
  sample: [{name: shop, tables: 2, views: 1, routines: 0, events: 0, triggers: 0, objects: 3,
            counts: "2 tables, 1 view"}]
stored_programs:
  description: Routines and triggers of the non-system schemas.
  returned: always
  type: int
  sample: 3
definers_missing:
  description: Definers (C(user@host)) of non-system views, routines, triggers and events that have no account here.
  returned: always
  type: list
  elements: str
  sample: [app@10.0.%]
time_zones_loaded:
  description: Whether the time zone tables hold names (named time zones work).
  returned: always
  type: bool
  sample: true
replica:
  description: The replica's status, normalized (see mysql_rds.replication.replica_status_info);
    C(configured) is false when the server replicates from nowhere.
  returned: always
  type: dict
  sample: {configured: false, io_running: "No", sql_running: "No"}
status_source:
  description: How RV(replica) was read, V(statement) (the engine's status statement) or V(rds_procedure).
  returned: always
  type: str
  sample: statement
variables:
  description: A few settings replication depends on; C(gtid_strict_mode) only where the engine has it.
  returned: always
  type: dict
  sample: {log_bin_trust_function_creators: false, event_scheduler: "ON", max_allowed_packet: 16777216,
           gtid_strict_mode: true}
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mysql_rds.replication.plugins.module_utils.connection import (
    STATUS_TIMEOUT, connect, connection_argument_spec)
from ansible_collections.mysql_rds.replication.plugins.module_utils.dialect import DialectError, detect
from ansible_collections.mysql_rds.replication.plugins.module_utils.errors import SqlError
from ansible_collections.mysql_rds.replication.plugins.module_utils.masking import guard_output, unexpected
from ansible_collections.mysql_rds.replication.plugins.module_utils.replication_status import read_binlog_position
from ansible_collections.mysql_rds.replication.plugins.module_utils.server_state import (
    describe_variables, read_missing_definers, read_schemas, read_variables, stored_programs)
from ansible_collections.mysql_rds.replication.plugins.module_utils.status_reader import StatusReader, rds_mode, rds_option


def argument_spec():
    spec = connection_argument_spec()
    spec.update(rds=rds_option())
    return spec


def collect(cursor, rds='auto'):
    """Everything the module returns but `changed`."""
    dialect = detect(cursor)
    result = describe_variables(read_variables(cursor))
    if result['binlog']['enabled']:
        result['binlog']['position'] = read_binlog_position(cursor, dialect)
    schemas, zones = read_schemas(cursor)
    reader = StatusReader(cursor, dialect, rds=rds)
    result.update(
        dialect=dialect.describe(),
        schemas=schemas,
        stored_programs=stored_programs(schemas),
        definers_missing=read_missing_definers(cursor),
        time_zones_loaded=zones,
        replica=reader.read(),
        status_source=reader.source,
    )
    return result


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    guard_output(module)  # login_password masked in every output, also where a server echoed it
    try:
        rds_mode(module.params['rds'])
    except ValueError as exc:
        module.fail_json(msg=str(exc))
    conn = connect(module, read_timeout=STATUS_TIMEOUT, write_timeout=STATUS_TIMEOUT)  # a stalled server fails
    try:
        result = collect(conn.cursor(), module.params['rds'])
    except SqlError as exc:
        module.fail_json(msg=exc.message, errno=exc.errno)
    except (DialectError, ValueError) as exc:
        module.fail_json(msg=str(exc))
    except Exception as exc:  # pylint: disable=broad-except
        module.fail_json(msg=unexpected(exc))
    finally:
        conn.close()
    module.exit_json(changed=False, **result)


if __name__ == '__main__':
    main()
