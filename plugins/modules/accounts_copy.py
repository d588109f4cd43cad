#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: accounts_copy
short_description: Copy application accounts, their password hashes and grants to another server (RDS)
version_added: 0.2.0
description:
  - Copies the accounts of the server of O(source_login) (required) to the server of the login options (the
    target, typically an RDS instance as its master user) with their authentication plugin and
    password hash (no password is needed or known), and their grants.
  - Grants are filtered for what the target's login may grant (compared with its own grants); a
    privilege it does not hold with GRANT OPTION on the object or a level above (on RDS, for
    instance, SUPER, FILE, SHUTDOWN, RELOAD) is not copied; each such privilege is listed in a
    warning and in RV(dropped_privileges). ALL PRIVILEGES the login may not grant whole becomes
    the privileges it may grant. Role grants are not copied (listed the same way).
  - An account whose authentication plugin is not active on the target, or that has more than one
    authentication method, is refused (listed in RV(refused), with a warning); the others are copied.
  - Never copied (listed in RV(excluded)), whatever O(include) says - system accounts (C(root),
    C(mysql.sys), C(mysql.session), C(mysql.infoschema), C(mariadb.sys), C(rdsadmin), C(rdsrepladmin),
    C(rdsproxyadmin)), anonymous accounts, roles, the target's own login and the source login; and
    replication accounts, that is accounts holding REPLICATION SLAVE and nothing but replication
    privileges (REPLICATION CLIENT, BINLOG MONITOR, SLAVE MONITOR, replication admin privileges).
  - The TLS requirement (C(REQUIRE SSL), C(X509), C(ISSUER)/C(SUBJECT)/C(CIPHER)) is copied too.
    Other account options (resource limits, locking, password expiry) are not.
  - Idempotent - compares the plugin, the hash, the TLS requirement and the grants the login may grant
    with what the target account has, and changes only what differs.
options:
  state:
    description:
      - V(present) - the selected accounts exist on the target as on the source.
    type: str
    choices: [present]
    default: present
  include:
    description:
      - Accounts to copy, as C(user@host) patterns where C(%) matches any characters (C(_) is a plain
        character). A pattern without C(@) means that user at any host. User names match with case,
        host names without.
    type: list
    elements: str
    default: ['%']
  exclude:
    description:
      - Accounts not to copy (same patterns as O(include)); wins over O(include).
    type: list
    elements: str
    default: []
  revoke_extra:
    description:
      - Revoke the privileges a copied account has on the target and not on the source (only those
        the target's login may revoke). V(false) only adds.
    type: bool
    default: true
  target_skip_binlog:
    description:
      - Change the target's accounts without writing them to its binary log (C(SET SESSION sql_log_bin=0)
        before the first change; needs SUPER or BINLOG ADMIN there). For a self-managed replica (a replica
        of RDS keeps no transactions of its own server id in its GTID state); the RDS master user may not
        do it.
    type: bool
    default: false
extends_documentation_fragment:
  - mysql_rds.replication.connection
  - mysql_rds.replication.source_login
attributes:
  check_mode:
    support: full
    description: Reads both servers and returns the plan (RV(queries), the lists, the diff) without changing anything.
  diff_mode:
    support: full
    description: Each changed account before and after (plugin, TLS requirement, grants; password hashes masked).
notes:
  - The source login needs to read C(mysql.user) (MariaDB 10.4+ C(mysql.global_priv)) and the grants of
    other accounts (SELECT on the C(mysql) schema); so does the target's login, which also needs
    CREATE USER and GRANT OPTION (the RDS master user has both).
author:
  - mysql_rds.replication contributors (@mysql_rds)
'''

EXAMPLES = r'''
- name: Copy the application accounts to RDS before the cutover
  mysql_rds.replication.accounts_copy:
    login_host: mydb.abcdefghijkl.eu-west-1.rds.amazonaws.com
    login_user: admin
    login_password: "{{ rds_admin_password }}"
    ca_cert: /etc/ssl/rds/global-bundle.pem
    source_login:
      login_host: db1.example.com
      login_user: dba
      login_password: "{{ source_password }}"
    include: ['app%@%', 'report@10.%']
    exclude: ['app_test@%']
  register: accounts

- name: Show what RDS does not allow
  ansible.builtin.debug:
    var: accounts.dropped_privileges
'''

RETURN = r'''
created:
  description: Accounts created on the target (in check mode, that would be).
  returned: always
  type: list
  elements: str
  sample: ['app@%']
updated:
  description: Accounts whose plugin, hash or grants were changed on the target.
  returned: always
  type: list
  elements: str
  sample: []
unchanged:
  description: Accounts already as on the source.
  returned: always
  type: list
  elements: str
  sample: ['report@10.%']
refused:
  description: Accounts not copied, with the reason (plugin missing on the target, several methods).
  returned: always
  type: list
  elements: dict
  sample: [{account: 'svc@%', plugin: ed25519, reason: 'authentication plugin ed25519 is not active on the target'}]
excluded:
  description: Accounts matched by O(include) that are never copied, with the reason.
  returned: always
  type: list
  elements: dict
  sample: [{account: 'root@localhost', reason: system account}, {account: 'repl@%', reason: replication account}]
dropped_privileges:
  description: Privileges of copied accounts the target's login may not grant (not copied).
  returned: always
  type: list
  elements: dict
  sample: [{account: 'app@%', privilege: SUPER, 'on': '*.*'}]
not_granted:
  description:
    - Grants not applied because their table, column, routine or database is not on the target
      yet (the run still copies everything else; run again once the data is there).
  returned: always
  type: list
  elements: dict
  sample: [{account: 'app@%', query: 'GRANT SELECT (`a`) ON `shop`.`t` TO `app`@`%`', error: "(1146) Table 'shop.t' doesn't exist"}]
queries:
  description: Statements run (in check mode, that would run); password hashes masked.
  returned: always
  type: list
  elements: str
  sample: ["CREATE USER `app`@`%` IDENTIFIED VIA mysql_native_password USING '********'",
           "GRANT SELECT, INSERT ON `shop`.* TO `app`@`%`"]
dialect:
  description: Engines detected, C(source) and C(target).
  returned: always
  type: dict
  sample: {source: {flavor: mariadb, version: 10.11.9}, target: {flavor: mariadb, version: 10.11.9}}
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mysql_rds.replication.plugins.module_utils.accounts_dialect import AccountDialect
from ansible_collections.mysql_rds.replication.plugins.module_utils.accounts_filter import (
    controllable, filter_grants, is_replication_account, selected, why_skipped)
from ansible_collections.mysql_rds.replication.plugins.module_utils.accounts_plan import (
    apply_plan, plan_account, shown)
from ansible_collections.mysql_rds.replication.plugins.module_utils.accounts_read import (
    read_accounts, read_grants, read_login)
from ansible_collections.mysql_rds.replication.plugins.module_utils.connection import (
    connect, connection_argument_spec, run)
from ansible_collections.mysql_rds.replication.plugins.module_utils.dialect import detect
from ansible_collections.mysql_rds.replication.plugins.module_utils.errors import SqlError
from ansible_collections.mysql_rds.replication.plugins.module_utils.second_login import login_option


def argument_spec():
    spec = connection_argument_spec()
    spec.update(
        state=dict(type='str', choices=['present'], default='present'),
        include=dict(type='list', elements='str', default=['%']),
        exclude=dict(type='list', elements='str', default=[]),
        revoke_extra=dict(type='bool', default=True),
        target_skip_binlog=dict(type='bool', default=False),
        source_login=login_option(),
    )
    return spec


def refusal(account, plugins):
    """Why the target cannot hold this account as it is, or None."""
    if account['methods'] > 1:
        return 'it has %d authentication methods (IDENTIFIED ... OR ...): copy it by hand' % account['methods']
    if account['plugin'].lower() not in plugins:
        return ('authentication plugin %s is not active on the target: install it there, or change the '
                "account's plugin, or exclude it" % account['plugin'])
    return None


def current_account(cursor, words):
    return str(list(run(cursor, words.lookup('current_account'))[0].values())[0])


def plan(module, scur, tcur, swords, twords, result):
    """The plans of every account to copy; fills the lists of ``result``."""
    login = read_login(tcur, twords)
    source_login = current_account(scur, swords)
    sources = read_accounts(scur, swords)
    targets = read_accounts(tcur, twords)
    plans = []
    for name in selected(sources, module.params['include'], module.params['exclude']):
        account = sources[name]
        reason = why_skipped(account, login['account'])
        if reason is None and name == source_login:
            reason = 'the source login'
        grants, roles = ([], []) if reason else read_grants(scur, swords, account['user'], account['host'])
        if reason is None and is_replication_account(grants, roles):
            reason = 'replication account'
        if reason:
            result['excluded'].append(dict(account=name, reason=reason))
            continue
        reason = refusal(account, login['plugins'])
        if reason:
            result['refused'].append(dict(account=name, plugin=account['plugin'], reason=reason))
            module.warn('%s not copied: %s.' % (name, reason))
            continue
        kept, dropped = filter_grants(grants, login, twords)
        dropped = [dict(account=name, privilege=p, on=obj) for obj, p in dropped]
        dropped += [dict(account=name, privilege='role %s' % role, on='') for role in roles]
        if dropped:
            result['dropped_privileges'].extend(dropped)
            module.warn('%s copied without %s: the target login %s may not grant %s.' % (
                name, ', '.join('%s ON %s' % (d['privilege'], d['on']) if d['on'] else d['privilege'] for d in dropped),
                login['account'], 'them' if len(dropped) > 1 else 'it'))
        target = targets.get(name)
        target_grants = read_grants(tcur, twords, account['user'], account['host'])[0] if target else {}
        plans.append(plan_account(twords, account, kept, target, target_grants,
                                  controllable(target_grants, login, twords), module.params['revoke_extra']))
    secrets = [a['hash'] for a in list(sources.values()) + list(targets.values()) if a['hash']]
    return plans, secrets


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    if not module.params['source_login']:
        module.fail_json(msg='source_login is required: the login of the server the accounts come from.')
    padded = ['%s %r' % (name, item) for name in ('include', 'exclude') for item in module.params[name]
              if not item.strip() or item != item.strip()]
    if padded:
        module.fail_json(msg='empty or space-padded account patterns (a comma-separated string with blanks?): %s; '
                         'give user@host patterns only, without spaces.' % ', '.join(padded))
    result = dict(changed=False, created=[], updated=[], unchanged=[], refused=[], excluded=[],
                  dropped_privileges=[], not_granted=[], queries=[], dialect={})
    target_conn = connect(module)
    source_conn = connect(module, options=dict(module.params['source_login']))
    secrets = []
    try:
        tcur, scur = target_conn.cursor(), source_conn.cursor()
        sdialect, tdialect = detect(scur), detect(tcur)
        result['dialect'] = dict(source=sdialect.describe(), target=tdialect.describe())
        swords, twords = AccountDialect(sdialect), AccountDialect(tdialect)
        plans, secrets = plan(module, scur, tcur, swords, twords, result)
        diff = dict(before={}, after={})
        if module.params['target_skip_binlog'] and not module.check_mode and any(p['statements'] for p in plans):
            run(tcur, twords.lookup('skip_binlog'))
        for each in plans:
            missing = []
            if each['statements'] and module.check_mode:
                result['queries'].extend(shown(each['statements'], secrets))
            elif each['statements']:
                missing = apply_plan(tcur, each, secrets, result['queries'])
            for query, error in missing:
                result['not_granted'].append(dict(account=each['account'], query=query, error=error))
                module.warn('%s: not granted, the object is not on the target (%s): copy the data first, '
                            'then run again.' % (each['account'], error))
            action = 'none' if len(missing) == len(each['statements']) else each['action']
            result[dict(create='created', update='updated', none='unchanged')[action]].append(each['account'])
            if action != 'none':
                diff['before'][each['account']] = each['before']
                diff['after'][each['account']] = each['after']
        result['changed'] = bool(result['created'] or result['updated'])
        result['diff'] = diff
    except SqlError as exc:
        result['changed'] = bool(result['queries']) and not module.check_mode
        module.fail_json(msg=exc.message, errno=exc.errno, **result)
    except ValueError as exc:
        module.fail_json(msg=str(exc), **result)
    finally:
        target_conn.close()
        source_conn.close()
    module.exit_json(**result)


if __name__ == '__main__':
    main()
