# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Keep secrets out of everything a module returns or raises."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

MASK = '********'


def mask_text(text, secrets):
    """Return ``text`` with every non-empty secret replaced by the mask (longest first, so a secret
    that contains another is masked whole)."""
    if text is None:
        return text
    text = str(text)
    for secret in sorted((str(value) for value in secrets or () if value), key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def mask_value(value, secrets):
    """``value`` with every secret masked in every string it holds (dicts, keys too, lists, tuples);
    other values unchanged."""
    if isinstance(value, dict):
        return dict((mask_value(key, secrets), mask_value(item, secrets)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return type(value)(mask_value(item, secrets) for item in value)
    if isinstance(value, str):
        return mask_text(value, secrets)
    return value


def module_secrets(module, *extra):
    """Every secret a module knows: the values of its no_log options (nested ones too, as Ansible
    collected them) and ``extra``."""
    values = set(str(value) for value in getattr(module, 'no_log_values', None) or () if value)
    values.update(str(value) for value in extra if value)
    return sorted(values, key=lambda value: (-len(value), value))


def guard_output(module, *extra):
    """From here on, every exit_json/fail_json of ``module`` masks its secrets (module_secrets) in the
    whole result: messages, queries, and texts a server echoed back (status errors, exceptions).
    Returns the secrets, for messages built before the exit."""
    secrets = module_secrets(module, *extra)
    exit_json, fail_json = module.exit_json, module.fail_json

    def masked_exit(**result):
        exit_json(**mask_value(result, secrets))

    def masked_fail(msg=None, **result):
        result['msg'] = msg
        fail_json(**mask_value(result, secrets))
    module.exit_json, module.fail_json = masked_exit, masked_fail
    return secrets


def unexpected(exc):
    """The message for an exception no step expected (its class and text; masked by guard_output)."""
    return 'unexpected error (%s): %s' % (exc.__class__.__name__, exc)


def sql_literal(value):
    """Render a parameter as a SQL literal, for display only (never executed)."""
    if value is None:
        return 'NULL'
    if isinstance(value, bool):
        return '1' if value else '0'
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value).replace('\\', '\\\\').replace("'", "\\'")
    return "'%s'" % text


def render_query(sql, params=None, secrets=()):
    """Readable form of ``sql`` with ``params`` inlined and secrets masked.

    ``secrets`` are values (not positions): any parameter equal to one of them
    is shown as the mask, and the rendered text is scrubbed once more.
    """
    if not params:
        return mask_text(sql, secrets)
    shown = []
    for value in params:
        if value is not None and value != '' and value in (secrets or ()):
            shown.append("'%s'" % MASK)
        else:
            shown.append(sql_literal(value))
    return mask_text(sql % tuple(shown), secrets)
