# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    """Source coordinates and wait options shared by rds_external_master and mysql_replica_config."""

    DOCUMENTATION = r'''
options:
  source_port:
    description: Port of the source.
    type: int
    default: 3306
  source_log_file:
    description: Binary log file on the source to start from (with O(source_log_pos)).
    type: str
  source_log_pos:
    description: Position in O(source_log_file) to start from (4 or more).
    type: int
  source_coordinates:
    description:
      - The starting point as one coordinates dict, as the collection's modules return it
        (C(coordinates) of M(mysql_rds.replication.rds_load_dump), C(snapshot) of
        M(mysql_rds.replication.table_checksum)...).
      - Used when the source is new or changes (or with O(force=true)), like the other starting
        point options, with which it is mutually exclusive.
    type: dict
    suboptions:
      file:
        description: Binary log file on the source.
        type: str
      position:
        description: Position in O(source_coordinates.file) (4 or more).
        type: int
      gtid:
        description: The GTID position of the same point (empty when unknown).
        type: str
  source_use_gtid:
    description:
      - With O(source_coordinates), start from its GTID instead of its file and position.
      - On MariaDB the replica starts from O(source_coordinates.gtid) (and follows the source by GTID);
        on MySQL and Aurora MySQL it uses GTID auto-positioning.
    type: bool
    default: false
  wait:
    description: After starting, wait until both threads run and lag is at most O(max_lag).
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait with O(wait).
    type: int
    default: 600
  max_lag:
    description: Largest C(seconds_behind_source) accepted by O(wait) (0 or more).
    type: int
    default: 0
'''
