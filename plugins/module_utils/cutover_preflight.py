# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Before the cutover changes anything: who both servers are, every statement the cutover will say
to each (resolved through the dialect layer), and whether it is safe to start."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.mysql_rds.replication.plugins.module_utils.connection import run
from ansible_collections.mysql_rds.replication.plugins.module_utils.cutover_freeze import read_only
from ansible_collections.mysql_rds.replication.plugins.module_utils.dialect import DialectError, detect
from ansible_collections.mysql_rds.replication.plugins.module_utils.replication_status import (
    broken, error_summary, healthy, lag, read_binlog_position, read_status)


class CutoverError(Exception):
    """Not safe to go on, or a step failed; the message says what state the servers are in."""


class Plan(object):
    """Both servers' dialects and the engine-specific statements of the cutover, resolved at once so
    that a server the dialect layer cannot serve fails the preflight, not the freeze.

    ``source_position``/``rds_position``: the binlog statements read_binlog_position() runs;
    ``rds_status``: how the RDS master user reads the replica's status; ``rds_stop``/``rds_reset``:
    the RDS replication procedures that promote it (``rds_start`` resumes it after an abort);
    ``rds_event_status``: the status of an event disabled on a replica (enabled at promotion).
    """

    def __init__(self, source_dialect, rds_dialect):
        self.source_dialect = source_dialect
        self.rds_dialect = rds_dialect
        try:
            self.source_position = (source_dialect.binlog_status_statement(),
                                    source_dialect.binlog_gtid_statement())
            self.rds_status = rds_dialect.rds_status_statement()
            self.rds_stop = rds_dialect.rds_call('stop')
            self.rds_reset = rds_dialect.rds_call('reset_external')
            self.rds_position = (rds_dialect.binlog_status_statement(), rds_dialect.binlog_gtid_statement())
            self.rds_start = rds_dialect.rds_call('start')
            self.rds_event_status = rds_dialect.replica_disabled_event_status()
        except DialectError as exc:
            raise CutoverError('%s (source: %s, RDS: %s); nothing was changed.'
                               % (exc, source_dialect.name, rds_dialect.name))

    @classmethod
    def detect(cls, source_cursor, rds_cursor):
        try:
            return cls(detect(source_cursor), detect(rds_cursor))
        except DialectError as exc:
            raise CutoverError('%s; nothing was changed.' % exc)

    def describe(self):
        return dict(source=self.source_dialect.describe(), rds=self.rds_dialect.describe())


def server_id(cursor):
    return int(run(cursor, 'SELECT @@server_id AS id')[0]['id'])


def preflight(src, rds, plan, max_lag):
    """Return (RDS's normalized status, already_promoted). Raise CutoverError when it is not safe to
    start; every statement here only reads."""
    status = read_status(rds, plan.rds_dialect, as_rds_master_user=True)
    source_id = server_id(src)
    if not status.get('configured'):
        if read_only(src):
            return status, True
        raise CutoverError('RDS has no external source and the source is writable: nothing to cut over '
                           '(run playbooks/onprem_to_rds.yml first).')
    if status.get('source_server_id') not in (None, source_id):
        raise CutoverError('RDS replicates from server_id %s, not from this source (server_id %s): check '
                           'the source_login options.' % (status.get('source_server_id'), source_id))
    if broken(status) or not healthy(status):
        raise CutoverError('replication is not healthy (io_running=%s sql_running=%s); %s. Fix it first; '
                           'nothing was changed.' % (status.get('io_running'), status.get('sql_running'),
                                                     error_summary(status) or 'no error reported'))
    seconds = lag(status)
    if seconds is None or seconds > max_lag:
        raise CutoverError('RDS is %s seconds behind the source, more than max_lag=%s: wait or raise max_lag; '
                           'nothing was changed.' % (seconds, max_lag))
    # Both positions are read once here, so a missing privilege shows before the freeze.
    if read_binlog_position(src, plan.source_dialect) is None:
        raise CutoverError('binary logging is off on the source, so RDS cannot replicate from it; nothing '
                           'was changed.')
    read_binlog_position(rds, plan.rds_dialect)
    return status, False
