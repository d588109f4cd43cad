# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading accounts (plugin, password hash) and their grants, as data.

Grants are ``{object: set of privileges}``: the object as the server prints it
(``*.*``, ```db`.*``, ```db`.`t```, ``PROCEDURE `db`.`p```), privileges in upper case with one
entry per column for column privileges (``SELECT (`c`)``) and ``GRANT OPTION`` as a privilege.
Role grants are kept apart (``roles``).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import re

from ansible_collections.mysql_rds.replication.plugins.module_utils.connection import run

GRANT_OPTION = 'GRANT OPTION'
ALL = 'ALL PRIVILEGES'
USAGE = 'USAGE'
_OBJECT_TYPES = ('PACKAGE BODY', 'PACKAGE', 'PROCEDURE', 'FUNCTION', 'TABLE')
_GRANT = re.compile(r'^GRANT\s+(?P<privileges>.+?)\s+ON\s+(?P<object>.+?)\s+TO\s+(?P<grantee>\S+)(?P<rest>.*)$',
                    re.IGNORECASE | re.DOTALL)
_ROLE = re.compile(r'^GRANT\s+(?P<roles>.+?)\s+TO\s+(?P<grantee>\S+)(?P<rest>.*)$', re.IGNORECASE | re.DOTALL)


def _text(value):
    if isinstance(value, bytes):
        return value.decode('utf-8', 'replace')
    return '' if value is None else str(value)


def mask_quoted(text):
    """``text`` with every character inside quotes, backticks or parentheses replaced by '_' (same
    length), so keywords and separators can be searched at the top level only."""
    out, quote, depth = [], None, 0
    for char in text:
        if quote:
            out.append(char if char == quote else '_')
            if char == quote:
                quote = None  # a doubled quote closes and reopens: same result
        elif char in '`\'"':
            quote = char
            out.append(char)
        elif char == '(':
            depth += 1
            out.append(char)
        elif char == ')':
            depth = max(0, depth - 1)
            out.append(char)
        else:
            out.append('_' if depth else char)
    return ''.join(out)


def split_top(text, separator=','):
    """Split at separators outside quotes/backticks/parentheses, stripped, empties dropped."""
    masked = mask_quoted(text)
    parts, start = [], 0
    for index, char in enumerate(masked):
        if char == separator:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return [part.strip() for part in parts if part.strip()]


def normalize_privilege(text):
    """'select (`a`,`b`)' -> ['SELECT (`a`)', 'SELECT (`b`)']; 'all' -> ['ALL PRIVILEGES']."""
    text = text.strip()
    paren = mask_quoted(text).find('(')
    name = ' '.join((text[:paren] if paren >= 0 else text).split()).upper()
    if name == 'ALL':
        name = ALL
    if paren < 0:
        return [name]
    inner = text[paren + 1:text.rindex(')')]
    return ['%s (%s)' % (name, column) for column in split_top(inner)]


def privilege_name(privilege):
    """The privilege of a column privilege ('SELECT (`a`)' -> 'SELECT')."""
    return privilege.split(' (', 1)[0]


def normalize_object(text):
    text = ' '.join(text.split())
    for kind in _OBJECT_TYPES:
        if text.upper().startswith(kind + ' '):
            rest = text[len(kind) + 1:].strip()
            return rest if kind == 'TABLE' else '%s %s' % (kind, rest)
    return text


def parse_grants(lines):
    """(grants, roles) of SHOW GRANTS lines (other lines, e.g. SET DEFAULT ROLE, are ignored)."""
    grants, roles = {}, []
    for line in lines:
        line = _text(line).strip()
        masked = mask_quoted(line)
        match = _GRANT.match(masked)
        if match:
            privileges = set()
            for part in split_top(line[match.start('privileges'):match.end('privileges')]):
                privileges.update(normalize_privilege(part))
            if 'WITH GRANT OPTION' in ' '.join(match.group('rest').upper().split()):
                privileges.add(GRANT_OPTION)
            privileges.discard(USAGE)
            obj = normalize_object(line[match.start('object'):match.end('object')])
            if privileges:
                grants.setdefault(obj, set()).update(privileges)
            continue
        match = _ROLE.match(masked)
        if match:
            roles.extend(split_top(line[match.start('roles'):match.end('roles')]))
    return grants, roles


def _first_column(row):
    return _text(list(row.values())[0]) if row else ''


def read_grants(cursor, words, user, host):
    """(grants, roles) of one account."""
    rows = run(cursor, words.lookup('grants_for'), [user, host])
    return parse_grants(_first_column(row) for row in rows)


def read_own_grants(cursor, words):
    return parse_grants(_first_column(row) for row in run(cursor, words.lookup('own_grants')))


def require_of(ssl_type, cipher='', issuer='', subject=''):
    """The TLS requirement as (NONE|SSL|X509|SPECIFIED, cipher, issuer, subject); ``ssl_type`` as
    mysql.user says it ('', ANY, X509, SPECIFIED) or as MariaDB's JSON does (0..3)."""
    kinds = {'': 'NONE', '0': 'NONE', 'ANY': 'SSL', '1': 'SSL', 'X509': 'X509', '2': 'X509',
             'SPECIFIED': 'SPECIFIED', '3': 'SPECIFIED'}
    kind = kinds.get(_text(ssl_type).upper(), 'NONE')
    if kind != 'SPECIFIED':
        return (kind, '', '', '')
    return (kind, _text(cipher), _text(issuer), _text(subject))


def account_row(row):
    """{user, host, plugin, hash, methods, is_role, require} of a row of list_accounts."""
    user, host = _text(row.get('user')), _text(row.get('host'))
    if 'priv' in row:
        try:
            priv = json.loads(_text(row['priv']) or '{}')
        except ValueError:
            priv = {}
        return dict(user=user, host=host, plugin=priv.get('plugin') or 'mysql_native_password',
                    hash=_text(priv.get('authentication_string')), methods=len(priv.get('auth_or') or []) or 1,
                    is_role=bool(priv.get('is_role')),
                    require=require_of(priv.get('ssl_type', 0), priv.get('ssl_cipher'), priv.get('x509_issuer'),
                                       priv.get('x509_subject')))
    return dict(user=user, host=host, plugin=_text(row.get('plugin')) or 'mysql_native_password',
                hash=_text(row.get('hash')), methods=1, is_role=bool(int(row.get('is_role') or 0)),
                require=require_of(row.get('ssl_type'), row.get('ssl_cipher'), row.get('x509_issuer'),
                                   row.get('x509_subject')))


def read_accounts(cursor, words):
    """{'user@host': account} of every account (roles included, flagged)."""
    accounts = {}
    for row in run(cursor, words.lookup('list_accounts')):
        account = account_row(row)
        accounts['%s@%s' % (account['user'], account['host'])] = account
    return accounts


def read_login(cursor, words):
    """What the target's login is and may do: its account, grants, the active authentication plugins
    and every privilege the server knows."""
    account = _first_column(run(cursor, words.lookup('current_account'))[0])
    grants, roles = read_own_grants(cursor, words)
    plugins = set(_first_column(row).lower() for row in run(cursor, words.lookup('auth_plugins')))
    known = [' '.join(_text(row.get('Privilege')).split()).upper() for row in run(cursor, words.lookup('privileges'))]
    return dict(account=account, grants=grants, roles=roles, plugins=plugins, privileges=known)
