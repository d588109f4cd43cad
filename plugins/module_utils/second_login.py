# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A second server's login as one dict option whose sub-options are exactly the main login's
(connection.connection_argument_spec()), with the flat options it replaces kept one release as
deprecated options.

Usage::

    argument_spec.update(source_login=login_option(), **deprecated_options(FLAT))
    options = resolve(module, 'source_login', FLAT)   # common connection options of that server
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.mysql_rds.replication.plugins.module_utils.connection import (
    as_connection_options, connection_argument_spec)

DEPRECATED_IN = dict(version='0.3.0', collection_name='mysql_rds.replication')


def login_option():
    """The argument spec of the dict option (no_log of the password comes with the sub-options)."""
    return dict(type='dict', options=connection_argument_spec())


def deprecated_options(flat, aliases=None):
    """Argument specs of the flat options ``flat`` ({common option: flat option}), no defaults (so
    that a use can be told), types and no_log as the common option's; ``aliases``: {flat: [...]}."""
    common_spec = connection_argument_spec()
    specs = {}
    for common, own in flat.items():
        spec = dict(type=common_spec[common]['type'])
        if common_spec[common].get('no_log'):
            spec['no_log'] = True
        if (aliases or {}).get(own):
            spec['aliases'] = list(aliases[own])
        specs[own] = spec
    return specs


def resolve(module, name, flat):
    """Common connection options of the second server: the dict option ``name`` when set (it wins),
    else the flat options, which share config_file, connect_timeout and check_hostname with the
    main login as they always did. Every flat option used is reported as deprecated."""
    params = module.params
    for common in sorted(flat):
        if params.get(flat[common]) is not None:
            module.deprecate('%s is deprecated: use %s.%s instead%s.'
                             % (flat[common], name, common, ' (ignored: %s is set)' % name if params.get(name) else ''),
                             **DEPRECATED_IN)
    if params.get(name) is not None:
        return dict(params[name])
    return as_connection_options(params, flat)
