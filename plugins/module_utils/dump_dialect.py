# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The words of dump files and dump clients (mariadb-dump, mysqldump), in one place.

- the options that make a dump report its snapshot's binlog coordinates, and the header comment
  lines that carry them (``-- CHANGE MASTER TO MASTER_LOG_FILE=...`` of mariadb-dump and
  mysqldump < 8.0.23, ``-- CHANGE REPLICATION SOURCE TO SOURCE_LOG_FILE=...`` of mysqldump 8,
  ``-- SET GLOBAL gtid_slave_pos=...`` of ``mariadb-dump --gtid``);
- the comment lines a dump writes only once its snapshot is open (the body after the header);
- the statements an RDS master user (no SUPER) may not run, which a filter drops, and the
  ``DEFINER=`` clauses of views, routines, triggers and events;
- the first words of a row data statement (never filtered);
- the client options that size packets, and a CREATE EVENT line's status (to create an event
  disabled on a replica, with the target dialect's clause);
- loading without binlogging the rows: the loader's session setting and the privileges it needs;
- the plain secondary keys of a CREATE TABLE statement, which a parallel copy adds after the rows.

A new dump client or a new spelling = a change here (and a row in test_dump_dialect.py).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

# Ask the dump for the binlog coordinates of its snapshot, as a comment (=2), MariaDB GTID included.
COORDINATE_OPTIONS = ['--master-data=2', '--gtid']

# Both clients take rows up to the largest packet a server accepts (1 GiB; their defaults are 16
# and 24 MiB); a dump's multi-row INSERT stays below net_buffer_length, so below the target's limit.
CLIENT_PACKET_MAX = 1073741824
NET_BUFFER_MAX = 1046528  # mariadb-dump's default


def packet_options(target_packet):
    """(dump client options, load client options) for a target whose max_allowed_packet is ``target_packet``."""
    net_buffer = max(16384, min(NET_BUFFER_MAX, int(target_packet) // 2))
    packet = '--max-allowed-packet=%d' % CLIENT_PACKET_MAX
    return [packet, '--net-buffer-length=%d' % net_buffer], [packet]


# Loading without binlogging the rows (as myloader does on a self-managed target): every loader session
# runs SET SESSION sql_log_bin=0, which needs SUPER, or BINLOG ADMIN (MariaDB 10.5.2+), or
# SYSTEM_VARIABLES_ADMIN / SESSION_VARIABLES_ADMIN (MySQL 8.0.14+). An RDS master user holds none of
# them. A privilege a server does not know never shows in its grants, so one list serves every engine.
SKIP_BINLOG_PRIVILEGES = ('SUPER', 'BINLOG ADMIN', 'SYSTEM_VARIABLES_ADMIN', 'SESSION_VARIABLES_ADMIN')
SKIP_BINLOG_OPTIONS = ['--init-command=SET SESSION sql_log_bin=0']
# Global privileges granted to the login itself (one granted only through a role is not seen).
SKIP_BINLOG_ALLOWED_SQL = (
    "SELECT GROUP_CONCAT(PRIVILEGE_TYPE) AS held FROM information_schema.USER_PRIVILEGES WHERE PRIVILEGE_TYPE IN (%s)"
    " AND GRANTEE = CONCAT(\"'\", SUBSTRING_INDEX(CURRENT_USER(), '@', 1), \"'@'\", SUBSTRING_INDEX(CURRENT_USER(), '@', -1),"
    " \"'\")" % ', '.join("'%s'" % name for name in SKIP_BINLOG_PRIVILEGES))
SKIP_BINLOG_NEEDS = ('SUPER, or BINLOG ADMIN on MariaDB 10.5+, or SYSTEM_VARIABLES_ADMIN or SESSION_VARIABLES_ADMIN '
                     'on MySQL 8.0 (an RDS master user never has them)')


# A table's plain secondary keys can be added after its rows (the parallel copy's key step): every
# row then goes into the clustered index only, and each key is built sorted, once, instead of row by
# row in random order (several tables loaded side by side need all their keys in the buffer pool at
# once, else a page read and write per row). Only an InnoDB table with no constraint (a foreign key
# needs its key while it loads) and not system-versioned; a key that starts with the AUTO_INCREMENT
# column stays (the column needs it). UNIQUE, FULLTEXT, SPATIAL keys and the primary key stay.
_CREATE_TABLE_RE = re.compile(br'^CREATE TABLE `((?:[^`]|``)*)` \(\s*$')
_PLAIN_KEY_RE = re.compile(br'^\s+(KEY `(?:[^`]|``)*` \(`((?:[^`]|``)*)`.*?),?\s*$')
_AUTO_COLUMN_RE = re.compile(br'^\s+`((?:[^`]|``)*)` .*\bAUTO_INCREMENT\b')
_KEEPS_KEYS_RE = re.compile(br'^\s+(?:CONSTRAINT|FOREIGN\s+KEY)\b|\bWITH SYSTEM VERSIONING\b', re.IGNORECASE)
_INNODB_END_RE = re.compile(br'^\).*\bENGINE=InnoDB\b')


def created_table(line):
    """The table a dump's ``CREATE TABLE `t` (`` line creates, or None."""
    match = _CREATE_TABLE_RE.match(line)
    return _identifier(b'`' + match.group(1) + b'`') if match else None


def without_plain_keys(lines):
    """(lines, keys) of a CREATE TABLE statement (its lines, bytes): without the plain secondary keys
    that may be added after the rows, and those keys' clauses (bytes, e.g. b'KEY `k` (`c`)')."""
    close = next((index for index, line in enumerate(lines) if line.startswith(b')')), None)
    if close is None or not _INNODB_END_RE.match(lines[close]) or any(_KEEPS_KEYS_RE.search(line) for line in lines):
        return lines, []
    auto = set(match.group(1) for match in (_AUTO_COLUMN_RE.match(line) for line in lines[1:close]) if match)
    body, keys = [], []
    for line in lines[1:close]:
        match = _PLAIN_KEY_RE.match(line)
        if match and match.group(2) not in auto:
            keys.append(match.group(1))
        else:
            body.append(line)
    if not keys:
        return lines, []
    last = body[-1]
    ending = last[len(last.rstrip()):]
    body[-1] = last.rstrip().rstrip(b',') + ending
    return [lines[0]] + body + lines[close:], keys


_QUOTED = br"(?:`(?:[^`]|``)*`|'(?:[^'\\]|\\.|'')*'|\"[^\"]*\"|[A-Za-z0-9_.$%-]+)"
DEFINER_RE = re.compile(br'DEFINER\s*=\s*(?:CURRENT_USER(?:\s*\(\s*\))?|' + _QUOTED + br'\s*@\s*' + _QUOTED + br')',
                        re.IGNORECASE)

# Statements the RDS master user may not run. Matched at the start of a line, optionally inside
# a versioned comment (/*!40000 ... */); a match drops the whole statement (to its ';').
REFUSED_RE = re.compile(
    br'^\s*(?:/\*!?M?!?\d*\s*)?(?:'
    br'SET\s+(?:@@GLOBAL\.|GLOBAL\s+)'                      # SET GLOBAL x / SET @@GLOBAL.GTID_PURGED
    br'|SET\s+(?:@@SESSION\.|@@|SESSION\s+)?SQL_LOG_BIN\s*='  # SET @@SESSION.SQL_LOG_BIN= 0
    br'|CHANGE\s+(?:MASTER|REPLICATION\s+SOURCE)\s+TO\b'
    br'|(?:START|STOP)\s+(?:ALL\s+)?(?:SLAVE|REPLICA)S?\b'
    br'|RESET\s+(?:MASTER|SLAVE|REPLICA|BINARY\s+LOGS)\b'
    br'|PURGE\s+(?:BINARY|MASTER)\s+LOGS\b'
    br')',
    re.IGNORECASE)

_FILE_POS_RE = re.compile(
    br"^--\s*CHANGE\s+(?:MASTER|REPLICATION\s+SOURCE)\s+TO\s+(?:MASTER|SOURCE)_LOG_FILE\s*=\s*'([^']+)'\s*,"
    br"\s*(?:MASTER|SOURCE)_LOG_POS\s*=\s*(\d+)", re.IGNORECASE)
_GTID_RE = re.compile(br"^--\s*SET\s+GLOBAL\s+gtid_slave_pos\s*=\s*'([^']*)'", re.IGNORECASE)

# Written after the dump started its transaction (the header before it is written at connect).
_BODY_RE = re.compile(br'^--\s*(?:Current Database:|Dumping data for table|Table structure for table'
                      br'|Temporary (?:table|view) structure for view|Dumping (?:routines|events))', re.IGNORECASE)

DATA_PREFIX = b'INSERT INTO '


def header_coordinates(line):
    """What a dump comment line says of the snapshot's coordinates: {'file', 'position'},
    {'gtid'} or {} (``line``: bytes, with or without its newline)."""
    match = _FILE_POS_RE.match(line)
    if match:
        return dict(file=match.group(1).decode('utf-8'), position=int(match.group(2)))
    match = _GTID_RE.match(line)
    if match:
        return dict(gtid=match.group(1).decode('utf-8'))
    return {}


def opens_body(line):
    """True for a comment line a dump writes only inside its snapshot (the header is over)."""
    return bool(_BODY_RE.match(line))


def refused(line):
    """True when ``line`` starts a statement the RDS master user may not run."""
    return bool(REFUSED_RE.match(line))


def definer_literal(user):
    """'admin' or 'admin@%' -> b'`admin`@`%`' (host defaults to '%', as the RDS master user's)."""
    name, _sep, host = user.partition('@')
    host = host or '%'
    return ('`%s`@`%s`' % (name.replace('`', '``'), host.replace('`', '``'))).encode('utf-8')


# The CREATE EVENT line of a dump (mariadb-dump and mysqldump write SHOW CREATE EVENT's text, in
# versioned comments): its name and its status, always right after ON COMPLETION [NOT] PRESERVE.
_EVENT_RE = re.compile(
    br'^(\s*(?:/\*!\d+\s*)?CREATE\b.*?\bEVENT\s+)(`(?:[^`]|``)*`)(\s+ON\s+SCHEDULE\b.*?'
    br'\bON\s+COMPLETION\s+(?:NOT\s+)?PRESERVE\s+)(ENABLE|DISABLE(?:\s+ON\s+(?:SLAVE|REPLICA))?)\b', re.IGNORECASE)
_USE_RE = re.compile(br'^USE\s+`((?:[^`]|``)*)`\s*;')


def _identifier(quoted):
    return quoted[1:-1].replace(b'``', b'`').decode('utf-8', 'replace')


def used_schema(line):
    """The schema a dump's ``USE `db`;`` line switches to, or None."""
    match = _USE_RE.match(line)
    return match.group(1).replace(b'``', b'`').decode('utf-8', 'replace') if match else None


def disable_event_on_replica(line, clause):
    """(line, event name) with an enabled event's status replaced by ``clause`` (the target's words
    for 'disabled on a replica', from the dialect), or (line, None) when ``line`` creates no enabled event."""
    match = _EVENT_RE.match(line)
    if not match or match.group(4).upper() != b'ENABLE':
        return line, None
    return (line[:match.start(4)] + clause.encode('utf-8') + line[match.end(4):], _identifier(match.group(2)))
