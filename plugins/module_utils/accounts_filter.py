# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which accounts are copied, and which of their privileges the target's login may grant.

Patterns are ``user@host`` where ``%`` matches any run of characters (``_`` is a plain
character: account names often hold one); no ``@`` means any host. User names match with case,
host names without. A privilege is grantable when the login holds it (or ALL PRIVILEGES) and
GRANT OPTION on the object or on one that covers it (``*.*`` covers everything, ```db`.*`` the
objects of ``db``; a database grant of the login may be a LIKE pattern).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.mysql_rds.replication.plugins.module_utils.accounts_dialect import (
    REPLICATION_PRIVILEGES, SYSTEM_USERS)
from ansible_collections.mysql_rds.replication.plugins.module_utils.accounts_read import (
    ALL, GRANT_OPTION, USAGE, privilege_name, split_top)

_NOT_IN_ALL = frozenset([USAGE, GRANT_OPTION, 'PROXY'])
_ROUTINE_KINDS = ('PROCEDURE', 'FUNCTION', 'PACKAGE', 'PACKAGE BODY')


def compile_pattern(text):
    """'app%@10.%' -> (user regex, host regex)."""
    user, host = text.rsplit('@', 1) if '@' in text else (text, '%')

    def regex(part, flags=0):
        return re.compile('^%s$' % '.*'.join(re.escape(piece) for piece in part.split('%')), flags)
    return regex(user), regex(host, re.IGNORECASE)


def matches(patterns, user, host):
    return any(u.match(user) and h.match(host) for u, h in patterns)


def selected(accounts, include, exclude):
    """Names ('user@host') of the accounts an include pattern matches and no exclude pattern does."""
    include = [compile_pattern(p) for p in include]
    exclude = [compile_pattern(p) for p in exclude]
    return sorted(name for name, account in accounts.items()
                  if matches(include, account['user'], account['host'])
                  and not matches(exclude, account['user'], account['host']))


def is_replication_account(grants, roles):
    """Holds REPLICATION SLAVE and nothing but replication privileges (the replication users)."""
    held = set()
    for privileges in grants.values():
        held.update(privilege_name(p) for p in privileges)
    held.discard(GRANT_OPTION)
    return not roles and 'REPLICATION SLAVE' in held and held <= REPLICATION_PRIVILEGES


def why_skipped(account, login_account):
    """Why an account is never copied (before its grants are read), or None."""
    if account['is_role']:
        return 'a role, not an account'
    if not account['user']:
        return 'anonymous account'
    if account['user'] in SYSTEM_USERS:
        return 'system account'
    if '%s@%s' % (account['user'], account['host']) == login_account:
        return "the target's own login"
    return None


def _unquote(part):
    part = part.strip()
    if len(part) >= 2 and part[0] == part[-1] == '`':
        return part[1:-1].replace('``', '`')
    return part


def parse_object(obj):
    """(kind, database, name) of a grant object; None when it is not db.name (a proxy grant)."""
    kind = ''
    for candidate in _ROUTINE_KINDS[::-1]:
        if obj.upper().startswith(candidate + ' '):
            kind, obj = candidate, obj[len(candidate) + 1:]
            break
    parts = split_top(obj, '.')
    if len(parts) != 2:
        return None
    return kind, _unquote(parts[0]), _unquote(parts[1])


def _like(pattern, text):
    out, escaped = [], False
    for char in pattern:
        if escaped:
            out.append(re.escape(char))
            escaped = False
        elif char == '\\':
            escaped = True
        else:
            out.append('.*' if char == '%' else '.' if char == '_' else re.escape(char))
    return re.match('^%s$' % ''.join(out), text) is not None


def covers(outer, inner):
    """Whether a grant on ``outer`` applies to the object ``inner``."""
    if outer == inner:
        return True
    big, small = parse_object(outer), parse_object(inner)
    if big is None or small is None:
        return False
    if big[1] == '*':
        return True
    if big[2] == '*':
        return big[1] == small[1] or _like(big[1], small[1])
    return big == small


def holds(login_grants, obj, privilege):
    for outer, privileges in login_grants.items():
        if covers(outer, obj) and (privilege in privileges or (privilege != GRANT_OPTION and ALL in privileges)):
            return True
    return False


def grantable(login_grants, obj, privilege):
    name = privilege_name(privilege)
    return holds(login_grants, obj, name) and holds(login_grants, obj, GRANT_OPTION)


def _all_means(obj, login, words):
    parsed = parse_object(obj)
    if parsed and parsed[1] == '*':
        return [p for p in login['privileges'] if p not in _NOT_IN_ALL]
    if parsed and parsed[2] == '*':
        return list(words.lookup('all_database'))
    if parsed and parsed[0] in _ROUTINE_KINDS:
        return list(words.lookup('all_routine'))
    return list(words.lookup('all_table'))


def may_grant(login, obj, privilege, words):
    """grantable(), and ALL PRIVILEGES below the global level when the login may grant all it means."""
    if grantable(login['grants'], obj, privilege):
        return True
    parsed = parse_object(obj)
    if privilege != ALL or not parsed or parsed[1] == '*':
        return False
    return all(grantable(login['grants'], obj, p) for p in _all_means(obj, login, words))


def filter_grants(grants, login, words):
    """(kept {object: set}, dropped [(object, privilege)]) for the login (read_login()). ALL
    PRIVILEGES the login may not grant whole becomes the privileges it may grant."""
    kept, dropped = {}, []
    for obj in sorted(grants):
        for privilege in sorted(grants[obj]):
            if may_grant(login, obj, privilege, words):
                kept.setdefault(obj, set()).add(privilege)
                continue
            for each in (_all_means(obj, login, words) if privilege == ALL else [privilege]):
                if grantable(login['grants'], obj, each):
                    kept.setdefault(obj, set()).add(each)
                else:
                    dropped.append((obj, each))
    return kept, dropped


def controllable(grants, login, words):
    """The part of a target account's grants the login may grant and revoke."""
    kept = {}
    for obj, privileges in grants.items():
        mine = set(p for p in privileges if may_grant(login, obj, p, words))
        if mine:
            kept[obj] = mine
    return kept
