# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plan the statements that make a target account what the source account is, and run them.

A plan compares the plugin, the password hash, the TLS requirement (REQUIRE) and the grants the
login may grant with what the target has: CREATE USER (or ALTER USER when plugin or hash differ),
ALTER USER ... REQUIRE when the requirement differs, REVOKE of what the source account does not
hold (``revoke_extra``), GRANT of what the target lacks. Hashes never leave the plan unmasked: `queries` and the diff
show the mask.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.mysql_rds.replication.plugins.module_utils.accounts_read import (
    GRANT_OPTION, privilege_name)
from ansible_collections.mysql_rds.replication.plugins.module_utils.connection import run
from ansible_collections.mysql_rds.replication.plugins.module_utils.errors import SqlError
from ansible_collections.mysql_rds.replication.plugins.module_utils.masking import MASK, render_query


def render_privileges(privileges):
    """{'SELECT (`a`)', 'SELECT (`b`)', 'INSERT'} -> 'INSERT, SELECT (`a`, `b`)'."""
    columns, order = {}, []
    for privilege in sorted(privileges):
        name = privilege_name(privilege)
        if name not in columns:
            columns[name] = []
            order.append(name)
        if privilege != name:
            columns[name].append(privilege[len(name) + 2:-1])
    return ', '.join('%s (%s)' % (name, ', '.join(columns[name])) if columns[name] else name for name in order)


def grant_lines(grants):
    """Readable grants for the diff: ['SELECT, INSERT ON `db`.*', ...]."""
    lines = []
    for obj in sorted(grants):
        privileges = set(grants[obj])
        option = GRANT_OPTION in privileges
        privileges.discard(GRANT_OPTION)
        lines.append('%s ON %s%s' % (render_privileges(privileges) or 'USAGE', obj,
                                     ' WITH GRANT OPTION' if option else ''))
    return lines


NO_REQUIREMENT = ('NONE', '', '', '')


def require_text(require):
    """('SPECIFIED', cipher, issuer, subject) -> 'ISSUER ... AND SUBJECT ...', else the kind."""
    if require[0] != 'SPECIFIED':
        return require[0]
    parts = ['%s %s' % (word, value) for word, value in zip(('CIPHER', 'ISSUER', 'SUBJECT'), require[1:]) if value]
    return ' AND '.join(parts) or 'SSL'


def _state(account, grants, changed_hash=False):
    if account is None:
        return None
    shown = MASK if account['hash'] else ''
    return dict(plugin=account['plugin'], password_hash=shown + (' (changed)' if changed_hash else ''),
                require=require_text(tuple(account.get('require', NO_REQUIREMENT))), grants=grant_lines(grants))


def plan_account(words, source, desired, target, target_grants, controlled, revoke_extra=True):
    """{account, action (create|update|none), statements [(sql, params)], before, after}.

    ``source``/``target``: accounts of accounts_read (target None when absent); ``desired``: the
    grants the login may give; ``target_grants``: all of the target account's; ``controlled``: the
    part the login may revoke."""
    user, host = source['user'], source['host']
    statements = []
    new_hash = False
    if target is None:
        statements.append((words.identified('create_user', user, host, source['plugin']), [source['hash']]))
    elif (target['plugin'].lower(), target['hash']) != (source['plugin'].lower(), source['hash']):
        new_hash = target['hash'] != source['hash']
        statements.append((words.identified('alter_user', user, host, source['plugin']), [source['hash']]))
    wanted = tuple(source.get('require', NO_REQUIREMENT))
    if wanted != tuple((target or {}).get('require', NO_REQUIREMENT)):
        statements.append(words.require(user, host, wanted))
    after = dict((obj, set(privileges)) for obj, privileges in target_grants.items())
    if revoke_extra:
        for obj in sorted(controlled):
            extra = controlled[obj] - desired.get(obj, set())
            if GRANT_OPTION in extra:
                statements.append((words.revoke(GRANT_OPTION, obj, user, host), []))
            if extra - set([GRANT_OPTION]):
                statements.append((words.revoke(render_privileges(extra - set([GRANT_OPTION])), obj, user, host), []))
            after[obj] = after.get(obj, set()) - extra
    for obj in sorted(desired):
        missing = desired[obj] - after.get(obj, set())
        if missing:
            plain = missing - set([GRANT_OPTION])
            statements.append((words.grant(render_privileges(plain) or 'USAGE', obj, user, host,
                                           grant_option=GRANT_OPTION in missing), []))
            after[obj] = after.get(obj, set()) | missing
    after = dict((obj, privileges) for obj, privileges in after.items() if privileges)
    action = 'create' if target is None else 'update' if statements else 'none'
    return dict(account='%s@%s' % (user, host), action=action, statements=statements,
                before=_state(target, target_grants),
                after=_state(source, after, changed_hash=new_hash))


def shown(statements, secrets):
    """The statements as `queries` (every secret, e.g. the hash, masked)."""
    return [render_query(sql, params, secrets) for sql, params in statements]


# The object of a grant is not on the target (yet): table, column, routine, database.
MISSING_OBJECT_ERRORS = (1049, 1054, 1146, 1305)


def apply_plan(cursor, plan, secrets, queries):
    """Run a plan's statements, appending each to ``queries`` (masked) before it runs. A grant on an
    object the target does not have is not applied: returns those as [(query, error message)]."""
    missing = []
    for sql, params in plan['statements']:
        query = render_query(sql, params, secrets)
        queries.append(query)
        try:
            run(cursor, sql, params, secrets=secrets)
        except SqlError as exc:
            if exc.errno not in MISSING_OBJECT_ERRORS or params:
                raise
            queries.pop()
            missing.append((query, exc.message))
    return missing
