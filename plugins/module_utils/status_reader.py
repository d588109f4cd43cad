# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read the replica's status by the ``rds`` rule of the info modules.

``rds=false``: the engine's status statement. ``rds=true``: the way the RDS master user reads it
(``Dialect.rds_status_statement()``: an RDS procedure where the master user lacks the privilege,
the statement elsewhere). ``rds=auto`` (the default): the statement first; when the server refuses
it for a missing privilege, the RDS way, and every later read of the same reader goes there at once.

Usage::

    reader = StatusReader(cursor, dialect, rds=module.params['rds'])
    status = reader.read()          # normalized status (replication_status.read_status)
    reader.source                   # 'statement' or 'rds_procedure'
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.mysql_rds.replication.plugins.module_utils.errors import SqlError
from ansible_collections.mysql_rds.replication.plugins.module_utils.replication_status import read_status

AUTO = 'auto'
STATEMENT = 'statement'
RDS_PROCEDURE = 'rds_procedure'

# Privilege refusals: 1227 (needs SUPER/REPLICATION CLIENT/SLAVE MONITOR...), 1142 (command denied),
# 1044/1045 (access denied).
REFUSED = frozenset([1044, 1045, 1142, 1227])


def rds_mode(value):
    """The ``rds`` option as 'auto', True or False (booleans may come as strings: 'yes', 'false'...)."""
    if value is None:
        return AUTO
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text == AUTO:
        return AUTO
    try:
        return boolean(text, strict=True)
    except TypeError:
        raise ValueError('rds must be auto, true or false, not %r.' % (value,))


def refused(exc):
    """True when ``exc`` (SqlError) is the server refusing a statement for lack of privilege."""
    return getattr(exc, 'errno', None) in REFUSED


class StatusReader(object):
    """Reads the normalized status of one replica; remembers which way worked (``source``)."""

    def __init__(self, cursor, dialect, connection_name='', rds=AUTO):
        self.cursor = cursor
        self.dialect = dialect
        self.connection_name = connection_name or ''
        self.mode = rds_mode(rds)
        self.source = None
        if self.mode is True and self.connection_name:
            raise ValueError('connection_name cannot be combined with rds=true: RDS has one unnamed '
                             'replication connection; leave connection_name empty.')

    def _rds_is_the_statement(self):
        """On engines where the master user may read the status directly, the RDS way is the statement."""
        return self.dialect.rds_status_statement() == self.dialect.status_statement()

    def _read(self, source):
        return read_status(self.cursor, self.dialect, connection_name=self.connection_name,
                           as_rds_master_user=source == RDS_PROCEDURE)

    def _may_fall_back(self, exc):
        return (self.mode == AUTO and refused(exc) and not self.connection_name
                and not self._rds_is_the_statement())

    def _first_read(self):
        if self.mode is True:
            source = STATEMENT if self._rds_is_the_statement() else RDS_PROCEDURE
            status = self._read(source)
            self.source = source
            return status
        try:
            status = self._read(STATEMENT)
        except SqlError as exc:
            if not self._may_fall_back(exc):
                raise
            try:
                status = self._read(RDS_PROCEDURE)
            except SqlError as second:
                raise SqlError('%s; reading it the RDS way (rds=auto) failed too: %s'
                               % (exc.message, second.message), errno=exc.errno,
                               server_message=exc.server_message)
            self.source = RDS_PROCEDURE
            return status
        self.source = STATEMENT
        return status

    def read(self):
        """The normalized status (see replication_status.normalize_status)."""
        if self.source is None:
            return self._first_read()
        return self._read(self.source)

    __call__ = read


def rds_option():
    """The argument spec of the ``rds`` option (doc fragment mysql_rds.replication.status_reader)."""
    return dict(type='raw', default=AUTO)
