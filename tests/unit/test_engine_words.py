# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Engine words live only in the dialect layer.

Statements, status columns, GTID variables and RDS procedure names that differ between
engines/versions may appear only in plugins/module_utils/dialect.py, replication_status.py
and dump_dialect.py. Everything else in plugins/ and roles/ (tasks, templates, defaults,
vars, files, module code and module DOCUMENTATION; README.md files are exempt) asks the
dialect layer or says "the replica's status", "the binlog position", "the change-source
statement", "the RDS replication procedures". A few hits are tolerated (error messages
quoting what the server said); more fail with file:line: word for each.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCANNED = ('plugins', 'roles')
DIALECT_LAYER = frozenset([
    'plugins/module_utils/dialect.py',
    'plugins/module_utils/replication_status.py',
    'plugins/module_utils/dump_dialect.py',
    'plugins/module_utils/accounts_dialect.py',
])
EXEMPT_NAMES = frozenset(['README.md'])
SKIPPED_DIRS = frozenset(['__pycache__'])
MAX_HITS = 3

# Statements: any case, any spacing between the words, whole words.
STATEMENTS = (
    'SHOW SLAVE STATUS', 'SHOW REPLICA STATUS', 'SHOW MASTER STATUS', 'SHOW BINARY LOG STATUS',
    'START SLAVE', 'STOP SLAVE', 'START REPLICA', 'STOP REPLICA', 'CHANGE MASTER',
    'CHANGE REPLICATION SOURCE', 'RESET SLAVE', 'RESET REPLICA', 'DISABLE ON SLAVE', 'DISABLE ON REPLICA',
)
# Status columns: exactly as the server spells them, whole words (Relay_Master_Log_File is
# one hit, not also a Master_Log_File hit).
COLUMNS = (
    'Seconds_Behind_Master', 'Seconds_Behind_Source', 'Master_Host', 'Slave_IO_Running',
    'Slave_SQL_Running', 'Exec_Master_Log_Pos', 'Relay_Master_Log_File', 'Master_Log_File',
)
# GTID variables and event states: SQL identifiers/values, any case, whole words.
VARIABLES = ('gtid_slave_pos', 'gtid_binlog_pos', 'gtid_binlog_state', 'gtid_current_pos', 'gtid_executed',
             'BINLOG_GTID_POS',
             'SLAVESIDE_DISABLED', 'REPLICA_SIDE_DISABLED')
# RDS procedures: any case, as substrings (rds_set_external_master_gtid is a hit).
PROCEDURES = (
    'rds_set_external_master', 'rds_set_external_source', 'rds_reset_external', 'rds_start_replication',
    'rds_stop_replication', 'rds_replica_status',
)


def _phrase(words):
    return r'\s+'.join(re.escape(word) for word in words.split())


PATTERNS = (
    [(word, re.compile(r'\b%s\b' % _phrase(word), re.IGNORECASE)) for word in STATEMENTS]
    + [(word, re.compile(r'\b%s\b' % re.escape(word))) for word in COLUMNS]
    + [(word, re.compile(r'\b%s\b' % re.escape(word), re.IGNORECASE)) for word in VARIABLES]
    + [(word, re.compile(re.escape(word), re.IGNORECASE)) for word in PROCEDURES]
)


def scanned_files(repo=REPO):
    """Relative paths of the text files the rule applies to."""
    for top in SCANNED:
        for directory, subdirs, files in os.walk(os.path.join(repo, top)):
            subdirs[:] = sorted(name for name in subdirs if name not in SKIPPED_DIRS)
            for name in sorted(files):
                path = os.path.relpath(os.path.join(directory, name), repo).replace(os.sep, '/')
                if name in EXEMPT_NAMES or path in DIALECT_LAYER:
                    continue
                yield path


def _lines(path):
    with open(path, 'rb') as handle:
        data = handle.read()
    if b'\0' in data:
        return []  # binary
    return data.decode('utf-8', 'replace').splitlines()


def find_hits(repo=REPO):
    """[(path, line number, word)] of every engine word outside the dialect layer."""
    hits = []
    for path in scanned_files(repo):
        for number, line in enumerate(_lines(os.path.join(repo, path)), 1):
            for word, pattern in PATTERNS:
                for _match in pattern.finditer(line):
                    hits.append((path, number, word))
    return hits


def report(hits):
    return '\n'.join('%s:%s: %s' % hit for hit in hits)


def test_engine_words_stay_in_the_dialect_layer():
    hits = find_hits()
    assert len(hits) <= MAX_HITS, (
        '%d engine words outside the dialect layer (at most %d allowed); ask dialect.py / '
        'replication_status.py / dump_dialect.py instead:\n%s' % (len(hits), MAX_HITS, report(hits)))


def test_the_guard_finds_what_it_should(tmp_path):
    """The patterns themselves: whole words, statement case/spacing, column case, procedure substrings."""
    module = tmp_path / 'plugins' / 'modules' / 'x.py'
    module.parent.mkdir(parents=True)
    module.write_text(u'\n'.join([
        u"run(cursor, 'show  slave status')",                   # 1: statement, any case/spacing
        u"row['Seconds_Behind_Master']",                         # 2: column
        u"seconds_behind_master = 1",                            # 3: a column in another case: not a column
        u"row['Relay_Master_Log_File']",                         # 4: one hit, not two
        u"SELECT @@GLOBAL.GTID_EXECUTED",                        # 5: variable, any case
        u"CALL mysql.rds_set_external_master_gtid(%s)",          # 6: procedure substring
        u"restart slaves; my_gtid_executed_total",               # 7: no whole word
        u"CHANGE REPLICATION SOURCE TO SOURCE_HOST = %s",       # 8
        u"ALTER EVENT e disable  on slave; WHERE STATUS = 'REPLICA_SIDE_DISABLED'",  # 9: clause, status
        u"status == 'SLAVESIDE_DISABLED'",                       # 10
    ]))
    readme = tmp_path / 'roles' / 'r' / 'README.md'
    readme.parent.mkdir(parents=True)
    readme.write_text(u'SHOW SLAVE STATUS\n')
    layer = tmp_path / 'plugins' / 'module_utils' / 'dialect.py'
    layer.parent.mkdir(parents=True)
    layer.write_text(u'SHOW SLAVE STATUS\n')
    cache = tmp_path / 'plugins' / 'modules' / '__pycache__' / 'x.pyc'
    cache.parent.mkdir(parents=True)
    cache.write_bytes(b'SHOW SLAVE STATUS')
    assert find_hits(str(tmp_path)) == [
        ('plugins/modules/x.py', 1, 'SHOW SLAVE STATUS'),
        ('plugins/modules/x.py', 2, 'Seconds_Behind_Master'),
        ('plugins/modules/x.py', 4, 'Relay_Master_Log_File'),
        ('plugins/modules/x.py', 5, 'gtid_executed'),
        ('plugins/modules/x.py', 6, 'rds_set_external_master'),
        ('plugins/modules/x.py', 8, 'CHANGE REPLICATION SOURCE'),
        ('plugins/modules/x.py', 9, 'DISABLE ON SLAVE'),
        ('plugins/modules/x.py', 9, 'REPLICA_SIDE_DISABLED'),
        ('plugins/modules/x.py', 10, 'SLAVESIDE_DISABLED'),
    ]
    assert report(find_hits(str(tmp_path)))[:42] == 'plugins/modules/x.py:1: SHOW SLAVE STATUS\n'
