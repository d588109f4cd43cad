"""Replica status and binlog status rows as each engine prints them.

MySQL rows follow the SHOW SLAVE STATUS (5.7) / SHOW REPLICA STATUS (8.0.22+, 8.4) examples
and column lists of the MySQL reference manuals; the MariaDB 10.11 row was captured from a
MariaDB 10.11 replica in the lab; the other MariaDB rows follow the MariaDB knowledge base's
column list (same columns since 10.3.7 up to 11.5); the RDS for MariaDB row follows the
mysql.rds_replica_status example of the Amazon RDS user guide (Source_/Replica_ names but
Seconds_Behind_Master). Binlog status rows follow the SHOW MASTER STATUS / SHOW BINARY LOG
STATUS examples of both manuals.
"""

MYSQL57_SLAVE_STATUS = {
    'Slave_IO_State': 'Waiting for master to send event', 'Master_Host': 'localhost',
    'Master_User': 'repl', 'Master_Port': 13000, 'Connect_Retry': 60,
    'Master_Log_File': 'source-bin.000002', 'Read_Master_Log_Pos': 1307,
    'Relay_Log_File': 'replica-relay-bin.000003', 'Relay_Log_Pos': 1508,
    'Relay_Master_Log_File': 'source-bin.000002', 'Slave_IO_Running': 'Yes',
    'Slave_SQL_Running': 'Yes', 'Replicate_Do_DB': '', 'Replicate_Ignore_DB': '',
    'Replicate_Do_Table': '', 'Replicate_Ignore_Table': '', 'Replicate_Wild_Do_Table': '',
    'Replicate_Wild_Ignore_Table': '', 'Last_Errno': 0, 'Last_Error': '', 'Skip_Counter': 0,
    'Exec_Master_Log_Pos': 1307, 'Relay_Log_Space': 1858, 'Until_Condition': 'None',
    'Until_Log_File': '', 'Until_Log_Pos': 0, 'Master_SSL_Allowed': 'No', 'Master_SSL_CA_File': '',
    'Master_SSL_CA_Path': '', 'Master_SSL_Cert': '', 'Master_SSL_Cipher': '', 'Master_SSL_Key': '',
    'Seconds_Behind_Master': 0, 'Master_SSL_Verify_Server_Cert': 'No', 'Last_IO_Errno': 0,
    'Last_IO_Error': '', 'Last_SQL_Errno': 0, 'Last_SQL_Error': '', 'Replicate_Ignore_Server_Ids': '',
    'Master_Server_Id': 1, 'Master_UUID': '3e11fa47-71ca-11e1-9e33-c80aa9429562',
    'Master_Info_File': '/var/mysqld.2/data/master.info', 'SQL_Delay': 0, 'SQL_Remaining_Delay': None,
    'Slave_SQL_Running_State': 'Reading event from the relay log', 'Master_Retry_Count': 10,
    'Master_Bind': '', 'Last_IO_Error_Timestamp': '', 'Last_SQL_Error_Timestamp': '',
    'Master_SSL_Crl': '', 'Master_SSL_Crlpath': '',
    'Retrieved_Gtid_Set': '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5',
    'Executed_Gtid_Set': '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5', 'Auto_Position': 1,
    'Replicate_Rewrite_DB': '', 'Channel_Name': '', 'Master_TLS_Version': '',
}

MYSQL80_REPLICA_STATUS = {
    'Replica_IO_State': 'Waiting for source to send event', 'Source_Host': '10.0.3.17',
    'Source_User': 'repl', 'Source_Port': 3306, 'Connect_Retry': 30,
    'Source_Log_File': 'mysql-bin-changelog.000215', 'Read_Source_Log_Pos': 4711,
    'Relay_Log_File': 'replica-relay-bin.000003', 'Relay_Log_Pos': 1508,
    'Relay_Source_Log_File': 'mysql-bin-changelog.000214', 'Replica_IO_Running': 'Yes',
    'Replica_SQL_Running': 'Yes', 'Replicate_Do_DB': '', 'Replicate_Ignore_DB': '',
    'Replicate_Do_Table': '', 'Replicate_Ignore_Table': '', 'Replicate_Wild_Do_Table': '',
    'Replicate_Wild_Ignore_Table': 'mysql.rds\\_%,mysql.rds_heartbeat2', 'Last_Errno': 0,
    'Last_Error': '', 'Skip_Counter': 0, 'Exec_Source_Log_Pos': 98765, 'Relay_Log_Space': 1858,
    'Until_Condition': 'None', 'Until_Log_File': '', 'Until_Log_Pos': 0, 'Source_SSL_Allowed': 'Yes',
    'Source_SSL_CA_File': '/etc/mysql/rds-global-bundle.pem', 'Source_SSL_CA_Path': '',
    'Source_SSL_Cert': '', 'Source_SSL_Cipher': '', 'Source_SSL_Key': '',
    'Seconds_Behind_Source': 12, 'Source_SSL_Verify_Server_Cert': 'Yes', 'Last_IO_Errno': 0,
    'Last_IO_Error': '', 'Last_SQL_Errno': 0, 'Last_SQL_Error': '', 'Replicate_Ignore_Server_Ids': '',
    'Source_Server_Id': 1234567, 'Source_UUID': '3e11fa47-71ca-11e1-9e33-c80aa9429562',
    'Source_Info_File': 'mysql.slave_master_info', 'SQL_Delay': 3600, 'SQL_Remaining_Delay': None,
    'Replica_SQL_Running_State': 'Waiting until SOURCE_DELAY seconds after source executed event',
    'Source_Retry_Count': 86400, 'Source_Bind': '', 'Last_IO_Error_Timestamp': '',
    'Last_SQL_Error_Timestamp': '', 'Source_SSL_Crl': '', 'Source_SSL_Crlpath': '',
    'Retrieved_Gtid_Set': '', 'Executed_Gtid_Set': '', 'Auto_Position': 0, 'Replicate_Rewrite_DB': '',
    'Channel_Name': '', 'Source_TLS_Version': '', 'Source_public_key_path': '',
    'Get_Source_public_key': 0, 'Network_Namespace': '',
}

# 8.4 prints the same columns as 8.0.22+; this one is broken by a purged binlog.
MYSQL84_REPLICA_STATUS_BROKEN = dict(
    MYSQL80_REPLICA_STATUS,
    Replica_IO_State='', Replica_IO_Running='No', Seconds_Behind_Source=None, SQL_Delay=0,
    Last_IO_Errno=13114,
    Last_IO_Error="Got fatal error 1236 from source when reading data from binary log: 'Could not find "
                  "first log file name in binary log index file'",
)

MARIADB1011_SLAVE_STATUS = {
    'Slave_IO_State': 'Waiting for master to send event', 'Master_Host': '127.0.0.1',
    'Master_User': 'h2_repl', 'Master_Port': 13401, 'Connect_Retry': 60,
    'Master_Log_File': 'mysql-bin-changelog.000001', 'Read_Master_Log_Pos': 19035,
    'Relay_Log_File': 'relay-bin.000002', 'Relay_Log_Pos': 8610,
    'Relay_Master_Log_File': 'mysql-bin-changelog.000001', 'Slave_IO_Running': 'Yes',
    'Slave_SQL_Running': 'Yes', 'Replicate_Do_DB': '', 'Replicate_Ignore_DB': '',
    'Replicate_Do_Table': '', 'Replicate_Ignore_Table': '', 'Replicate_Wild_Do_Table': '',
    'Replicate_Wild_Ignore_Table': 'mysql.rds\\_%', 'Last_Errno': 0, 'Last_Error': '',
    'Skip_Counter': 0, 'Exec_Master_Log_Pos': 19035, 'Relay_Log_Space': 8913,
    'Until_Condition': 'None', 'Until_Log_File': '', 'Until_Log_Pos': 0, 'Master_SSL_Allowed': 'Yes',
    'Master_SSL_CA_File': '/tmp/lab-h2/tls/ca.pem', 'Master_SSL_CA_Path': '', 'Master_SSL_Cert': '',
    'Master_SSL_Cipher': '', 'Master_SSL_Key': '', 'Seconds_Behind_Master': 0,
    'Master_SSL_Verify_Server_Cert': 'Yes', 'Last_IO_Errno': 0, 'Last_IO_Error': '',
    'Last_SQL_Errno': 0, 'Last_SQL_Error': '', 'Replicate_Ignore_Server_Ids': '',
    'Master_Server_Id': 13401, 'Master_SSL_Crl': '', 'Master_SSL_Crlpath': '', 'Using_Gtid': 'Slave_Pos',
    'Gtid_IO_Pos': '0-13401-53', 'Replicate_Do_Domain_Ids': '', 'Replicate_Ignore_Domain_Ids': '',
    'Parallel_Mode': 'optimistic', 'SQL_Delay': 0, 'SQL_Remaining_Delay': None,
    'Slave_SQL_Running_State': 'Slave has read all relay log; waiting for more updates',
    'Slave_DDL_Groups': 0, 'Slave_Non_Transactional_Groups': 0, 'Slave_Transactional_Groups': 22,
    'Replicate_Rewrite_DB': '',
}

# MySQL 8.0.0-8.0.21: SHOW SLAVE STATUS with the 8.0 column set under the old names.
MYSQL8021_SLAVE_STATUS = dict(
    MYSQL57_SLAVE_STATUS,
    Master_Host='10.0.3.17', Master_Port=3306, Master_Log_File='mysql-bin.000031',
    Read_Master_Log_Pos=2210, Relay_Master_Log_File='mysql-bin.000031', Exec_Master_Log_Pos=2105,
    Seconds_Behind_Master=3, Auto_Position=0, Retrieved_Gtid_Set='', Executed_Gtid_Set='',
    Master_public_key_path='', Get_master_public_key=0, Network_Namespace='',
)

# Aurora MySQL v2 (5.7-compatible) prints the MySQL 5.7 columns.
AURORA2_SLAVE_STATUS = dict(
    MYSQL57_SLAVE_STATUS,
    Master_Host='10.1.2.3', Master_Port=3306, Master_User='repl_user',
    Master_Log_File='mysql-bin-changelog.000012', Read_Master_Log_Pos=154,
    Relay_Master_Log_File='mysql-bin-changelog.000012', Exec_Master_Log_Pos=154,
    Master_Server_Id=2001, Auto_Position=0, Retrieved_Gtid_Set='', Executed_Gtid_Set='',
    Replicate_Ignore_Table='mysql.plugin,mysql.rds_monitor,mysql.rds_sysinfo',
)

# Aurora MySQL v3 (8.0.23+-compatible) prints the 8.0.22+ columns.
AURORA3_REPLICA_STATUS = dict(
    MYSQL80_REPLICA_STATUS,
    Source_Host='10.1.2.3', Source_Log_File='mysql-bin-changelog.000020', Read_Source_Log_Pos=900,
    Relay_Source_Log_File='mysql-bin-changelog.000020', Exec_Source_Log_Pos=900,
    Seconds_Behind_Source=0, SQL_Delay=0, Auto_Position=1,
    Retrieved_Gtid_Set='3e11fa47-71ca-11e1-9e33-c80aa9429562:1-77',
    Executed_Gtid_Set='3e11fa47-71ca-11e1-9e33-c80aa9429562:1-77',
)

# MariaDB 10.5 / 11.4: the 10.11 columns.
MARIADB105_SLAVE_STATUS = dict(
    MARIADB1011_SLAVE_STATUS,
    Master_Host='10.0.0.5', Master_Port=3306, Master_User='repl', Using_Gtid='No', Gtid_IO_Pos='',
    Master_Log_File='mariadb-bin.000016', Read_Master_Log_Pos=475,
    Relay_Master_Log_File='mariadb-bin.000016', Exec_Master_Log_Pos=475, Seconds_Behind_Master=0,
    Master_SSL_Allowed='No', Master_SSL_CA_File='', Master_SSL_Verify_Server_Cert='No',
    Replicate_Wild_Ignore_Table='', Master_Server_Id=1,
)

MARIADB114_SLAVE_STATUS = dict(
    MARIADB1011_SLAVE_STATUS,
    Master_Host='db-source.internal', Master_Port=3306, Using_Gtid='Slave_Pos', Gtid_IO_Pos='0-1-2',
    Master_Log_File='mariadb-bin.000016', Read_Master_Log_Pos=775,
    Relay_Master_Log_File='mariadb-bin.000016', Exec_Master_Log_Pos=475, Seconds_Behind_Master=7,
    Master_Server_Id=1,
)

# CALL mysql.rds_replica_status() on RDS for MariaDB 10.5+ (the master user's way to read it).
MARIADB_RDS_REPLICA_STATUS = {
    'Replica_IO_State': 'Waiting for master to send event', 'Source_Host': '10.20.30.40',
    'Source_User': 'rdsrepladmin', 'Source_Port': 3306, 'Connect_Retry': 60,
    'Source_Log_File': 'mysql-bin-changelog.003988', 'Read_Source_Log_Pos': 405,
    'Relay_Log_File': 'relaylog.011024', 'Relay_Log_Pos': 657,
    'Relay_Source_Log_File': 'mysql-bin-changelog.003988', 'Replica_IO_Running': 'Yes',
    'Replica_SQL_Running': 'Yes', 'Replicate_Do_DB': '', 'Replicate_Ignore_DB': '',
    'Replicate_Do_Table': '',
    'Replicate_Ignore_Table': 'mysql.rds_sysinfo,mysql.rds_history,mysql.rds_replication_status',
    'Replicate_Wild_Do_Table': '', 'Replicate_Wild_Ignore_Table': '', 'Last_Errno': 0, 'Last_Error': '',
    'Skip_Counter': 0, 'Exec_Source_Log_Pos': 405, 'Relay_Log_Space': 1016, 'Until_Condition': 'None',
    'Until_Log_File': '', 'Until_Log_Pos': 0, 'Source_SSL_Allowed': 'No', 'Source_SSL_CA_File': '',
    'Source_SSL_CA_Path': '', 'Source_SSL_Cert': '', 'Source_SSL_Cipher': '', 'Source_SSL_Key': '',
    'Seconds_Behind_Master': 0, 'Source_SSL_Verify_Server_Cert': 'No', 'Last_IO_Errno': 0,
    'Last_IO_Error': '', 'Last_SQL_Errno': 0, 'Last_SQL_Error': '', 'Replicate_Ignore_Server_Ids': '',
    'Source_Server_Id': 807509301, 'Source_SSL_Crl': '', 'Source_SSL_Crlpath': '', 'Using_Gtid': 'Slave_Pos',
    'Gtid_IO_Pos': '0-807509301-3980', 'Replicate_Do_Domain_Ids': '', 'Replicate_Ignore_Domain_Ids': '',
    'Parallel_Mode': 'optimistic', 'SQL_Delay': 0, 'SQL_Remaining_Delay': None,
    'Replica_SQL_Running_State': 'Slave has read all relay log; waiting for more updates',
    'Replica_DDL_Groups': 25, 'Replica_Non_Transactional_Groups': 1, 'Replica_Transactional_Groups': 3,
}

# Binlog status: SHOW MASTER STATUS (MySQL < 8.2, MariaDB) / SHOW BINARY LOG STATUS (MySQL 8.2+).
MYSQL_BINLOG_STATUS = {
    'File': 'source-bin.000002', 'Position': 1307, 'Binlog_Do_DB': 'test',
    'Binlog_Ignore_DB': 'manual, mysql',
    'Executed_Gtid_Set': '3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5',
}

# Two servers' GTIDs: MySQL breaks the set over lines.
MYSQL_BINLOG_STATUS_TWO_UUIDS = dict(
    MYSQL_BINLOG_STATUS,
    Executed_Gtid_Set='3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5,\n8B2E4F11-0C1D-11EF-8D6A-0242AC120002:1-2',
)

MYSQL_BINLOG_STATUS_NO_GTID = dict(MYSQL_BINLOG_STATUS, Executed_Gtid_Set='')

MARIADB_BINLOG_STATUS = {
    'File': 'mariadb-bin.000016', 'Position': 475, 'Binlog_Do_DB': '', 'Binlog_Ignore_DB': '',
}
MARIADB_BINLOG_GTID = {'gtid': '0-1-2'}
