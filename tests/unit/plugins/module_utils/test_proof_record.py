from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import time

from ansible_collections.mysql_rds.replication.plugins.module_utils import proof_record as pr
from ansible_collections.mysql_rds.replication.plugins.module_utils.copy_progress import Progress
from ansible_collections.mysql_rds.replication.plugins.module_utils.stream_pipe import Meter

RECORD = dict(source_server_id=7, file='bin.000003', position=500, gtid='0-7-40', own_writes=3, tables=4, proved_at='x')


def state(io='Yes', sql='Yes', server=7, file='bin.000003', position=500, gtid='0-7-40', errno=0, own=3):
    return dict(status=dict(configured=True, io_running=io, sql_running=sql, source_server_id=server,
                            last_sql_errno=errno, last_io_errno=0),
                coordinates=dict(file=file, position=position, gtid=gtid), own_writes=own)


def test_a_record_holds_while_replication_runs_on_from_the_same_source():
    assert pr.still_valid(RECORD, state()) == ''
    assert pr.still_valid(RECORD, state(file='bin.000004', position=4, gtid='0-7-90,1-9-3')) == ''


def test_a_record_does_not_hold_after_anything_that_can_change_the_rows_unproven():
    assert 'no proof recorded' in pr.still_valid(None, state())
    assert 'not running' in pr.still_valid(RECORD, state(sql='No'))
    assert 'not running' in pr.still_valid(RECORD, state(errno=1062))
    assert 'another server' in pr.still_valid(RECORD, state(server=8))
    assert 'behind' in pr.still_valid(RECORD, state(position=499))
    assert 'behind' in pr.still_valid(RECORD, state(file='bin.000002', position=9999))
    assert 'GTID' in pr.still_valid(RECORD, state(position=600, gtid='0-7-39'))
    assert 'GTID' in pr.still_valid(RECORD, state(position=600, gtid='1-7-99'))
    assert 'writes of its own' in pr.still_valid(RECORD, state(own=4))


def test_own_writes_are_the_replica_s_own_server_id_in_its_binlog_gtid_state():
    assert pr.own_writes('0-7-40,0-9-12,1-9-3', 9) == 12
    assert pr.own_writes('0-7-40', 9) == 0
    assert pr.own_writes('3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5', 9) == 0


def test_gtid_covers_compares_per_domain_and_leaves_other_forms_to_the_position():
    assert pr.gtid_covers('0-1-10,1-2-5', '0-1-10')
    assert not pr.gtid_covers('0-1-9', '0-1-10')
    assert pr.gtid_covers('3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5', '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-7')
    assert pr.gtid_covers('', '0-1-10')


def test_another_selection_of_schemas_is_another_record():
    one = pr.pair_key(dict(proof_record='rds:3306', databases=['a'], exclude_databases=[]))
    assert one == pr.pair_key(dict(proof_record='rds:3306', databases=['a'], exclude_databases=[]))
    assert one != pr.pair_key(dict(proof_record='rds:3306', databases=['a', 'b'], exclude_databases=[]))
    assert one.startswith('rds:3306 ')


def test_progress_file_holds_numbers_and_names_only_and_goes_away(tmp_path):
    path = str(tmp_path / 'job.progress')
    progress = Progress(path, interval=0.2, size=1000, rows=50).start()
    meter = progress.meter('schema step')
    meter.add(250)
    time.sleep(0.5)
    data = json.load(open(path))
    assert data['bytes'] == 250 and data['size_estimate'] == 1000 and data['streams'][0]['name'] == 'schema step'
    assert data['rows'] == 12 and data['pid'] == os.getpid() and oct(os.stat(path).st_mode & 0o777) == '0o600'
    summary = progress.stop()
    assert not os.path.exists(path)
    assert summary['bytes'] == 250 and summary['rows'] == 50 and set(summary) == set(
        ['bytes', 'rows', 'seconds', 'rate', 'streams'])


def test_a_meter_reads_what_a_process_wrote():
    meter = Meter()
    meter.pid = os.getpid()
    assert meter.value() >= 0
    meter.pid = None
    meter.add(5)
    assert meter.value() >= 5
