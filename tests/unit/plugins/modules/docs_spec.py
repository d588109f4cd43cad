# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The check validate-modules makes, for the module tests: every option of the argument spec is
documented (doc fragments merged as ansible-doc does) with the same type, default, choices,
elements and aliases, sub-options included, and nothing else is documented."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import importlib

import yaml

FRAGMENTS = 'ansible_collections.mysql_rds.replication.plugins.doc_fragments.'


def fragment_text(name):
    """The text of ``namespace.collection.fragment`` (its DOCUMENTATION) or ``...fragment.section`` (SECTION)."""
    parts = name.split('.')
    fragment = importlib.import_module(FRAGMENTS + parts[2]).ModuleDocFragment
    return getattr(fragment, parts[3].upper() if len(parts) > 3 else 'DOCUMENTATION')


def documented_options(module):
    doc = yaml.safe_load(module.DOCUMENTATION)
    options = {}
    for name in doc.get('extends_documentation_fragment') or []:
        options.update(yaml.safe_load(fragment_text(name)).get('options') or {})
    options.update(doc.get('options') or {})
    return options


def mismatches(spec, docs, path=''):
    problems = []
    for name in sorted(set(spec) ^ set(docs)):
        problems.append('%s%s: %s' % (path, name, 'not documented' if name in spec else 'documented, not in the spec'))
    for name in sorted(set(spec) & set(docs)):
        have, doc = spec[name], docs[name]
        for key, default in (('type', 'str'), ('default', None), ('choices', None), ('elements', None)):
            if have.get(key, default) != doc.get(key, default):
                problems.append('%s%s: %s %r in the spec, %r in the docs'
                                % (path, name, key, have.get(key, default), doc.get(key, default)))
        if sorted(have.get('aliases') or []) != sorted(doc.get('aliases') or []):
            problems.append('%s%s: aliases differ' % (path, name))
        if have.get('options') or doc.get('suboptions'):
            problems += mismatches(have.get('options') or {}, doc.get('suboptions') or {}, '%s%s.' % (path, name))
    return problems


def check(module, spec):
    """Fail with every difference between ``spec`` and the module's documentation; parse the other docs."""
    yaml.safe_load(module.EXAMPLES)
    yaml.safe_load(module.RETURN)
    problems = mismatches(spec, documented_options(module))
    assert problems == [], problems
