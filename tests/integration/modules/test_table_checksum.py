"""table_checksum against the lab: rds_source (emulated RDS for MariaDB, read as its master user) and
onprem_replica, a replica of it configured here, proved equal with replica_login while rds_source
takes writes. Tests run in file order and share the replica; the module fixture resets it afterwards.
"""
import json
import os
import subprocess
import threading
import time

import pytest

from module_runner import (ANSIBLE, assert_no_secret, collection_root, login, prepare_source, row_count, run_module,
                           slave_status, sql)
from polling import wait_until

SOURCE, REPLICA = 'rds_source', 'onprem_replica'
DB = 'it_table_checksum'
USER = 'it_repl_sum'


def reset_replica(conn):
    sql(conn, 'STOP SLAVE')
    sql(conn, 'RESET SLAVE ALL')
    sql(conn, "SET GLOBAL replicate_wild_ignore_table = ''")
    sql(conn, 'DROP DATABASE IF EXISTS %s' % DB)


class Writer(threading.Thread):
    """Inserts into DB.w on the source until stopped (the writes a proof must not be fooled by)."""

    def __init__(self, lab):
        super().__init__(daemon=True)
        self.conn = lab.connect(SOURCE, root=True)
        self.stopped = threading.Event()
        self.count = 0

    def run(self):
        while not self.stopped.is_set():
            sql(self.conn, "INSERT INTO %s.w (v) VALUES ('x')" % DB)
            self.count += 1
            time.sleep(0.005)

    def stop(self):
        self.stopped.set()
        self.join(10)
        self.conn.close()


@pytest.fixture(scope='module')
def env(lab, repl_password):
    source = lab.connect(SOURCE, root=True)
    replica = lab.connect(REPLICA, root=True)
    reset_replica(replica)
    master = prepare_source(source, USER, repl_password, DB)
    sql(source, 'CREATE TABLE %s.w (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(10))' % DB)
    info = lab.instances[SOURCE]
    run = run_module('mysql_replica_config', dict(
        login(lab, REPLICA), source_host=info['host'], source_port=info['port'], source_user=USER,
        source_password=repl_password, source_ssl_ca=str(lab.tls_dir / 'ca.pem'),
        source_coordinates=dict(file=master['File'], position=int(master['Position']), gtid=''),
        wait=True, wait_timeout=120))
    assert not run.failed, run
    assert wait_until(lambda: row_count(replica, DB) == 3, timeout=60)
    args = dict(login(lab, SOURCE), databases=[DB], replica_login=login(lab, REPLICA))
    yield dict(args=args, source=source, replica=replica, lab=lab)
    reset_replica(replica)
    sql(source, 'DROP DATABASE IF EXISTS %s' % DB)
    source.close()
    replica.close()


def test_proof_under_writes_pauses_and_resumes_the_replica(env):
    writer = Writer(env['lab'])
    writer.start()
    try:
        time.sleep(1)
        run = run_module('table_checksum', env['args'])
        time.sleep(0.5)
    finally:
        writer.stop()
    assert not run.failed, run
    assert run.changed is False
    assert writer.count > 50  # the source really took writes during the proof
    side = run.result['replica']
    assert side['different'] == [] and sorted(side['equal']) == [DB + '.t', DB + '.w'], side
    assert side['stopped_at'] == {'file': run.result['snapshot']['file'],
                                  'position': run.result['snapshot']['position']}
    assert run.result['queries'] == [
        'STOP SLAVE SQL_THREAD',
        "START SLAVE SQL_THREAD UNTIL MASTER_LOG_FILE = '%s', MASTER_LOG_POS = %d"
        % (run.result['snapshot']['file'], run.result['snapshot']['position']),
        'START SLAVE SQL_THREAD']
    status = slave_status(env['replica'])
    assert (status['Slave_IO_Running'], status['Slave_SQL_Running']) == ('Yes', 'Yes')
    assert status['Until_Condition'] == 'None'
    # the replica catches up with every write
    total = sql(env['source'], 'SELECT COUNT(*) AS n FROM %s.w' % DB)[0]['n']
    assert wait_until(lambda: sql(env['replica'], 'SELECT COUNT(*) AS n FROM %s.w' % DB)[0]['n'] == total, 60)


def test_stopped_applier_is_left_stopped(env):
    sql(env['replica'], 'STOP SLAVE SQL_THREAD')
    sql(env['source'], "INSERT INTO %s.t VALUES (10, 'j')" % DB)
    args = dict(env['args'], replica=env['args']['replica_login'], algorithm='md5')
    del args['replica_login']
    run = run_module('table_checksum', args, check=True)
    assert not run.failed, run
    assert run.result['replica']['different'] == [] and run.result['replica']['table_count'] == 2
    assert [query.split(' UNTIL')[0] for query in run.result['queries']] == ['START SLAVE SQL_THREAD']
    assert slave_status(env['replica'])['Slave_SQL_Running'] == 'No'
    assert row_count(env['replica'], DB) == 4  # applied up to the snapshot, which held the insert
    sql(env['replica'], 'START SLAVE SQL_THREAD')


def test_a_replica_of_another_server_is_refused_untouched(env):
    args = dict(env['args'], **login(env['lab'], 'onprem_source'))
    run = run_module('table_checksum', args)
    assert run.failed and 'not from this server' in run.result['msg']
    assert run.result['queries'] == []
    assert slave_status(env['replica'])['Slave_SQL_Running'] == 'Yes'


def test_a_replica_stopped_by_an_error_fails_the_proof_and_stays_as_found(env):
    # a row only the replica has: the source's insert of the same key stops its applier (1062)
    sql(env['replica'], 'SET SESSION sql_log_bin = 0')
    sql(env['replica'], "INSERT INTO %s.t VALUES (11, 'replica')" % DB)
    sql(env['source'], "INSERT INTO %s.t VALUES (11, 'k')" % DB)
    assert wait_until(lambda: slave_status(env['replica'])['Last_SQL_Errno'] == 1062, timeout=60)
    run = run_module('table_checksum', dict(env['args'], replica_timeout=60))
    assert run.failed and '1062' in run.result['msg'], run
    assert [query.split(' UNTIL')[0] for query in run.result['queries']] == ['START SLAVE SQL_THREAD']
    status = slave_status(env['replica'])
    assert (status['Slave_IO_Running'], status['Slave_SQL_Running']) == ('Yes', 'No')
    sql(env['replica'], "DELETE FROM %s.t WHERE id = 11" % DB)
    sql(env['replica'], 'SET SESSION sql_log_bin = 1')
    sql(env['replica'], 'START SLAVE SQL_THREAD')
    assert wait_until(lambda: row_count(env['replica'], DB) == 5, timeout=60)


def test_action_group_defaults_reach_table_checksum(env, tmp_path):
    """module_defaults for group/mysql_rds.replication.mysql, with community.mysql's login names."""
    source = login(env['lab'], SOURCE)
    defaults = dict(login_host=source['login_host'], login_port=source['login_port'],
                    login_user=source['login_user'], login_password=source['login_password'],
                    ssl_ca=source['ca_cert'], config_file='')
    playbook = [dict(hosts='localhost', gather_facts=False,
                     module_defaults={'group/mysql_rds.replication.mysql': defaults},
                     tasks=[dict(name='checksum', **{'mysql_rds.replication.table_checksum': dict(databases=[DB])})])]
    path = tmp_path / 'play.yml'
    path.write_text(json.dumps(playbook))
    env_vars = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collection_root()), ANSIBLE_STDOUT_CALLBACK='json',
                    ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_INVENTORY_UNPARSED_WARNING='0')
    proc = subprocess.run([str(ANSIBLE) + '-playbook', str(path)], capture_output=True, text=True, env=env_vars,
                          timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads(proc.stdout[proc.stdout.index('{'):])
    sums = result['plays'][0]['tasks'][0]['hosts']['localhost']
    assert sums['table_count'] == 2 and sums['databases'] == [DB], sums
    assert source['login_password'] not in proc.stdout


def test_replica_pause_false_reads_both_as_they_are_with_a_login_that_cannot_pause(env, repl_password):
    """How rds_replica_of_source reads RDS: a replica login without the rights to stop its applier."""
    replica, source = env['replica'], env['source']
    sql(replica, 'SET SESSION sql_log_bin = 0')
    sql(replica, "CREATE USER IF NOT EXISTS 'it_sum_reader'@'127.0.0.1' IDENTIFIED BY %s", [repl_password])
    sql(replica, "GRANT SELECT ON %s.* TO 'it_sum_reader'@'127.0.0.1'" % DB)
    reader = dict(env['args']['replica_login'], login_user='it_sum_reader', login_password=repl_password)
    args = dict(env['args'], replica_login=reader, replica_pause=False)
    try:
        paused = run_module('table_checksum', dict(args, replica_pause=True))
        assert paused.failed, paused  # this login cannot pause the applier: the default mode is refused
        writer = Writer(env['lab'])
        writer.start()
        try:
            time.sleep(0.5)
            run = run_module('table_checksum', args)
        finally:
            writer.stop()
        assert not run.failed, run
        assert run.changed is False and run.result['queries'] == [] and 'snapshot' not in run.result
        side = run.result['replica']
        assert 'stopped_at' not in side and side['databases'] == [DB] == run.result['databases'], side
        assert DB + '.t' in side['equal'], side  # the table without writes matches; w may not, under writes
        status = slave_status(replica)
        assert (status['Slave_IO_Running'], status['Slave_SQL_Running']) == ('Yes', 'Yes')
        assert status['Until_Condition'] == 'None'

        total = sql(source, 'SELECT COUNT(*) AS n FROM %s.w' % DB)[0]['n']
        assert wait_until(lambda: sql(replica, 'SELECT COUNT(*) AS n FROM %s.w' % DB)[0]['n'] == total, 60)
        sql(replica, "INSERT INTO %s.t VALUES (99, 'replica only')" % DB)  # unlogged: this session has sql_log_bin=0
        again = run_module('table_checksum', args)
        assert not again.failed, again
        rows = row_count(source, DB)
        assert again.result['replica']['different'] == [{'table': DB + '.t', 'rows': rows + 1, 'compare_rows': rows}]
        assert again.result['replica']['equal'] == [DB + '.w']
        assert_no_secret(again, repl_password)
    finally:
        sql(replica, 'DELETE FROM %s.t WHERE id = 99' % DB)
        sql(replica, "DROP USER IF EXISTS 'it_sum_reader'@'127.0.0.1'")
        sql(replica, 'SET SESSION sql_log_bin = 1')


def test_replica_pause_false_refuses_a_snapshot_before_connecting(env):
    args = dict(env['args'], replica_pause=False, snapshot=True,
                replica_login=dict(env['args']['replica_login'], login_port=1))
    run = run_module('table_checksum', args)
    assert run.failed and 'snapshot=true cannot be combined with replica_pause=false' in run.result['msg'], run
