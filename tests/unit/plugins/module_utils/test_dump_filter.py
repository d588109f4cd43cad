# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import io

import pytest

from ansible_collections.mysql_rds.replication.plugins.module_utils.dump_filter import DumpFilter, filter_stream

MARIADB_DUMP = b"""/*M!999999\\- enable the sandbox mode */
-- CHANGE MASTER TO MASTER_USE_GTID=slave_pos;
-- CHANGE MASTER TO MASTER_LOG_FILE='mysql-bin.000007', MASTER_LOG_POS=1968;
CREATE DATABASE /*!32312 IF NOT EXISTS*/ `app`;
INSERT INTO `t` VALUES (1,'a DEFINER=`x`@`y` b'),(2,'SET GLOBAL read_only=1;');
/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 trigger tr before insert on t for each row set new.v=1
*/;;
/*!50106 CREATE*/ /*!50117 DEFINER=`root`@`localhost`*/ /*!50106 EVENT `e` ON SCHEDULE EVERY 1 HOUR DO select 1
*/ ;;
CREATE DEFINER=`app_owner`@`10.0.%` PROCEDURE `p`()
select 1
;;
/*!50013 DEFINER='root'@'localhost' SQL SECURITY DEFINER */
-- SET GLOBAL gtid_slave_pos='0-13604-42';
"""

MYSQL_DUMP = b"""SET @MYSQLDUMP_TEMP_LOG_BIN = @@SESSION.SQL_LOG_BIN;
SET @@SESSION.SQL_LOG_BIN= 0;
SET @@GLOBAL.GTID_PURGED=/*!80000 '+'*/ '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5,
5f2bd7e0-71ca-11e1-9e33-c80aa9429562:1-17';
-- CHANGE REPLICATION SOURCE TO SOURCE_LOG_FILE='binlog.000002', SOURCE_LOG_POS=157;
CREATE TABLE `t` (`id` int);
/*!40101 SET GLOBAL max_allowed_packet=1073741824 */;
CHANGE MASTER TO MASTER_LOG_FILE='binlog.000002', MASTER_LOG_POS=157;
START SLAVE;
SET @@SESSION.SQL_LOG_BIN = @MYSQLDUMP_TEMP_LOG_BIN;
"""


def run_filter(data, **kwargs):
    dump_filter = DumpFilter(**kwargs)
    out = io.BytesIO()
    filter_stream(io.BytesIO(data), out, dump_filter)
    return dump_filter, out.getvalue()


def test_mariadb_coordinates_are_read():
    dump_filter, _out = run_filter(MARIADB_DUMP)
    assert dump_filter.coordinates == dict(file='mysql-bin.000007', position=1968, gtid='0-13604-42')
    assert dump_filter.snapshot_open


def test_definers_are_stripped_everywhere_but_in_data():
    dump_filter, out = run_filter(MARIADB_DUMP)
    assert dump_filter.definers == 4
    body = out.replace(b"INSERT INTO `t` VALUES (1,'a DEFINER=`x`@`y` b')", b'')
    assert b'DEFINER=`' not in body and b"DEFINER='" not in body
    assert b"(1,'a DEFINER=`x`@`y` b')" in out
    assert b'CREATE  PROCEDURE `p`()' in out
    assert b'SQL SECURITY DEFINER */' in out


def test_definers_rewritten_to_master_user():
    dump_filter, out = run_filter(MARIADB_DUMP, definer='rewrite', definer_user='admin')
    assert out.count(b'DEFINER=`admin`@`%`') == 4
    assert b'root' not in out and b'app_owner' not in out


def test_keep_leaves_definers():
    _dump_filter, out = run_filter(MARIADB_DUMP, definer='keep')
    assert out == MARIADB_DUMP


def test_mysql_super_only_statements_are_dropped():
    dump_filter, out = run_filter(MYSQL_DUMP)
    text = out.decode()
    assert 'GTID_PURGED' not in text
    assert '5f2bd7e0' not in text, 'the continuation line of GTID_PURGED must go too'
    assert 'SQL_LOG_BIN=' not in text.replace(' ', '')
    assert 'SET GLOBAL' not in text
    assert 'START SLAVE' not in text
    assert "MASTER_LOG_POS=157;\n" not in text.replace('-- CHANGE REPLICATION', '')
    assert 'SET @MYSQLDUMP_TEMP_LOG_BIN = @@SESSION.SQL_LOG_BIN;' in text, 'reading sql_log_bin is harmless'
    assert 'CREATE TABLE `t`' in text
    assert len(dump_filter.dropped) == 6
    assert dump_filter.coordinates == dict(file='binlog.000002', position=157, gtid='')


def test_data_lines_are_never_touched():
    line = b"INSERT INTO `x` VALUES ('SET GLOBAL a=1;','CHANGE MASTER TO x');\n"
    _dump_filter, out = run_filter(line)
    assert out == line


def test_row_per_line_inserts_are_data():
    dump = (b"INSERT INTO `items` VALUES\n"
            b"(1,'one'),\n"
            b"(2,'SET GLOBAL x=1;'),\n"
            b"(3,'DEFINER=`x`@`y`');\n"
            b"CREATE DEFINER=`root`@`localhost` PROCEDURE `p`()\n")
    dump_filter, out = run_filter(dump)
    assert b"(3,'DEFINER=`x`@`y`');\n" in out
    assert b"(2,'SET GLOBAL x=1;'),\n" in out
    assert b'CREATE  PROCEDURE' in out
    assert dump_filter.definers == 1 and not dump_filter.dropped


def test_rewrite_needs_a_user():
    with pytest.raises(ValueError):
        DumpFilter(definer='rewrite')
    with pytest.raises(ValueError):
        DumpFilter(definer='bogus')


def test_the_snapshot_is_open_at_the_position_or_at_the_body():
    header = b"-- MariaDB dump 10.19\n--\n-- Host: localhost    Database: shop\n/*!40101 SET NAMES utf8mb4 */;\n"
    dump_filter = DumpFilter()
    for line in io.BytesIO(header):
        dump_filter.line(line)
    assert not dump_filter.snapshot_open
    dump_filter.line(b'-- Current Database: `shop`\n')
    assert dump_filter.snapshot_open
    assert dump_filter.coordinates == dict(file=None, position=None, gtid='')  # a dump asked for none


def test_a_comment_line_inside_rows_is_data():
    dump = b"INSERT INTO `t` VALUES\n(1,'a'),\n-- Current Database: `x`\n(2,'b');\n"
    dump_filter, out = run_filter(dump)
    assert out == dump and not dump_filter.snapshot_open


def test_the_filter_knows_the_head_of_the_statement_at_each_written_line():
    dump_filter = DumpFilter()
    lines = [b'-- comment\n', b'SET @@GLOBAL.GTID_PURGED=1;\n', b'CREATE TABLE `t` (\n', b'  `id` int\n', b');\n',
             b'INSERT INTO `t` VALUES\n', b'(1),\n', b'(2);\n', b'INSERT INTO `t` VALUES (3);\n']
    for data in lines:
        dump_filter.line(data)
    assert dump_filter.lines == 8  # the dropped line is not written
    assert [dump_filter.statement_at(number) for number in (1, 2, 4, 5, 7, 8)] == [
        '', 'CREATE TABLE `t` (', 'CREATE TABLE `t` (', 'INSERT INTO `t` VALUES', 'INSERT INTO `t` VALUES',
        'INSERT INTO `t` VALUES (3);']


def test_events_are_created_disabled_on_a_replica_with_the_clause_given():
    lines = [b'USE `shop`;\n', b'DELIMITER ;;\n',
             b"/*!50106 CREATE*/ /*!50117 DEFINER=`root`@`localhost`*/ /*!50106 EVENT `tick` ON SCHEDULE EVERY 1 SECOND "
             b"STARTS '2026-01-01 00:00:00' ON COMPLETION NOT PRESERVE ENABLE DO insert into t values (1)\n", b'*/ ;;\n',
             b"/*!50106 CREATE*/ /*!50106 EVENT `off` ON SCHEDULE EVERY 1 HOUR STARTS '2026-01-01 00:00:00' "
             b"ON COMPLETION PRESERVE DISABLE DO set @b=1\n", b'*/ ;;\n']
    kept = DumpFilter(event_clause=None)
    assert b''.join(kept.line(line) for line in lines).count(b'PRESERVE ENABLE DO') == 1
    dump_filter = DumpFilter(event_clause='DISABLE ON SLAVE')
    out = b''.join(dump_filter.line(line) for line in lines)
    assert b'NOT PRESERVE DISABLE ON SLAVE DO insert' in out and b'PRESERVE DISABLE DO set' in out
    assert dump_filter.events_disabled == ['shop.tick'] and dump_filter.definers == 1


SCHEMA = [b'USE `shop`;\n', b'/*!40101 SET character_set_client = utf8mb4 */;\n', b'CREATE TABLE `t` (\n',
          b'  `id` int(11) NOT NULL,\n', b'  `k` int(11) NOT NULL,\n', b'  PRIMARY KEY (`id`),\n', b'  KEY `k` (`k`)\n',
          b') ENGINE=InnoDB DEFAULT CHARSET=latin1;\n', b'CREATE TABLE `m` (\n', b'  `k` int(11) NOT NULL,\n',
          b'  KEY `k` (`k`)\n', b') ENGINE=MyISAM DEFAULT CHARSET=latin1;\n']


def test_with_defer_keys_an_innodb_table_is_created_without_its_plain_keys_and_they_are_listed():
    dump_filter = DumpFilter(defer_keys=True)
    out = [dump_filter.line(line) for line in SCHEMA]
    assert out[3:7] == [b''] * 4  # held until the statement ends
    assert out[7] == b'CREATE TABLE `t` (\n  `id` int(11) NOT NULL,\n  `k` int(11) NOT NULL,\n  PRIMARY KEY (`id`)\n' \
                     b') ENGINE=InnoDB DEFAULT CHARSET=latin1;\n'
    assert b''.join(out[8:]) == b''.join(SCHEMA[8:])  # MyISAM: as it was
    assert dump_filter.deferred == [('shop', 't', [b'KEY `k` (`k`)'])]
    assert dump_filter.lines == len(SCHEMA) - 1 and dump_filter.statement_at(5) == 'CREATE TABLE `t` ('
    assert dump_filter.fresh().defer_keys


def test_without_defer_keys_tables_keep_their_keys():
    dump_filter = DumpFilter()
    assert b''.join(dump_filter.line(line) for line in SCHEMA) == b''.join(SCHEMA) and dump_filter.deferred == []
