"""Replica status rows as each engine prints them.

MySQL rows follow the SHOW SLAVE STATUS (5.7) / SHOW REPLICA STATUS (8.0.22+, 8.4) examples
and column lists of the MySQL reference manuals; the MariaDB row was captured from a
MariaDB 10.11 replica in the lab.
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
