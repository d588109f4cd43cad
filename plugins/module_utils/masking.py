# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Keep secrets out of everything a module returns or raises."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

MASK = '********'


def mask_text(text, secrets):
    """Return ``text`` with every non-empty secret replaced by the mask."""
    if text is None:
        return text
    text = str(text)
    for secret in secrets or ():
        if secret:
            text = text.replace(str(secret), MASK)
    return text


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
