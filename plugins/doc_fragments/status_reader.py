# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    """The ``rds`` option of the modules that read a replica's status (module_utils/status_reader.py)."""

    DOCUMENTATION = r'''
options:
  rds:
    description:
      - How to read the replica's status. V(auto), V(true) or V(false).
      - V(false) reads it with the engine's status statement.
      - V(true) reads it the way the RDS master user may (the RDS replication procedures on RDS for
        MariaDB 10.5 and later, the status statement elsewhere).
      - V(auto) tries the status statement and, when the server refuses it for a missing privilege
        (errors 1227, 1142, 1044), reads it the RDS way. RV(status_source) says which way was used.
    type: raw
    default: auto
'''
