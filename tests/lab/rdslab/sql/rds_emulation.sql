-- Emulation of the mysql.rds_* objects of Amazon RDS for MariaDB 10.11 (see shared rds-reference.md).
-- Installed as root over the socket by `labctl up` on each emulated RDS instance, outside the binlog.
-- Idempotent: tables are created if missing (their rows kept), routines and events replaced.
SET SESSION sql_log_bin = 0;
USE mysql;

CREATE TABLE IF NOT EXISTS mysql.rds_configuration (
  name VARCHAR(100) NOT NULL PRIMARY KEY,
  value VARCHAR(100) NULL,
  description VARCHAR(300) NOT NULL
) ENGINE=InnoDB;
INSERT IGNORE INTO mysql.rds_configuration (name, value, description) VALUES
  ('binlog retention hours', NULL,
   'binlog retention hours specifies the duration in hours before binary logs are automatically deleted.'),
  ('source delay', '0',
   'source delay specifies replication delay in seconds between current instance and its master.'),
  ('target delay', '0',
   'target delay specifies replication delay in seconds between current instance and its future read-replica.');

CREATE TABLE IF NOT EXISTS mysql.rds_history (
  action_timestamp TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  called_by_user VARCHAR(352) NOT NULL,
  action VARCHAR(20) NOT NULL,
  mysql_version VARCHAR(50) NOT NULL,
  master_host VARCHAR(255) NULL,
  master_port INT NULL,
  master_user VARCHAR(128) NULL,
  master_log_file VARCHAR(255) NULL,
  master_log_pos BIGINT NULL,
  master_ssl TINYINT(1) NULL,
  master_delay INT NULL,
  master_gtid TEXT NULL
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS mysql.rds_replication_status (
  action_timestamp TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  called_by_user VARCHAR(352) NOT NULL,
  action VARCHAR(20) NOT NULL,
  mysql_version VARCHAR(50) NOT NULL,
  master_host VARCHAR(255) NULL,
  master_port INT NULL,
  replication_log_file VARCHAR(255) NULL,
  replication_stop_point BIGINT NULL,
  replication_gtid TEXT NULL
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS mysql.rds_heartbeat2 (
  id INT NOT NULL PRIMARY KEY,
  value BIGINT NULL
) ENGINE=InnoDB;

-- Lab-only knobs (not on RDS).
CREATE TABLE IF NOT EXISTS mysql.rds_lab_settings (
  name VARCHAR(64) NOT NULL PRIMARY KEY,
  value VARCHAR(255) NULL
) ENGINE=InnoDB;
INSERT IGNORE INTO mysql.rds_lab_settings (name, value) VALUES ('null retention seconds', '300');

DELIMITER $$

-- ---------------------------------------------------------------- internal helpers (no grant)
CREATE OR REPLACE DEFINER = 'rdsadmin'@'localhost' PROCEDURE mysql.rds_lab_require_autocommit()
  SQL SECURITY DEFINER
BEGIN
  IF @@session.autocommit = 0 THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT =
      'This procedure requires autocommit=1 on the calling session. Run SET autocommit=1 and call it again.';
  END IF;
END$$

CREATE OR REPLACE DEFINER = 'rdsadmin'@'localhost' FUNCTION mysql.rds_lab_replication_running()
  RETURNS TINYINT(1) NOT DETERMINISTIC READS SQL DATA SQL SECURITY DEFINER
BEGIN
  RETURN (SELECT COUNT(*) > 0 FROM information_schema.PROCESSLIST
          WHERE COMMAND IN ('Slave_IO', 'Slave_SQL'));
END$$

-- The server's own master.info: present exactly while a source is configured.
CREATE OR REPLACE DEFINER = 'rdsadmin'@'localhost' FUNCTION mysql.rds_lab_master_info()
  RETURNS TEXT NOT DETERMINISTIC READS SQL DATA SQL SECURITY DEFINER
BEGIN
  RETURN LOAD_FILE(CONCAT(@@global.datadir, 'master.info'));
END$$

CREATE OR REPLACE DEFINER = 'rdsadmin'@'localhost' PROCEDURE mysql.rds_lab_record(
  IN p_action VARCHAR(20), IN p_host VARCHAR(255), IN p_port INT, IN p_user VARCHAR(128),
  IN p_file VARCHAR(255), IN p_pos BIGINT, IN p_ssl TINYINT(1), IN p_gtid TEXT)
  SQL SECURITY DEFINER
BEGIN
  INSERT INTO mysql.rds_history (called_by_user, action, mysql_version, master_host, master_port,
                                 master_user, master_log_file, master_log_pos, master_ssl, master_gtid)
  VALUES (SESSION_USER(), p_action, VERSION(), p_host, p_port, p_user, p_file, p_pos, p_ssl, p_gtid);
  INSERT INTO mysql.rds_replication_status (called_by_user, action, mysql_version, master_host,
                                            master_port, replication_log_file, replication_stop_point,
                                            replication_gtid)
  VALUES (SESSION_USER(), p_action, VERSION(), p_host, p_port, p_file, p_pos, p_gtid);
END$$

CREATE OR REPLACE DEFINER = 'rdsadmin'@'localhost' PROCEDURE mysql.rds_lab_check_can_set_master(
  IN host_name VARCHAR(255), IN host_port INT, IN replication_user_name VARCHAR(255))
  SQL SECURITY DEFINER
BEGIN
  CALL mysql.rds_lab_require_autocommit();
  IF mysql.rds_lab_replication_running() THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT =
      'Cannot set the external master while replication is running. First call mysql.rds_stop_replication.';
  END IF;
  IF host_name IS NULL OR host_name = '' OR host_port IS NULL OR replication_user_name IS NULL THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT =
      'Invalid arguments: host_name, host_port and replication_user_name are required.';
  END IF;
END$$

-- ---------------------------------------------------------------- procedures RDS offers
CREATE OR REPLACE DEFINER = 'rdsadmin'@'localhost' PROCEDURE mysql.rds_set_external_master(
  IN host_name VARCHAR(255), IN host_port INT, IN replication_user_name VARCHAR(255),
  IN replication_user_password VARCHAR(255), IN mysql_binary_log_file_name VARCHAR(255),
  IN mysql_binary_log_file_location BIGINT, IN ssl_encryption TINYINT(1))
  SQL SECURITY DEFINER
BEGIN
  CALL mysql.rds_lab_check_can_set_master(host_name, host_port, replication_user_name);
  IF mysql_binary_log_file_name IS NULL OR mysql_binary_log_file_location IS NULL THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT =
      'Invalid arguments: mysql_binary_log_file_name and mysql_binary_log_file_location are required.';
  END IF;
  -- RDS encrypts when asked but never verifies the source's certificate.
  EXECUTE IMMEDIATE CONCAT(
    'CHANGE MASTER TO MASTER_HOST=', QUOTE(host_name), ', MASTER_PORT=', host_port,
    ', MASTER_USER=', QUOTE(replication_user_name),
    ', MASTER_PASSWORD=', QUOTE(IFNULL(replication_user_password, '')),
    ', MASTER_LOG_FILE=', QUOTE(mysql_binary_log_file_name),
    ', MASTER_LOG_POS=', mysql_binary_log_file_location,
    ', MASTER_SSL=', IF(IFNULL(ssl_encryption, 0) <> 0, 1, 0),
    ', MASTER_SSL_VERIFY_SERVER_CERT=0, MASTER_USE_GTID=no');
  CALL mysql.rds_lab_record('set master', host_name, host_port, replication_user_name,
                            mysql_binary_log_file_name, mysql_binary_log_file_location,
                            IF(IFNULL(ssl_encryption, 0) <> 0, 1, 0), NULL);
END$$

CREATE OR REPLACE DEFINER = 'rdsadmin'@'localhost' PROCEDURE mysql.rds_set_external_master_gtid(
  IN host_name VARCHAR(255), IN host_port INT, IN replication_user_name VARCHAR(255),
  IN replication_user_password VARCHAR(255), IN gtid VARCHAR(4096), IN ssl_encryption TINYINT(1))
  SQL SECURITY DEFINER
BEGIN
  CALL mysql.rds_lab_check_can_set_master(host_name, host_port, replication_user_name);
  IF gtid IS NULL OR gtid = '' THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'Invalid arguments: gtid is required.';
  END IF;
  SET GLOBAL gtid_slave_pos = gtid;
  EXECUTE IMMEDIATE CONCAT(
    'CHANGE MASTER TO MASTER_HOST=', QUOTE(host_name), ', MASTER_PORT=', host_port,
    ', MASTER_USER=', QUOTE(replication_user_name),
    ', MASTER_PASSWORD=', QUOTE(IFNULL(replication_user_password, '')),
    ', MASTER_SSL=', IF(IFNULL(ssl_encryption, 0) <> 0, 1, 0),
    ', MASTER_SSL_VERIFY_SERVER_CERT=0, MASTER_USE_GTID=slave_pos');
  CALL mysql.rds_lab_record('set master', host_name, host_port, replication_user_name, NULL, NULL,
                            IF(IFNULL(ssl_encryption, 0) <> 0, 1, 0), gtid);
END$$

CREATE OR REPLACE DEFINER = 'rdsadmin'@'localhost' PROCEDURE mysql.rds_start_replication()
  SQL SECURITY DEFINER
BEGIN
  CALL mysql.rds_lab_require_autocommit();
  IF mysql.rds_lab_master_info() IS NULL THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT =
      'You can''t start replication because the replica isn''t configured. First call mysql.rds_set_external_master.';
  END IF;
  IF mysql.rds_lab_replication_running() THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT =
      'Replication is already running. First call mysql.rds_stop_replication to stop it.';
  END IF;
  START SLAVE;
  CALL mysql.rds_lab_record('start slave', NULL, NULL, NULL, NULL, NULL, NULL, NULL);
  SELECT 'Replication started. Slave is now running normally.' AS Message;
END$$

CREATE OR REPLACE DEFINER = 'rdsadmin'@'localhost' PROCEDURE mysql.rds_stop_replication()
  SQL SECURITY DEFINER
BEGIN
  CALL mysql.rds_lab_require_autocommit();
  STOP SLAVE;
  CALL mysql.rds_lab_record('stop slave', NULL, NULL, NULL, NULL, NULL, NULL, NULL);
  SELECT 'Slave is now down or disabled' AS Message;
END$$

CREATE OR REPLACE DEFINER = 'rdsadmin'@'localhost' PROCEDURE mysql.rds_reset_external_master()
  SQL SECURITY DEFINER
BEGIN
  CALL mysql.rds_lab_require_autocommit();
  STOP SLAVE;
  RESET SLAVE ALL;
  CALL mysql.rds_lab_record('reset slave', NULL, NULL, NULL, NULL, NULL, NULL, NULL);
  SELECT 'Slave has been reset' AS Message;
END$$

CREATE OR REPLACE DEFINER = 'rdsadmin'@'localhost' PROCEDURE mysql.rds_skip_repl_error()
  SQL SECURITY DEFINER
BEGIN
  CALL mysql.rds_lab_require_autocommit();
  IF mysql.rds_lab_master_info() IS NULL THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT =
      'You can''t skip an error because the replica isn''t configured. First call mysql.rds_set_external_master.';
  END IF;
  STOP SLAVE;
  SET GLOBAL sql_slave_skip_counter = 1;
  START SLAVE;
  CALL mysql.rds_lab_record('skip error', NULL, NULL, NULL, NULL, NULL, NULL, NULL);
  SELECT 'Statement in error has been skipped' AS Message;
END$$

CREATE OR REPLACE DEFINER = 'rdsadmin'@'localhost' PROCEDURE mysql.rds_next_master_log(
  IN curr_master_log INT)
  SQL SECURITY DEFINER
BEGIN
  DECLARE info TEXT DEFAULT mysql.rds_lab_master_info();
  DECLARE cur_file VARCHAR(255);
  DECLARE next_file VARCHAR(255);
  CALL mysql.rds_lab_require_autocommit();
  IF info IS NULL THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT =
      'The replica isn''t configured. First call mysql.rds_set_external_master.';
  END IF;
  -- master.info: line 1 = number of lines, line 2 = the source's binlog file being read
  SET cur_file = SUBSTRING_INDEX(SUBSTRING_INDEX(info, '\n', 2), '\n', -1);
  IF curr_master_log IS NULL
     OR CAST(SUBSTRING_INDEX(cur_file, '.', -1) AS UNSIGNED) <> curr_master_log THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT =
      'curr_master_log does not match the index of Master_Log_File in SHOW SLAVE STATUS.';
  END IF;
  SET next_file = CONCAT(SUBSTRING(cur_file, 1, CHAR_LENGTH(cur_file) - CHAR_LENGTH(SUBSTRING_INDEX(cur_file, '.', -1))),
                         LPAD(curr_master_log + 1, CHAR_LENGTH(SUBSTRING_INDEX(cur_file, '.', -1)), '0'));
  STOP SLAVE;
  EXECUTE IMMEDIATE CONCAT('CHANGE MASTER TO MASTER_LOG_FILE=', QUOTE(next_file),
                           ', MASTER_LOG_POS=4, MASTER_USE_GTID=no');
  START SLAVE;
  CALL mysql.rds_lab_record('next master log', NULL, NULL, NULL, next_file, 4, NULL, NULL);
  SELECT CONCAT('Slave is now reading from ', next_file) AS Message;
END$$

CREATE OR REPLACE DEFINER = 'rdsadmin'@'localhost' PROCEDURE mysql.rds_set_configuration(
  IN name VARCHAR(30), IN value INT)
  SQL SECURITY DEFINER
BEGIN
  DECLARE v_name VARCHAR(30) DEFAULT name;
  DECLARE v_value INT DEFAULT value;
  CALL mysql.rds_lab_require_autocommit();
  IF v_name = 'binlog retention hours' THEN
    IF v_value IS NOT NULL AND (v_value < 1 OR v_value > 168) THEN
      SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT =
        'For binlog retention hours the value must be between 1 and 168 inclusive or be NULL';
    END IF;
  ELSEIF v_name IN ('source delay', 'target delay') THEN
    IF v_value IS NULL OR v_value < 0 OR v_value > 86400 THEN
      SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT =
        'For source delay and target delay the value must be between 0 and 86400 inclusive';
    END IF;
  ELSE
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'Cannot set unknown configuration parameter';
  END IF;
  UPDATE mysql.rds_configuration AS c SET c.value = v_value WHERE c.name = v_name;
END$$

CREATE OR REPLACE DEFINER = 'rdsadmin'@'localhost' PROCEDURE mysql.rds_show_configuration()
  SQL SECURITY DEFINER
BEGIN
  SELECT c.name, c.value, c.description FROM mysql.rds_configuration AS c ORDER BY c.name;
END$$

CREATE OR REPLACE DEFINER = 'rdsadmin'@'localhost' PROCEDURE mysql.rds_replica_status()
  SQL SECURITY DEFINER
BEGIN
  SHOW SLAVE STATUS;
END$$

CREATE OR REPLACE DEFINER = 'rdsadmin'@'localhost' PROCEDURE mysql.rds_lab_kill(
  IN thread BIGINT, IN what VARCHAR(10))
  SQL SECURITY DEFINER
BEGIN
  DECLARE owner VARCHAR(128);
  CALL mysql.rds_lab_require_autocommit();
  SELECT p.USER INTO owner FROM information_schema.PROCESSLIST AS p WHERE p.ID = thread;
  IF owner IS NULL THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'Unknown thread id';
  END IF;
  IF owner IN ('rdsadmin', 'system user', 'event_scheduler') THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'ERROR: Not allowed to kill a thread of rdsadmin or the system';
  END IF;
  EXECUTE IMMEDIATE CONCAT('KILL ', what, ' ', thread);
END$$

CREATE OR REPLACE DEFINER = 'rdsadmin'@'localhost' PROCEDURE mysql.rds_kill(IN thread BIGINT)
  SQL SECURITY DEFINER
BEGIN
  CALL mysql.rds_lab_kill(thread, 'CONNECTION');
END$$

CREATE OR REPLACE DEFINER = 'rdsadmin'@'localhost' PROCEDURE mysql.rds_kill_query(IN thread BIGINT)
  SQL SECURITY DEFINER
BEGIN
  CALL mysql.rds_lab_kill(thread, 'QUERY');
END$$

-- ---------------------------------------------------------------- events
CREATE OR REPLACE DEFINER = 'rdsadmin'@'localhost' EVENT mysql.rds_lab_heartbeat
  ON SCHEDULE EVERY 2 SECOND DO
BEGIN
  IF @@global.read_only = 0 THEN
    INSERT INTO mysql.rds_heartbeat2 (id, value) VALUES (1, ROUND(UNIX_TIMESTAMP(NOW(3)) * 1000))
      ON DUPLICATE KEY UPDATE value = VALUES(value);
  END IF;
END$$

CREATE OR REPLACE DEFINER = 'rdsadmin'@'localhost' EVENT mysql.rds_lab_purge_binlogs
  ON SCHEDULE EVERY 5 SECOND DO
BEGIN
  DECLARE hours VARCHAR(100);
  DECLARE secs BIGINT;
  SELECT c.value INTO hours FROM mysql.rds_configuration AS c WHERE c.name = 'binlog retention hours';
  IF hours IS NULL THEN
    SELECT CAST(s.value AS UNSIGNED) INTO secs FROM mysql.rds_lab_settings AS s
      WHERE s.name = 'null retention seconds';
  ELSE
    SET secs = CAST(hours AS UNSIGNED) * 3600;
  END IF;
  IF secs IS NOT NULL THEN
    EXECUTE IMMEDIATE CONCAT('PURGE BINARY LOGS BEFORE ',
                             QUOTE(NOW() - INTERVAL secs SECOND));
  END IF;
END$$

DELIMITER ;
