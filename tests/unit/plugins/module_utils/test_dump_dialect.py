# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The words of dump files: coordinate comments of each client, body lines, refused statements."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.mysql_rds.replication.plugins.module_utils import dump_dialect as dd


@pytest.mark.parametrize('line, found', [
    # mariadb-dump --master-data=2
    (b"-- CHANGE MASTER TO MASTER_LOG_FILE='mysql-bin.000007', MASTER_LOG_POS=1968;\n",
     dict(file='mysql-bin.000007', position=1968)),
    # mysqldump 8.0.23+ --source-data=2
    (b"-- CHANGE REPLICATION SOURCE TO SOURCE_LOG_FILE='binlog.000002', SOURCE_LOG_POS=157;\n",
     dict(file='binlog.000002', position=157)),
    # mariadb-dump --gtid (deferred to the end of the dump)
    (b"-- SET GLOBAL gtid_slave_pos='0-13604-42';\n", dict(gtid='0-13604-42')),
    (b"-- SET GLOBAL gtid_slave_pos='';\n", dict(gtid='')),
    (b"-- CHANGE MASTER TO MASTER_USE_GTID=slave_pos;\n", {}),
    (b"CHANGE MASTER TO MASTER_LOG_FILE='mysql-bin.000007', MASTER_LOG_POS=1968;\n", {}),  # not a comment
    (b"-- Server version\t10.11.19-MariaDB-log\n", {}),
])
def test_header_coordinates(line, found):
    assert dd.header_coordinates(line) == found


@pytest.mark.parametrize('line, body', [
    (b'-- Current Database: `ddtest`\n', True),
    (b'-- Dumping data for table `t`\n', True),
    (b'-- Table structure for table `t`\n', True),
    (b'-- Temporary table structure for view `v`\n', True),
    (b'-- Dumping routines for database \'shop\'\n', True),
    (b'-- Dumping events for database \'shop\'\n', True),
    (b'-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)\n', False),
    (b'-- Host: localhost    Database: ddtest\n', False),
    (b'-- Server version\t10.11.19-MariaDB-0+deb12u1-log\n', False),
    (b'--\n', False),
])
def test_opens_body(line, body):
    assert dd.opens_body(line) is body


@pytest.mark.parametrize('line', [
    b'SET @@GLOBAL.GTID_PURGED=/*!80000 \'+\'*/ \'3e11fa47:1-5\';\n',
    b'SET @@SESSION.SQL_LOG_BIN= 0;\n',
    b'/*!40101 SET GLOBAL max_allowed_packet=1073741824 */;\n',
    b"CHANGE MASTER TO MASTER_LOG_FILE='binlog.000002', MASTER_LOG_POS=157;\n",
    b"CHANGE REPLICATION SOURCE TO SOURCE_LOG_FILE='binlog.000002';\n",
    b'START SLAVE;\n', b'STOP ALL SLAVES;\n', b'START REPLICA;\n',
    b'RESET MASTER;\n', b'RESET SLAVE ALL;\n', b'RESET BINARY LOGS AND GTIDS;\n', b'PURGE BINARY LOGS TO \'x\';\n',
])
def test_refused(line):
    assert dd.refused(line)


@pytest.mark.parametrize('line', [
    b'SET @MYSQLDUMP_TEMP_LOG_BIN = @@SESSION.SQL_LOG_BIN;\n',
    b'/*!40101 SET NAMES utf8mb4 */;\n',
    b'CREATE TABLE `t` (`id` int);\n',
])
def test_not_refused(line):
    assert not dd.refused(line)


def test_coordinate_options_and_definer_literal():
    assert dd.COORDINATE_OPTIONS == ['--master-data=2', '--gtid']
    assert dd.definer_literal('admin') == b'`admin`@`%`'
    assert dd.definer_literal('a`b@10.0.%') == b'`a``b`@`10.0.%`'
    assert dd.DEFINER_RE.search(b'/*!50017 DEFINER=`root`@`localhost`*/').group(0) == b'DEFINER=`root`@`localhost`'


EVENT = (b"/*!50106 CREATE*/ /*!50117 DEFINER=`root`@`localhost`*/ /*!50106 EVENT `t``ick` ON SCHEDULE EVERY 1 SECOND "
         b"STARTS '2026-11-29 12:27:43' ON COMPLETION NOT PRESERVE %s COMMENT 'ENABLE; DO x' DO set @a=1 \n")


@pytest.mark.parametrize('status, clause, changed', [
    (b'ENABLE', 'DISABLE ON SLAVE', True),
    (b'ENABLE', 'DISABLE ON REPLICA', True),
    (b'DISABLE', 'DISABLE ON SLAVE', False),
    (b'DISABLE ON SLAVE', 'DISABLE ON SLAVE', False),
])
def test_an_enabled_event_is_created_disabled_on_a_replica(status, clause, changed):
    line, name = dd.disable_event_on_replica(EVENT % status, clause)
    if changed:
        assert name == 't`ick' and line == EVENT % clause.encode()
    else:
        assert name is None and line == EVENT % status


def test_other_lines_are_not_events():
    for line in (b"INSERT INTO `t` VALUES ('CREATE EVENT `x` ON SCHEDULE AT 1 ON COMPLETION PRESERVE ENABLE DO 1');\n",
                 b"/*!50003 CREATE*/ /*!50017 DEFINER=`a`@`%`*/ /*!50003 TRIGGER `event` BEFORE INSERT ON t */;;\n"):
        assert dd.disable_event_on_replica(line, 'DISABLE ON SLAVE') == (line, None)
    assert dd.used_schema(b'USE `sh``op`;\n') == 'sh`op' and dd.used_schema(b'-- USE `x`;\n') is None


def test_packet_options_size_the_clients():
    dump, load = dd.packet_options(16 * 1024 * 1024)
    assert dump == ['--max-allowed-packet=1073741824', '--net-buffer-length=1046528']
    assert load == ['--max-allowed-packet=1073741824']
    assert dd.packet_options(65536)[0][1] == '--net-buffer-length=32768'


def test_loading_without_binlog_names_the_privilege_of_every_engine_and_reads_only_the_logins_own_grants():
    words = dd
    # SUPER (every engine and version), BINLOG ADMIN (MariaDB 10.5.2+), MySQL 8.0's dynamic privileges
    assert set(words.SKIP_BINLOG_PRIVILEGES) == {'SUPER', 'BINLOG ADMIN', 'SYSTEM_VARIABLES_ADMIN', 'SESSION_VARIABLES_ADMIN'}
    assert words.SKIP_BINLOG_OPTIONS == ['--init-command=SET SESSION sql_log_bin=0']
    sql = words.SKIP_BINLOG_ALLOWED_SQL
    assert sql.startswith('SELECT ') and 'information_schema.USER_PRIVILEGES' in sql and 'CURRENT_USER()' in sql
    assert all("'%s'" % name in sql for name in words.SKIP_BINLOG_PRIVILEGES)
    assert 'sql_log_bin' not in sql  # read from the grants, never tried


SBTEST = b"""CREATE TABLE `sb``test` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `k` int(11) NOT NULL DEFAULT 0,
  `c` char(120) NOT NULL DEFAULT '',
  PRIMARY KEY (`id`),
  UNIQUE KEY `u` (`c`),
  KEY `k_1` (`k`),
  KEY `k_2` (`c`(10),`k`) USING BTREE COMMENT 'a, b;'
) ENGINE=InnoDB AUTO_INCREMENT=1677722 DEFAULT CHARSET=latin1 COLLATE=latin1_swedish_ci;
""".splitlines(True)


def test_plain_secondary_keys_are_left_out_of_an_innodb_table_the_last_comma_dropped():
    assert dd.created_table(SBTEST[0]) == 'sb`test' and dd.created_table(b'CREATE TABLE IF NOT EXISTS x (\n') is None
    lines, keys = dd.without_plain_keys(SBTEST)
    assert keys == [b'KEY `k_1` (`k`)', b"KEY `k_2` (`c`(10),`k`) USING BTREE COMMENT 'a, b;'"]
    assert lines == SBTEST[:4] + [b'  PRIMARY KEY (`id`),\n', b'  UNIQUE KEY `u` (`c`)\n'] + SBTEST[-1:]


@pytest.mark.parametrize('change', [
    (b') ENGINE=InnoDB', b') ENGINE=MyISAM'),                                            # not InnoDB
    (b'  UNIQUE KEY `u` (`c`),', b'  CONSTRAINT `f` FOREIGN KEY (`k`) REFERENCES `p` (`id`),'),  # a foreign key needs its key
    (b'  UNIQUE KEY `u` (`c`),', b'  CONSTRAINT `ck` CHECK (`k` > 0),'),
    (b'COLLATE=latin1_swedish_ci;', b'COLLATE=latin1_swedish_ci WITH SYSTEM VERSIONING;'),
])
def test_tables_that_need_their_keys_while_loading_keep_them(change):
    lines = [line.replace(*change) for line in SBTEST]
    assert lines != SBTEST and dd.without_plain_keys(lines) == (lines, [])


def test_a_key_on_the_auto_increment_column_stays():
    lines = [line.replace(b'PRIMARY KEY (`id`)', b'KEY `by_id` (`id`,`k`)') for line in SBTEST]
    kept, keys = dd.without_plain_keys(lines)
    assert b'  KEY `by_id` (`id`,`k`),\n' in kept and keys == [b'KEY `k_1` (`k`)', SBTEST[7].strip()]
