"""Bad inputs a DBA could give (issue 11), one table: the modules with wrong logins, files, numbers,
coordinates and lists, and the three roles through their playbooks with wrong or mistyped variables.

Each case asserts that the run fails (or refuses) with a message naming the problem and the fix (a
key phrase per case), that no lab password is in the output, and that nothing changed on any lab
server: a snapshot of every instance (accounts and grants, schemas and CHECKSUM TABLE of their
tables, key global variables, the replication channels, the mysql.rds_* tables of the RDS
emulation but its heartbeat, the files of the config drop-in directories) and of the lab's
security group is taken before and after each case and compared.

Every case starts from the same known state (`known_state`): a schema `badin` (3 rows) on
onprem_source, an account `badin_norepl` without privileges on onprem_source and rds_source, no
replication source on rds_target and onprem_replica (reset if a case or another test left one),
ROW binlogs and writable sources. A few cases change the lab on purpose first (their `setup`), and
put it back in their `teardown`; the snapshots are taken in between.

A case with `changes` names the instances it is known to change before it fails (a replication
account without privileges is only found once the replica connected): those are counted apart
(see KNOWN_TO_CHANGE) and the test asserts exactly that change.
"""
import hashlib
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from playbook_runner import collections_path, lab_secrets, run_playbook

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / 'modules'))
from module_runner import login, run_module  # noqa: E402  pylint: disable=wrong-import-position

NOREPL, NOREPL_PASSWORD = 'badin_norepl', 'Badin-norepl-' + hashlib.sha1(b'badin').hexdigest()[:12]
SYSTEM = ('mysql', 'information_schema', 'performance_schema', 'sys')
VARIABLES = ('read_only', 'server_id', 'log_bin', 'binlog_format', 'innodb_flush_log_at_trx_commit',
             'sync_binlog', 'gtid_strict_mode', 'event_scheduler', 'max_allowed_packet',
             'log_bin_trust_function_creators', 'gtid_domain_id', 'log_slave_updates')
CHANNEL = ('Connection_name', 'Master_Host', 'Master_Port', 'Master_User', 'Slave_IO_Running', 'Slave_SQL_Running',
           'Using_Gtid', 'Master_SSL_Allowed', 'Master_SSL_CA_File', 'Master_SSL_Verify_Server_Cert',
           'Replicate_Wild_Ignore_Table', 'SQL_Delay', 'Connect_Retry')
REPLICAS = ('rds_target', 'onprem_replica')   # no source in the known state
ROLLBACK_USER = 'rds_rollback'                 # cutover_to_rds_rollback_user's default


class Case(object):
    def __init__(self, ident, run, phrase, setup=None, teardown=None, changes=()):
        self.ident, self.run, self.phrase = ident, run, phrase
        self.setup, self.teardown, self.changes = setup, teardown, set(changes)


def module(name, args, check=False):
    """A module case: ``args(lab)`` -> the module's arguments."""
    def runner(lab, _ctx):
        result = run_module(name, args(lab), check=check)
        return result.failed, (result.result.get('msg') or '') + '\n' + result.output
    return runner


def play(playbook, *extra):
    """A role case: the playbook on the lab inventory with ``-e`` overrides (``extra`` may use {tmp})."""
    def runner(lab, ctx):
        args = []
        for item in extra:
            args += ['-e', item.format(tmp=ctx['tmp'], **ctx['ports'])]
        result = run_playbook(lab, ctx['collections'], playbook, *args)
        return result.rc != 0, result.output
    return runner


def rds(lab, name='rds_source', **extra):
    args = dict(login(lab, name), config_file='')
    args.update(extra)
    return args


def onprem(lab, name='onprem_source', **extra):
    return rds(lab, name, **extra)


wrong = rds


def channel(lab, port_of='onprem_source', **extra):
    """The source_* options of a replica module: the account without privileges."""
    return dict(source_host='127.0.0.1', source_port=lab.instances[port_of]['port'], source_user=NOREPL,
                source_password=NOREPL_PASSWORD, **extra)


def replaced(mapping, **changes):
    result = dict(mapping)
    result.update(changes)
    return result


def load(lab, target='rds_target', **extra):
    return dict(login(lab, target), config_file='', source_login=dict(login(lab, 'onprem_source'), config_file=''),
                **extra)


def aws(lab, **extra):
    return dict(endpoint_url=lab.aws['endpoint_url'], region=lab.aws['region'], access_key=lab.aws['access_key'],
                secret_key=lab.aws['secret_key'], **extra)


def root_sql(lab, name, *statements):
    conn = lab.connect(name, root=True)
    try:
        for statement in statements:
            lab.query(conn, statement)
    finally:
        conn.close()


def set_binlog_format(fmt, name='onprem_source'):
    return lambda lab: root_sql(lab, name, "SET GLOBAL binlog_format = '%s'" % fmt)


LAB_RETENTION_DAYS = 7  # what the lab provisions (tests/lab/rdslab/aws.py): other tests read it


def backups(days):
    def act(lab):
        _aws(lab, 'rds').modify_db_instance(DBInstanceIdentifier=lab.instances['rds_source']['aws_instance_id'],
                                            BackupRetentionPeriod=days, ApplyImmediately=True)
    return act


def occupy_target(lab):
    root_sql(lab, 'rds_target', 'SET SESSION sql_log_bin = 0', 'CREATE DATABASE IF NOT EXISTS badin',
             'CREATE TABLE IF NOT EXISTS badin.t (id INT PRIMARY KEY)', 'INSERT IGNORE INTO badin.t VALUES (7)')


def drop_target_schema(lab):
    root_sql(lab, 'rds_target', 'SET SESSION sql_log_bin = 0', 'DROP DATABASE IF EXISTS badin')


def reset(name):
    return lambda lab: lab.labctl('reset', name)


D1, D2, CUT = 'rds_to_onprem.yml', 'onprem_to_rds.yml', 'cutover_to_rds.yml'
CASES = [
    # logins and TLS files (every module shares them)
    Case('wrong-password', module('replication_server_info', lambda lab: wrong(lab, 'rds_source',
                                                                               login_password='Wrong-pass-1234')),
         'check login_user/login_password'),
    Case('unreachable-port', module('replication_server_info', lambda lab: wrong(lab, 'rds_source', login_port=1)),
         'check login_host/login_port'),
    Case('missing-ca-file', module('replication_server_info', lambda lab: wrong(lab, 'rds_source',
                                                                                ca_cert='/nonexistent/ca.pem')),
         'file not found: ca_cert=/nonexistent/ca.pem'),
    Case('wrong-ca', module('replication_server_info', lambda lab: wrong(lab, 'onprem_source',
                                                                         ca_cert=str(WRONG_CA))),
         'check ca_cert (must sign the server certificate)'),
    Case('negative-connect-timeout', module('replica_status_info', lambda lab: wrong(lab, 'onprem_replica',
                                                                                     connect_timeout=-5)),
         'connect_timeout must be a positive number of seconds'),
    Case('non-integer-connect-timeout', module('replication_server_info', lambda lab: wrong(lab, 'rds_source',
                                                                                            connect_timeout='five')),
         "argument 'connect_timeout' is of type str"),
    Case('missing-config-file', module('replication_server_info', lambda lab: wrong(
        lab, 'rds_source', config_file='/nonexistent/my.cnf')), '/nonexistent/my.cnf'),
    # rds_binlog_retention
    Case('retention-negative', module('rds_binlog_retention', lambda lab: rds(lab, hours=-1)),
         'must be between 1 and 168'),
    Case('retention-over-limit', module('rds_binlog_retention', lambda lab: rds(lab, hours=1000)),
         'must be between 1 and 168'),
    Case('retention-not-rds', module('rds_binlog_retention', lambda lab: onprem(lab, hours=24)),
         'connect to an RDS/Aurora instance as its master user'),
    # rds_load_dump
    Case('load-unknown-schema', module('rds_load_dump', lambda lab: load(lab, databases=['no_such_schema'])),
         'schemas not found on the source: no_such_schema; fix databases'),
    Case('load-parallel-zero', module('rds_load_dump', lambda lab: load(lab, databases=['badin'], parallel=0)),
         'parallel must be 1 or more'),
    Case('load-blank-schema-entry', module('rds_load_dump', lambda lab: load(lab, databases='badin, ,x')),
         'databases has a blank entry'),
    Case('load-missing-dump-command', module('rds_load_dump', lambda lab: load(
        lab, databases=['badin'], dump_command='/nonexistent/mariadb-dump')), 'dump_command /nonexistent/mariadb-dump was not found'),
    Case('load-negative-lock-wait', module('rds_load_dump', lambda lab: load(
        lab, databases=['badin'], lock_wait_timeout=-1)), 'lock_wait_timeout must be 1 second or more'),
    Case('load-source-wrong-password', module('rds_load_dump', lambda lab: dict(load(lab, databases=['badin']),
         source_login=dict(login(lab, 'onprem_source'), config_file='', login_password='Wrong-pass-1234'))),
         'check login_user/login_password'),
    Case('load-source-missing-ca', module('rds_load_dump', lambda lab: dict(load(lab, databases=['badin']),
         source_login=dict(login(lab, 'onprem_source'), config_file='', ca_cert='/nonexistent/ca.pem'))),
         'file not found: ca_cert=/nonexistent/ca.pem'),
    Case('load-over-data-without-overwrite', module('rds_load_dump', lambda lab: load(lab, databases=['badin'])),
         'set overwrite=true', setup=occupy_target, teardown=drop_target_schema),
    Case('load-bad-setting-type', module('rds_load_dump', lambda lab: load(
        lab, 'onprem_replica', databases=['badin'], target_load_settings='innodb_flush_log_at_trx_commit')),
        "argument 'target_load_settings' is of type str"),
    # rds_external_master (RDS as replica, its master user)
    Case('rds-file-and-gtid', module('rds_external_master', lambda lab: rds(lab, 'rds_target', **channel(
        lab, source_log_file='mysql-bin.000001', source_log_pos=4, source_gtid='0-1-1'))),
        'mutually exclusive'),
    Case('rds-pos-without-file', module('rds_external_master', lambda lab: rds(lab, 'rds_target', **channel(
        lab, source_log_pos=4))), 'source_log_file and source_log_pos go together'),
    Case('rds-coordinates-without-position', module('rds_external_master', lambda lab: rds(
        lab, 'rds_target', **channel(lab, source_coordinates={'file': 'mysql-bin.000001'}))),
        'source_coordinates needs file and position'),
    Case('rds-negative-position', module('rds_external_master', lambda lab: rds(lab, 'rds_target', **channel(
        lab, source_log_file='mysql-bin.000001', source_log_pos=-4))), 'source_log_pos must be 4 or more'),
    Case('rds-negative-delay', module('rds_external_master', lambda lab: rds(lab, 'rds_target', **channel(
        lab, source_log_file='mysql-bin.000001', source_log_pos=4, delay=-1))),
        'delay must be between 0 and 86400'),
    Case('rds-no-starting-point', module('rds_external_master', lambda lab: rds(lab, 'rds_target', **channel(lab))),
         'no starting point was given'),
    Case('rds-repl-user-without-privileges', module('rds_external_master', lambda lab: rds(
        lab, 'rds_target', **channel(lab, source_log_file='mysql-bin.000001', source_log_pos=4))),
        'lacks the REPLICATION SLAVE privilege', teardown=reset('rds_target'), changes=['rds_target']),
    # mysql_replica_config (a self-managed replica)
    Case('replica-non-integer-port', module('mysql_replica_config', lambda lab: onprem(lab, 'onprem_replica', **replaced(
        channel(lab, 'rds_source', source_gtid='current_pos'), source_port='33o6'))),
        "argument 'source_port' is of type str"),
    Case('replica-negative-connect-retry', module('mysql_replica_config', lambda lab: onprem(
        lab, 'onprem_replica', **channel(lab, 'rds_source', source_gtid='current_pos', connect_retry=-1))),
        'connect_retry must be 1 or more'),
    Case('replica-negative-heartbeat', module('mysql_replica_config', lambda lab: onprem(
        lab, 'onprem_replica', **channel(lab, 'rds_source', source_gtid='current_pos', heartbeat_period=-1))),
        'heartbeat_period must be between 0'),
    Case('replica-ignore-tables-with-blanks', module('mysql_replica_config', lambda lab: onprem(
        lab, 'onprem_replica', **channel(lab, 'rds_source', source_gtid='current_pos',
                                         ignore_tables='mysql.rds\\_%, , app.x'))),
         'ignore_tables has empty or space-padded entries'),
    Case('replica-missing-channel-ca', module('mysql_replica_config', lambda lab: onprem(
        lab, 'onprem_replica', **channel(lab, 'rds_source', source_gtid='current_pos',
                                         source_ssl_ca='/nonexistent/ca.pem'))),
         'file not found: source_ssl_ca=/nonexistent/ca.pem'),
    Case('replica-ca-without-tls', module('mysql_replica_config', lambda lab: onprem(
        lab, 'onprem_replica', **channel(lab, 'rds_source', source_gtid='current_pos', source_ssl=False,
                                         source_ssl_ca=str(WRONG_CA)))),
         'need source_ssl=true'),
    Case('replica-bad-gtid', module('mysql_replica_config', lambda lab: onprem(
        lab, 'onprem_replica', **channel(lab, 'rds_source', source_gtid='0-1-x'))),
        'source_gtid must be current_pos, slave_pos, no, or a MariaDB GTID list'),
    Case('replica-stop-without-source', module('mysql_replica_config', lambda lab: onprem(
        lab, 'onprem_replica', state='stopped')), 'no source is configured (nothing to stop)'),
    Case('replica-repl-user-without-privileges', module('mysql_replica_config', lambda lab: onprem(
        lab, 'onprem_replica', **channel(lab, 'rds_source', source_gtid='current_pos'))),
        'lacks the REPLICATION SLAVE privilege', teardown=reset('onprem_replica'), changes=['onprem_replica']),
    # replica_status_info
    Case('status-negative-wait', module('replica_status_info', lambda lab: onprem(
        lab, 'onprem_replica', wait=True, wait_timeout=-1)), 'wait_timeout must be 0 or more'),
    Case('status-until-without-position', module('replica_status_info', lambda lab: onprem(
        lab, 'onprem_replica', wait=True, until={'file': 'mysql-bin.000001'})), 'position found in until'),
    Case('status-wait-without-source', module('replica_status_info', lambda lab: onprem(
        lab, 'onprem_replica', wait=True, wait_timeout=5)), 'nothing to wait for; configure one'),
    # table_checksum
    Case('checksum-tables-with-blanks', module('table_checksum', lambda lab: onprem(lab, tables='badin.t, ,badin.u')),
         'empty or space-padded entries'),
    Case('checksum-unknown-table', module('table_checksum', lambda lab: onprem(lab, tables=['badin.nope'])),
         'tables not found: badin.nope'),
    Case('checksum-replica-not-a-replica', module('table_checksum', lambda lab: onprem(
        lab, replica_login=dict(login(lab, 'onprem_replica'), config_file=''))),
        'give the login of a replica of this server'),
    # rds_cutover
    Case('cutover-negative-wait', module('rds_cutover', lambda lab: dict(load(lab), wait_timeout=-1,
                                                                         grace_period=-0.5)),
         'out of range: grace_period=-0.5, wait_timeout=-1'),
    Case('cutover-source-wrong-password', module('rds_cutover', lambda lab: dict(load(lab), source_login=dict(
        login(lab, 'onprem_source'), config_file='', login_password='Wrong-pass-1234'))),
        'check login_user/login_password'),
    Case('cutover-nothing-replicates', module('rds_cutover', load),
         'nothing to cut over (run playbooks/onprem_to_rds.yml first)'),
    # accounts_copy, rds_aws_info
    Case('accounts-patterns-with-blanks', module('accounts_copy', lambda lab: load(lab, include='app@%, ,x')),
         'empty or space-padded account patterns'),
    Case('accounts-source-wrong-password', module('accounts_copy', lambda lab: dict(load(lab), source_login=dict(
        login(lab, 'onprem_source'), config_file='', login_password='Wrong-pass-1234'))),
        'check login_user/login_password'),
    Case('aws-unknown-instance', module('rds_aws_info', lambda lab: aws(lab, db_instance_identifier='no-such-db')),
         'check db_instance_identifier and region'),
    Case('aws-bad-cidr', module('rds_aws_info', lambda lab: aws(lab, db_instance_identifier='lab-rds-source',
                                                                client_cidr='10.0.0.300/8')),
         'is not a CIDR'),
    # the roles, through their playbooks
    Case('d1-non-integer-variable', play(D1, 'replica_of_rds_copy_streams=four'),
         "replica_of_rds_copy_streams"),
    Case('d1-server-id-zero', play(D1, 'replica_of_rds_server_id=0'), 'a unique replica_of_rds_server_id (> 0)'),
    Case('d1-missing-ca-bundle', play(D1, 'replica_of_rds_ca_bundle_src=/nonexistent/rds-ca.pem'),
         'replica_of_rds_ca_bundle_src: file /nonexistent/rds-ca.pem not found on the controller'),
    Case('d1-wrong-ca-bundle', play(D1, 'replica_of_rds_ca_bundle_src={tmp}/wrong-ca.pem'),
         'does not verify its certificate'),
    Case('d1-wrong-master-password', play(D1, 'replica_of_rds_rds_master_password=Wrong-pass-1234'),
         'check login_user/login_password'),
    Case('d1-unknown-instance', play(D1, 'replica_of_rds_rds_instance_id=no-such-db'),
         'check replica_of_rds_rds_instance_id'),
    Case('d1-backups-off', play(D1), 'has automated backups off', setup=backups(0), teardown=backups(LAB_RETENTION_DAYS)),
    Case('d1-statement-binlog', play(D1), 'set binlog_format=ROW in its parameter group',
         setup=set_binlog_format('STATEMENT', 'rds_source'), teardown=set_binlog_format('ROW', 'rds_source')),
    Case('d2-wrong-source-password', play(D2, 'rds_replica_of_source_login_password=Wrong-pass-1234'),
         'check login_user/login_password'),
    Case('d2-statement-binlog', play(D2), 'binlog_format', setup=set_binlog_format('STATEMENT'),
         teardown=set_binlog_format('ROW')),
    Case('d2-unknown-instance', play(D2, 'rds_replica_of_source_rds_instance_id=no-such-db'), 'no-such-db'),
    Case('d2-non-integer-variable', play(D2, 'rds_replica_of_source_max_lag=five'), 'rds_replica_of_source_max_lag'),
    Case('cutover-non-integer-variable', play(CUT, 'cutover_to_rds_wait_timeout=soon'), 'cutover_to_rds_wait_timeout'),
    Case('cutover-nothing-to-cut-over', play(CUT), 'nothing to cut over (run playbooks/onprem_to_rds.yml first)'),
]
WRONG_CA = Path('/nonexistent')     # replaced by the fixture below (a CA that signed nothing of the lab)
KNOWN_TO_CHANGE = [case.ident for case in CASES if case.changes]


_CLIENTS = {}


def _aws(lab, service):
    if service in _CLIENTS:
        return _CLIENTS[service]
    import boto3
    _CLIENTS[service] = boto3.client(service, endpoint_url=lab.aws['endpoint_url'], region_name=lab.aws['region'],
                                     aws_access_key_id=lab.aws['access_key'],
                                     aws_secret_access_key=lab.aws['secret_key'])
    return _CLIENTS[service]


@pytest.fixture(scope='module')
def ctx(lab, tmp_path_factory):
    global WRONG_CA  # pylint: disable=global-statement
    tmp = tmp_path_factory.mktemp('bad_inputs')
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', str(tmp / 'wrong.key'),
                    '-out', str(tmp / 'wrong-ca.pem'), '-days', '2', '-subj', '/CN=not the lab CA', '-addext',
                    'basicConstraints=critical,CA:TRUE'], check=True, capture_output=True)
    WRONG_CA = tmp / 'wrong-ca.pem'
    for name in ('onprem_source', 'rds_source'):
        lab.labctl('load', 'stop', name, check=False)
    return dict(tmp=str(tmp), collections=collections_path(tmp_path_factory.mktemp('collections')),
                ports=dict((name, info['port']) for name, info in lab.instances.items()))


def known_state(lab):
    """The state every case starts from (see the module docstring); resets only what differs."""
    for name in REPLICAS:
        conn = lab.connect(name, root=True)
        try:
            configured = lab.query(conn, 'SHOW ALL SLAVES STATUS')
            if not configured:
                lab.query(conn, 'SET SESSION sql_log_bin = 0')
                lab.query(conn, 'DROP DATABASE IF EXISTS badin')
                lab.query(conn, "DROP USER IF EXISTS %s@'%%'" % ROLLBACK_USER)
        finally:
            conn.close()
        if configured:
            lab.labctl('reset', name)
    root_sql(lab, 'onprem_source', "SET GLOBAL binlog_format = 'ROW'", 'SET GLOBAL read_only = 0',
             'CREATE DATABASE IF NOT EXISTS badin',
             'CREATE OR REPLACE TABLE badin.t (id INT PRIMARY KEY, v VARCHAR(9))',
             "INSERT INTO badin.t VALUES (1, 'a'), (2, 'b'), (3, 'c')", 'SET SESSION sql_log_bin = 0',
             "CREATE USER IF NOT EXISTS %s@'%%' IDENTIFIED BY '%s'" % (NOREPL, NOREPL_PASSWORD))
    root_sql(lab, 'rds_source', "SET GLOBAL binlog_format = 'ROW'", 'SET SESSION sql_log_bin = 0',
             "CREATE USER IF NOT EXISTS %s@'%%' IDENTIFIED BY '%s'" % (NOREPL, NOREPL_PASSWORD))
    instance = _aws(lab, 'rds').describe_db_instances(
        DBInstanceIdentifier=lab.instances['rds_source']['aws_instance_id'])['DBInstances'][0]
    if instance.get('BackupRetentionPeriod') != LAB_RETENTION_DAYS:
        backups(LAB_RETENTION_DAYS)(lab)


def _rows(lab, conn, sql):
    return [tuple(sorted((k, str(v)) for k, v in row.items())) for row in lab.query(conn, sql)]


def instance_snapshot(lab, name):
    info = lab.instances[name]
    conn = lab.connect(name, root=True)
    try:
        snap = dict(
            users=sorted(_rows(lab, conn, 'SELECT User, Host, Priv FROM mysql.global_priv')),
            db_grants=sorted(_rows(lab, conn, 'SELECT * FROM mysql.db')),
            table_grants=sorted(_rows(lab, conn, 'SELECT Host, Db, User, Table_name, Table_priv, Column_priv '
                                                 'FROM mysql.tables_priv')),
            variables=_rows(lab, conn, 'SELECT %s' % ', '.join('@@GLOBAL.%s AS %s' % (v, v) for v in VARIABLES)),
            channels=sorted(tuple((key, str(row.get(key))) for key in CHANNEL)
                            for row in lab.query(conn, 'SHOW ALL SLAVES STATUS')),
        )
        tables = lab.query(conn, "SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t FROM information_schema.TABLES WHERE "
                                 "TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA NOT IN %s", [SYSTEM])
        snap['schemas'] = sorted(row['Database'] for row in lab.query(conn, 'SHOW DATABASES'))
        snap['tables'] = sorted(_rows(lab, conn, 'CHECKSUM TABLE %s' % ', '.join(
            '`%s`.`%s`' % (row['s'], row['t']) for row in tables))) if tables else []
        for row in lab.query(conn, "SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = "
                                   "'mysql' AND (TABLE_NAME LIKE 'rds\\_%' OR TABLE_NAME LIKE 'mysql\\_rds\\_%') "
                                   "AND TABLE_NAME NOT LIKE 'rds\\_heartbeat%'"):
            snap['mysql.' + row['t']] = sorted(_rows(lab, conn, 'SELECT * FROM mysql.`%s`' % row['t']))
    finally:
        conn.close()
    conf = Path(info['conf_dir'])
    snap['conf.d'] = sorted((path.name, hashlib.sha256(path.read_bytes()).hexdigest())
                            for path in conf.iterdir() if path.is_file()) if conf.is_dir() else []
    return snap


def lab_snapshot(lab):
    with ThreadPoolExecutor(len(lab.instances)) as pool:
        snap = dict(zip(lab.instances, pool.map(lambda name: instance_snapshot(lab, name), lab.instances)))
    group = _aws(lab, 'ec2').describe_security_groups(GroupIds=[lab.aws['security_group_id']])['SecurityGroups'][0]
    snap['security_group'] = repr(sorted(repr(p) for p in group['IpPermissions']))
    return snap


def changed_parts(before, after):
    """{instance: [parts that differ]}."""
    found = {}
    for name in set(before) | set(after):
        if name == 'security_group':
            if before[name] != after[name]:
                found[name] = ['ingress rules']
            continue
        parts = [key for key in set(before[name]) | set(after[name]) if before[name].get(key) != after[name].get(key)]
        if parts:
            found[name] = sorted(parts)
    return found


@pytest.mark.parametrize('case', CASES, ids=[case.ident for case in CASES])
def test_bad_input(lab, ctx, case):
    known_state(lab)
    if case.setup:
        case.setup(lab)
    try:
        before = lab_snapshot(lab)
        failed, output = case.run(lab, ctx)
        after = lab_snapshot(lab)
    finally:
        if case.teardown:
            case.teardown(lab)
    assert failed, 'accepted: %s' % output[-3000:]
    assert case.phrase in output, 'no %r in:\n%s' % (case.phrase, output[-4000:])
    leaked = [secret[:3] + '...' for secret in lab_secrets(lab) + [NOREPL_PASSWORD] if secret in output]
    assert not leaked, 'secrets in the output: %s' % leaked
    changed = changed_parts(before, after)
    assert set(changed) == case.changes, 'changed before it failed: %s' % changed


def test_the_table_is_complete():
    """At least 51 bad inputs, at least 49 of them fail with nothing changed."""
    assert len(CASES) >= 51 and len(set(case.ident for case in CASES)) == len(CASES)
    assert len(CASES) - len(KNOWN_TO_CHANGE) >= 49, KNOWN_TO_CHANGE


def test_snapshot_sees_a_change(lab):
    """The snapshot is not blind: a grant, a variable, a row and a drop-in file each show."""
    known_state(lab)
    before = lab_snapshot(lab)
    conf = Path(lab.instances['onprem_replica']['conf_dir']) / '99-badin-probe.cnf'
    conf.write_text('[mysqld]\n')
    root_sql(lab, 'onprem_source', 'SET SESSION sql_log_bin = 0', "UPDATE badin.t SET v = 'z' WHERE id = 1",
             "GRANT SELECT ON badin.* TO %s@'%%'" % NOREPL)
    root_sql(lab, 'rds_target', 'SET GLOBAL max_allowed_packet = @@GLOBAL.max_allowed_packet + 1024')
    try:
        changed = changed_parts(before, lab_snapshot(lab))
    finally:
        conf.unlink()
        root_sql(lab, 'onprem_source', "DROP USER %s@'%%'" % NOREPL)
        root_sql(lab, 'rds_target', 'SET GLOBAL max_allowed_packet = @@GLOBAL.max_allowed_packet - 1024')
    assert changed == {'onprem_replica': ['conf.d'], 'onprem_source': ['db_grants', 'tables'],
                       'rds_target': ['variables']}, changed
