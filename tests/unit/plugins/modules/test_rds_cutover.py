# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest
import yaml

from ansible_collections.mysql_rds.replication.plugins.doc_fragments import connection as connection_fragment
from ansible_collections.mysql_rds.replication.plugins.doc_fragments import source_login as source_login_fragment
from ansible_collections.mysql_rds.replication.plugins.modules import rds_cutover as rc
from ansible_collections.mysql_rds.replication.plugins.module_utils.connection import connection_argument_spec
from ansible_collections.mysql_rds.replication.plugins.module_utils import cutover_promote as cp
from ansible_collections.mysql_rds.replication.plugins.module_utils import cutover_wait as cw
from ansible_collections.mysql_rds.replication.plugins.module_utils.cutover_preflight import CutoverError, Plan
from ansible_collections.mysql_rds.replication.plugins.module_utils.cutover_state import CutoverState
from ansible_collections.mysql_rds.replication.plugins.module_utils.cutover_timeline import Timeline
from ansible_collections.mysql_rds.replication.plugins.module_utils.dialect import Dialect
from ansible_collections.mysql_rds.replication.plugins.module_utils.errors import SqlError
from ansible_collections.mysql_rds.replication.plugins.module_utils.replication_status import ReplicationWaitError
from ansible_collections.mysql_rds.replication.tests.unit.plugins.fake_cursor import FakeCursor
from ansible_collections.mysql_rds.replication.tests.unit.plugins import module_harness as harness
from ansible_collections.mysql_rds.replication.tests.unit.plugins.module_harness import FakeConnection

MARIADB = Dialect.from_server('10.11.6-MariaDB-log')
MYSQL84 = Dialect.from_server('8.4.3')
PLAN = Plan(MARIADB, MARIADB)
CHANGES = ('SET GLOBAL', 'FLUSH', 'KILL', 'UNLOCK')


def healthy_status(**changes):
    status = dict(configured=True, io_running='Yes', sql_running='Yes', seconds_behind_source=0,
                  source_server_id=13604, last_io_errno=0, last_sql_errno=0, relay_source_log_file='mysql-bin.000001',
                  exec_source_log_pos=500)
    status.update(changes)
    return status


def position_answers(dialect, file_name, position, gtid):
    row = {'File': file_name, 'Position': position}
    if dialect.is_mysql:
        row['Executed_Gtid_Set'] = gtid
    return [(dialect.binlog_status_statement()[0], [row]), (dialect.binlog_gtid_statement()[0], [{'gtid': gtid}])]


def source_cursor(read_only=0, dialect=MARIADB):
    return FakeCursor([('@@server_id', [{'id': 13604}]), ('read_only AS ro', [{'ro': read_only}]),
                       ('innodb_trx', [{'n': 0}]), ('NOW(6)', [{'now': '2026-01-01 00:00:00.000001'}]),
                       ('processlist', [{'id': 7}])]
                      + position_answers(dialect, 'mysql-bin.000001', 500, '0-13604-9'))


def rds_cursor(dialect=MARIADB):
    return FakeCursor([('read_only AS ro', [{'ro': 0}])]
                      + position_answers(dialect, 'mysql-bin-changelog.000002', 900, '0-13605-3'))


PARAMS = dict(grace_period=0, lock_wait_timeout=5, kill_sessions=True, wait_timeout=1, reset=True,
              checksum=False, checksum_exclude_databases=[], checksum_algorithm='crc32', max_lag=5,
              max_backlog_bytes=65536)


def never_interrupted():
    return None


def make_cutover(src, rds, rds_view=None, plan=PLAN, state=None, timeline=None, queries=None, **changes):
    return cp.Cutover(dict(PARAMS, **changes), (src, rds, rds_view or FakeCursor([])), plan,
                      timeline or Timeline(), queries or cp.Queries(['rds-secret']),
                      state or CutoverState('/nonexistent/never-written.json'), never_interrupted)


def cutover(src, rds, rds_view=None, plan=PLAN, **changes):
    made = make_cutover(src, rds, rds_view, plan, **changes)
    return made.run(healthy_status()), made.timeline, made.queries


@pytest.fixture(autouse=True)
def state_in_memory(monkeypatch):
    """Unit tests never write a record (cutover_state has its own tests)."""
    monkeypatch.setattr('ansible_collections.mysql_rds.replication.plugins.module_utils.cutover_state.write_durably',
                        lambda path, data: None)


@pytest.fixture(autouse=True)
def rds_healthy(monkeypatch):
    monkeypatch.setattr(cp, 'read_status', lambda *a, **k: healthy_status())


@pytest.fixture
def caught_up(monkeypatch):
    targets = []

    def wait(read, timeout, **kwargs):
        targets.append(kwargs['target'])
        return healthy_status()
    monkeypatch.setattr(cw, 'wait_until_caught_up', wait)
    return targets


def test_cutover_freezes_waits_then_promotes(caught_up):
    src, rds = source_cursor(), rds_cursor()
    result, timeline, queries = cutover(src, rds)
    order = [sql for sql in src.statements if sql.startswith(CHANGES)]
    assert order == ['SET GLOBAL read_only = ON', 'FLUSH TABLES WITH READ LOCK', 'KILL CONNECTION 7', 'UNLOCK TABLES']
    assert caught_up == [dict(file='mysql-bin.000001', position=500)]
    stop, reset = PLAN.rds_stop[0], PLAN.rds_reset[0]
    assert [sql for sql in rds.statements if sql.startswith('CALL')] == [stop, reset]
    assert result['final_position'] == dict(file='mysql-bin.000001', position=500, gtid='0-13604-9')
    assert result['source_final'] == result['final_position']  # deprecated name, one release
    assert result['rds_executed'] == dict(file='mysql-bin.000001', position=500, gtid='')
    assert result['rds_position'] == dict(file='mysql-bin-changelog.000002', position=900, gtid='0-13605-3')
    assert result['window_seconds'] >= 0 and result['sessions_killed'] == 1
    assert list(queries) == ['SET GLOBAL read_only = ON', 'FLUSH TABLES WITH READ LOCK', 'KILL CONNECTION 7',
                             stop, reset, 'UNLOCK TABLES']
    steps = [step['step'] for step in timeline.steps]
    assert steps == ['backlog_small', 'freeze_read_only', 'writers_drained', 'global_read_lock', 'sessions_killed',
                     'source_position', 'rds_caught_up', 'rds_replication_stopped', 'rds_external_master_reset',
                     'rds_open', 'source_lock_released_read_only_kept']


def test_cutover_reads_each_server_with_its_own_dialect(caught_up):
    plan = Plan(MYSQL84, MARIADB)
    src, rds = source_cursor(dialect=MYSQL84), rds_cursor()
    result = cutover(src, rds, plan=plan)[0]
    assert MYSQL84.binlog_status_statement()[0] in src.statements
    assert MARIADB.binlog_status_statement()[0] not in src.statements
    assert MARIADB.binlog_status_statement()[0] in rds.statements
    assert result['final_position'] == dict(file='mysql-bin.000001', position=500, gtid='0-13604-9')


def test_cutover_without_reset_and_without_killing(caught_up):
    src, rds = source_cursor(), rds_cursor()
    result, timeline, queries = cutover(src, rds, reset=False, kill_sessions=False)
    assert PLAN.rds_reset[0] not in queries and not [sql for sql in src.statements if sql.startswith('KILL')]
    assert result['sessions_killed'] == 0


def test_cutover_undoes_the_freeze_when_rds_does_not_catch_up(monkeypatch):
    def never(*args, **kwargs):
        raise ReplicationWaitError('replication did not catch up within 1s', {})
    monkeypatch.setattr(cw, 'wait_until_caught_up', never)
    src, rds = source_cursor(), rds_cursor()
    made = make_cutover(src, rds)
    timeline = made.timeline
    with pytest.raises(CutoverError) as err:
        made.run(healthy_status())
    assert 'source is writable again' in str(err.value)
    assert src.statements[-2:] == ['UNLOCK TABLES', 'SET GLOBAL read_only = OFF']
    assert not [sql for sql in rds.statements if sql.startswith('CALL')]
    assert timeline.steps[-1]['step'] == 'aborted_unfrozen'


def test_cutover_undoes_the_freeze_when_the_lock_fails(caught_up):
    src = source_cursor()
    src.answers.insert(0, ('FLUSH TABLES WITH READ LOCK', SqlError('Lock wait timeout exceeded', errno=1205)))
    rds = rds_cursor()
    with pytest.raises(CutoverError) as err:
        cutover(src, rds)
    assert 'aborted before RDS was touched: the source is writable again' in str(err.value)
    assert src.statements[-2:] == ['UNLOCK TABLES', 'SET GLOBAL read_only = OFF']
    assert caught_up == [] and not [sql for sql in rds.statements if sql.startswith('CALL')]


def test_cutover_abort_keeps_a_source_that_was_read_only_so(monkeypatch):
    def never(*args, **kwargs):
        raise ReplicationWaitError('replication did not catch up within 1s', {})
    monkeypatch.setattr(cw, 'wait_until_caught_up', never)
    src = source_cursor(read_only=1)
    with pytest.raises(CutoverError) as err:
        cutover(src, rds_cursor())
    assert 'stays read_only as it was before' in str(err.value)
    assert src.statements[-1] == 'UNLOCK TABLES'


def test_cutover_failing_after_rds_stopped_gives_everything_back(caught_up):
    src, rds = source_cursor(), rds_cursor()
    rds.answers.insert(0, (PLAN.rds_reset[0], SqlError('procedure failed', errno=1644)))
    with pytest.raises(CutoverError) as err:
        cutover(src, rds)
    assert 'RDS replication was stopped and started again: the source is writable again' in str(err.value)
    assert src.statements[-2:] == ['UNLOCK TABLES', 'SET GLOBAL read_only = OFF']
    assert [sql for sql in rds.statements if sql.startswith('CALL')] == [
        PLAN.rds_stop[0], PLAN.rds_reset[0], PLAN.rds_start[0]]


def test_cutover_fails_when_rds_stays_read_only(caught_up):
    src, rds = source_cursor(), rds_cursor()
    rds.answers.insert(0, ('read_only AS ro', [{'ro': 1}]))
    with pytest.raises(CutoverError) as err:
        cutover(src, rds)
    assert 'read_only is ON' in str(err.value)
    assert src.statements[-1] == 'UNLOCK TABLES'


def checksum_answers(xor_part):
    return [('information_schema.SCHEMATA', [{'name': 'mysql'}, {'name': 'shop'}]),
            ('information_schema.TABLES', [{'db': 'shop', 'tbl': 'items', 'engine': 'InnoDB'}]),
            ('information_schema.COLUMNS', [{'col': 'id'}]),
            ('AS row_count', [{'row_count': 2, 'xor_part': xor_part, 'sum_part': 7}])]


@pytest.mark.parametrize('rds_xor, mismatched', [(5, []), (6, ['shop.items'])])
def test_cutover_checksums_both_sides_before_unlocking(caught_up, rds_xor, mismatched):
    src = source_cursor()
    src.answers += checksum_answers(5)
    rds = rds_cursor()
    rds_view = FakeCursor(checksum_answers(rds_xor))
    result, timeline, _queries = cutover(src, rds, rds_view, checksum=True)
    sums = result['checksums']
    assert sums['equal'] is (not mismatched) and sums['mismatched'] == mismatched and sums['tables'] == 1
    assert sums['source']['shop.items']['checksum'] == 'crc32:5-7'
    for cursor in (src, rds_view):
        assert [sql for sql in cursor.statements if 'AS row_count' in sql and 'CRC32(REVERSE(s))' in sql]
    statements = src.statements
    last_checksum = max(i for i, sql in enumerate(statements) if 'AS row_count' in sql)
    assert last_checksum < statements.index('UNLOCK TABLES')
    # RDS is checksummed in the snapshot taken when replication stopped, before the reset opened it
    assert rds_view.statements[0] == 'START TRANSACTION WITH CONSISTENT SNAPSHOT'
    assert rds_view.statements[-1] == 'COMMIT'
    assert not [sql for sql in rds.statements if 'AS row_count' in sql]
    steps = [step['step'] for step in timeline.steps]
    assert (steps.index('rds_replication_stopped') < steps.index('rds_snapshot_for_proof')
            < steps.index('rds_external_master_reset') < steps.index('rds_open'))


def test_cutover_checksums_both_sides_with_md5(caught_up):
    src = source_cursor()
    src.answers += checksum_answers(5)
    rds_view = FakeCursor(checksum_answers(5))
    sums = cutover(src, rds_cursor(), rds_view, checksum=True, checksum_algorithm='md5')[0]['checksums']
    assert sums['equal'] is True
    assert sums['source']['shop.items']['checksum'] == sums['rds']['shop.items']['checksum'] == '5-7'
    for cursor in (src, rds_view):
        queries = [sql for sql in cursor.statements if 'AS row_count' in sql]
        assert len(queries) == 1 and 'MD5(' in queries[0] and 'CRC32' not in queries[0]


# --- main(): options, check mode, results ---------------------------------------------------

def run_main(monkeypatch, args, check_mode=False, status=None, source_read_only=0, wait=None):
    cursors = [source_cursor(read_only=source_read_only), rds_cursor(), FakeCursor([])]
    connections = []
    deprecations, warnings = [], []

    def connect(module, options=None, **timeouts):
        connection = FakeConnection(cursors[len(connections)], options)
        connections.append(connection)
        return connection

    monkeypatch.setattr(rc.Plan, 'detect', classmethod(lambda cls, src, rds: PLAN))
    monkeypatch.setattr('ansible_collections.mysql_rds.replication.plugins.module_utils.cutover_preflight.read_status',
                        lambda *a, **k: status or healthy_status())
    monkeypatch.setattr(rc, 'read_status', lambda *a, **k: status or healthy_status())
    monkeypatch.setattr(cw, 'wait_until_caught_up', wait or (lambda *a, **k: healthy_status()))
    module_args = dict(login_host='rds.example.com', login_user='admin', login_password='rds-secret',
                       checksum=False, grace_period=0, _ansible_check_mode=check_mode)
    module_args.update(args)
    result = harness.run_main(monkeypatch, rc, module_args, connect=connect, warnings=warnings,
                              deprecations=deprecations)
    return result, connections, deprecations, warnings


SOURCE_LOGIN = dict(login_host='10.0.0.5', login_user='dba', login_password='src-secret', config_file='')


def test_main_promotes_with_the_source_login_dict(monkeypatch):
    result, connections, deprecations, _warnings = run_main(monkeypatch, dict(source_login=SOURCE_LOGIN))
    assert result['changed'] is True and result['promoted'] is True and result['already_promoted'] is False
    assert connections[0].options['login_host'] == '10.0.0.5' and connections[0].options['login_port'] == 3306
    assert connections[1].options is None  # RDS: the module's own login options
    assert len(connections) == 2 and all(connection.closed for connection in connections)
    assert result['queries'][0] == 'SET GLOBAL read_only = ON' and result['queries'][-1] == 'UNLOCK TABLES'
    assert result['final_position']['file'] == 'mysql-bin.000001'
    assert result['dialect']['source']['flavor'] == 'mariadb'
    assert deprecations == []


def test_main_accepts_the_deprecated_flat_options(monkeypatch):
    result, connections, deprecations, _warnings = run_main(monkeypatch, dict(
        source_login_host='10.0.0.6', source_login_port=3307, source_login_user='dba',
        source_login_password='src-secret', config_file=''))
    assert result['promoted'] is True
    options = connections[0].options
    assert (options['login_host'], options['login_port'], options['login_user']) == ('10.0.0.6', 3307, 'dba')
    assert sorted(msg.split()[0] for msg, _kw in deprecations) == [
        'source_login_host', 'source_login_password', 'source_login_port', 'source_login_user']
    assert all(kw == dict(version='0.3.0', collection_name='mysql_rds.replication') for _msg, kw in deprecations)


def test_main_the_dict_wins_over_the_flat_options(monkeypatch):
    _result, connections, deprecations, _warnings = run_main(monkeypatch, dict(
        source_login=SOURCE_LOGIN, source_login_host='ignored.example.com'))
    assert connections[0].options['login_host'] == '10.0.0.5'
    assert len(deprecations) == 1 and 'source_login.login_host' in deprecations[0][0]


def test_main_needs_a_source_login(monkeypatch):
    result = run_main(monkeypatch, {})[0]
    assert result['failed'] is True and 'source_login' in result['msg']


def test_main_check_mode_only_runs_the_preflight(monkeypatch):
    result, connections, _deprecations, _warnings = run_main(monkeypatch, dict(source_login=SOURCE_LOGIN),
                                                             check_mode=True)
    assert result['changed'] is True and result['promoted'] is False
    assert result['queries'] == ['SET GLOBAL read_only = ON', 'FLUSH TABLES WITH READ LOCK', PLAN.rds_stop[0],
                                 PLAN.rds_reset[0], 'UNLOCK TABLES']
    src = connections[0].cursor()
    assert not [sql for sql in src.statements if sql.startswith(CHANGES)]


def test_main_already_promoted_changes_nothing(monkeypatch):
    result, connections, _d, _w = run_main(monkeypatch, dict(source_login=SOURCE_LOGIN),
                                           status=dict(configured=False), source_read_only=1)
    assert result['changed'] is False and result['already_promoted'] is True and result['queries'] == []
    assert not [sql for sql in connections[0].cursor().statements if sql.startswith(CHANGES)]


def test_main_refuses_when_rds_does_not_replicate_and_the_source_is_writable(monkeypatch):
    result = run_main(monkeypatch, dict(source_login=SOURCE_LOGIN), status=dict(configured=False))[0]
    assert result['failed'] is True and 'nothing to cut over' in result['msg']


def test_main_masks_secrets_in_failures(monkeypatch):
    def fail(*args, **kwargs):
        raise ReplicationWaitError('rds-secret and src-secret leaked', {})
    result = run_main(monkeypatch, dict(source_login=SOURCE_LOGIN), wait=fail)[0]
    assert result['failed'] is True and 'aborted' in result['msg']
    assert result['queries'][-2:] == ['UNLOCK TABLES', 'SET GLOBAL read_only = OFF']
    assert 'rds-secret' not in result['msg'] and 'src-secret' not in result['msg']


# --- documentation matches the argument spec ------------------------------------------------

def doc_options(options):
    found = {}
    for name, doc in options.items():
        spec = dict(type=doc.get('type', 'str'))
        for key in ('default', 'choices', 'elements', 'required'):
            if key in doc:
                spec[key] = doc[key]
        if doc.get('aliases'):
            spec['aliases'] = sorted(doc['aliases'])
        if 'suboptions' in doc:
            spec['options'] = doc_options(doc['suboptions'])
        found[name] = spec
    return found


def spec_options(spec):
    found = {}
    for name, option in spec.items():
        entry = dict(type=option.get('type', 'str'))
        for key in ('default', 'choices', 'elements', 'required'):
            if option.get(key) not in (None, False):
                entry[key] = option[key]
        if option.get('aliases'):
            entry['aliases'] = sorted(option['aliases'])
        if 'options' in option:
            entry['options'] = spec_options(option['options'])
        found[name] = entry
    return found


def test_documentation_matches_the_argument_spec():
    doc = yaml.safe_load(rc.DOCUMENTATION)
    assert doc['extends_documentation_fragment'] == ['mysql_rds.replication.connection',
                                                     'mysql_rds.replication.source_login']
    options = dict(doc['options'])
    for fragment in (connection_fragment, source_login_fragment):
        options.update(yaml.safe_load(fragment.ModuleDocFragment.DOCUMENTATION)['options'])
    assert doc_options(options) == spec_options(rc.argument_spec())
    assert spec_options(rc.argument_spec()['source_login']['options']) == spec_options(connection_argument_spec())
    assert rc.argument_spec()['source_login_password']['no_log'] is True
    for section in (rc.EXAMPLES, rc.RETURN):
        yaml.safe_load(section)
    returned = yaml.safe_load(rc.RETURN)
    assert {'final_position', 'queries', 'dialect', 'already_promoted'} <= set(returned)


# --- interruptions, the record, events ------------------------------------------------------

class InterruptAt(object):
    """A checkpoint that raises once the record reached ``phase``."""

    def __init__(self, state, phase):
        self.state, self.phase = state, phase

    def __call__(self):
        if self.state.phase == self.phase:
            raise rc.Interrupted('interrupted by signal SIGINT')


def test_an_interruption_during_the_freeze_gives_the_source_back(caught_up, tmp_path):
    src, rds = source_cursor(), rds_cursor()
    state = CutoverState(str(tmp_path / 's.json'))
    state.begin(13604, 'rds')
    made = make_cutover(src, rds, state=state)
    made.checkpoint = state.checkpoint = InterruptAt(state, 'final_position')
    with pytest.raises(CutoverError) as err:
        made.run(healthy_status())
    assert 'SIGINT. The cutover was aborted before RDS was touched: the source is writable again' in str(err.value)
    assert src.statements[-2:] == ['UNLOCK TABLES', 'SET GLOBAL read_only = OFF']
    assert caught_up == [] and state.phase == 'unfrozen' and len(state.data['earlier_freezes']) == 1


def test_an_interruption_after_the_promotion_keeps_it(caught_up, tmp_path):
    src, rds = source_cursor(), rds_cursor()
    state = CutoverState(str(tmp_path / 's.json'))
    state.begin(13604, 'rds')
    made = make_cutover(src, rds, state=state)
    made.checkpoint = state.checkpoint = InterruptAt(state, 'promoted')
    with pytest.raises(CutoverError) as err:
        made.run(healthy_status())
    assert 'after RDS was promoted' in str(err.value) and 'Re-run the cutover' in str(err.value)
    assert 'SET GLOBAL read_only = OFF' not in src.statements
    assert state.phase == 'promoted' and state.data['result']['rds_position']['file'] == 'mysql-bin-changelog.000002'


def test_the_freeze_waits_for_rds_until_wait_timeout_after_read_only_on(monkeypatch):
    deadlines = []

    def final(read, cursor, target, deadline, checkpoint):
        deadlines.append(deadline)
        return healthy_status()
    monkeypatch.setattr(cp, 'wait_for_final', final)
    made = make_cutover(source_cursor(), rds_cursor(), wait_timeout=15)
    made.run(healthy_status())
    frozen = [step for step in made.timeline.steps if step['step'] == 'freeze_read_only'][0]
    assert round(deadlines[0] - made.timeline.start - frozen['elapsed'], 2) == 15


def test_the_cutover_enables_rds_events_disabled_for_a_replica(caught_up):
    rds = rds_cursor()
    rds.answers.insert(0, ('information_schema.EVENTS', [dict(db='shop', name='tick')]))
    result, timeline, queries = cutover(source_cursor(), rds)
    assert result['events_enabled'] == ['shop.tick']
    assert 'ALTER EVENT `shop`.`tick` ENABLE' in queries
    assert queries.index('ALTER EVENT `shop`.`tick` ENABLE') > queries.index(PLAN.rds_reset[0])


def test_main_returns_the_recorded_promotion_again(monkeypatch, tmp_path):
    path = str(tmp_path / 's.json')
    state = CutoverState(path)
    state.data = dict(source_server_id=13604, phase='done', steps=[], result=dict(
        window_seconds=0.25, final_position=dict(file='mysql-bin.000001', position=500, gtid=''), queries=['X']))
    monkeypatch.setattr('ansible_collections.mysql_rds.replication.plugins.module_utils.cutover_state.read_record',
                        lambda p: dict(state.data))
    result = run_main(monkeypatch, dict(source_login=SOURCE_LOGIN, state_path=path),
                      status=dict(configured=False), source_read_only=1)[0]
    assert result['changed'] is False and result['resumed'] is True and result['already_promoted'] is True
    assert result['window_seconds'] == 0.25 and result['queries'] == ['X']
