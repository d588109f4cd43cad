from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import time

from ansible_collections.mysql_rds.replication.plugins.module_utils import proof_record as pr
from ansible_collections.mysql_rds.replication.plugins.module_utils.copy_progress import Progress
from ansible_collections.mysql_rds.replication.plugins.module_utils.dialect import MARIADB, MYSQL, Dialect
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


class _Conn(object):
    def __init__(self, log):
        self.log = log

    def cursor(self):
        return self

    def close(self):
        pass

    def execute(self, sql, params=None):
        self.log.append((sql, params))

    description = None

    @staticmethod
    def nextset():
        return None


def _record_step(monkeypatch, verdict, check_mode=False, reprove='check'):
    """record_step() of a re-run whose replica's own-writes mark moved from 3 to 9 (MariaDB)."""
    from ansible_collections.mysql_rds.replication.plugins.module_utils import binlog_events
    log, scans = [], []
    monkeypatch.setattr(pr, '_replica_state_now', lambda *a: dict(state(own=9), server_id=20105))
    monkeypatch.setattr(pr, 'read', lambda cursor, pair: dict(RECORD))
    monkeypatch.setattr(binlog_events, 'own_transactions', lambda *a: scans.append(a[1:4]) or verdict)
    module = type('M', (), dict(check_mode=check_mode))()
    params = dict(reprove=reprove, proof_record='rds:3306', databases=[], exclude_databases=[], replica_login=None,
                  proof_record_login=dict(login_host='src'), rds=True, proof_tables=0)
    result, reason = pr.record_step(module, lambda options: _Conn(log), params,
                                    lambda cursor: Dialect(MARIADB, (10, 11, 0)))
    return result, reason, [sql for sql, _params in log], scans


def test_own_transactions_that_are_only_rds_bookkeeping_keep_the_proof_and_move_the_mark(monkeypatch):
    result, reason, statements, scans = _record_step(monkeypatch, ('bookkeeping', ''))
    assert reason == '' and result['reused'] is True and result['changed'] is False
    assert scans == [(20105, 3, 9)]  # from the record's mark to the state's
    assert any(sql.startswith('UPDATE mysql.mysql_rds_replication_proof SET own_writes') for sql in statements)
    _result, _reason, statements, _scans = _record_step(monkeypatch, ('bookkeeping', ''), check_mode=True)
    assert not any(sql.startswith('UPDATE') for sql in statements)


def test_a_write_of_its_own_or_an_unread_binlog_proves_again(monkeypatch):
    result, reason, statements, _scans = _record_step(monkeypatch, ('write', 'GTID 0-20105-6: writes d2_app.items'))
    assert reason == 'the replica logged writes of its own since the last proof (GTID 0-20105-6: writes d2_app.items)'
    assert result['reused'] is False and result['reprove_reason'] == reason
    assert not any(sql.startswith('UPDATE') for sql in statements)
    result, reason, _statements, _scans = _record_step(monkeypatch, ('unread', 'the binary logs holding them were purged'))
    assert reason.startswith('the replica logged transactions of its own') and reason.endswith('purged')
    result, reason, _statements, _scans = _record_step(monkeypatch, ('bookkeeping', ''), reprove='changed')
    assert result['reused'] is True


def test_without_mariadb_binlogs_an_own_write_mark_stays_an_own_write():
    # MySQL's state has no per-server GTIDs (own_writes() is 0 there): the binlog is never read for it
    assert pr.own_writes_reason(None, Dialect(MYSQL, (8, 0, 36)), RECORD, dict(state(own=4), server_id=9)) == pr.OWN_WRITES
    assert pr.own_writes_reason(None, Dialect(MARIADB, (10, 11, 0)), RECORD, dict(state(own=4), server_id=None)) \
        == pr.OWN_WRITES
