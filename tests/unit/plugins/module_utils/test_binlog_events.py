from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.mysql_rds.replication.plugins.module_utils import binlog_events as be
from ansible_collections.mysql_rds.replication.plugins.module_utils.errors import SqlError

OWN = 20105
SOURCE = 1
HEARTBEAT = 'INSERT INTO mysql.rds_heartbeat2 (id, value) VALUES (1, 1764430000000)\n ON DUPLICATE KEY UPDATE value = 1'


def heartbeat(seq, server=OWN):
    """A heartbeat as MariaDB 10.11 logs it in ROW format (SHOW BINLOG EVENTS: event type, server id, Info)."""
    return [('Gtid', server, 'BEGIN GTID 0-%d-%d' % (server, seq)), ('Annotate_rows', server, HEARTBEAT),
            ('Table_map', server, 'table_id: 25 (mysql.rds_heartbeat2)'),
            ('Update_rows_v1', server, 'table_id: 25 flags: STMT_END_F'), ('Xid', server, 'COMMIT /* xid=70 */')]


def replicated(seq):
    """A transaction of the source, applied and logged by the replica (log_slave_updates)."""
    return [('Gtid', SOURCE, 'BEGIN GTID 0-1-%d' % seq), ('Annotate_rows', SOURCE, 'INSERT INTO loadgen.t VALUES (7)'),
            ('Table_map', SOURCE, 'table_id: 31 (loadgen.t)'), ('Write_rows_v1', SOURCE, 'table_id: 31 flags: STMT_END_F'),
            ('Xid', SOURCE, 'COMMIT /* xid=71 */')]


def own_insert(seq, table='d2_app.items'):
    return [('Gtid', OWN, 'BEGIN GTID 0-%d-%d' % (OWN, seq)), ('Annotate_rows', OWN, 'INSERT INTO %s VALUES (99)' % table),
            ('Table_map', OWN, 'table_id: 40 (%s)' % table), ('Write_rows_v1', OWN, 'table_id: 40 flags: STMT_END_F'),
            ('Xid', OWN, 'COMMIT /* xid=72 */')]


def binlog_file(name, gtid_list, *transactions, **kw):
    """The rows of SHOW BINLOG EVENTS IN ``name`` (Log_name, Pos, Event_type, Server_id, End_log_pos, Info)."""
    events = [('Format_desc', OWN, 'Server ver: 10.11.19-MariaDB-log, Binlog ver: 4'), ('Gtid_list', OWN, gtid_list),
              ('Binlog_checkpoint', OWN, name)]
    for transaction in transactions:
        events.extend(transaction)
    if kw.get('rotate_to'):
        events.append(('Rotate', OWN, '%s;pos=4' % kw['rotate_to']))
    rows, position = [], 4
    for event_type, server, info in events:
        rows.append(dict(Log_name=name, Pos=position, Event_type=event_type, Server_id=server,
                         End_log_pos=position + 40, Info=info))
        position += 40
    return rows


class Server(object):
    """A cursor answering SHOW BINARY LOGS and SHOW BINLOG EVENTS IN f FROM pos LIMIT n from ``files``."""

    def __init__(self, files, fail=None, state='0-1-99,0-%d-98' % OWN):
        self.files = files  # {name: rows}, in order
        self.fail = fail
        self.state = state  # @@global.gtid_binlog_state
        self.statements = []
        self.description = None
        self._rows = []

    def execute(self, sql, params=None):
        self.statements.append((sql, params))
        if sql == be.LIST_FILES:
            self._rows = [dict(Log_name=name, File_size=9) for name in self.files]
        else:
            name, position, limit = params[:3]
            offset, limit = (limit, params[3]) if len(params) == 4 else (0, limit)
            if self.fail and name == self.fail:
                raise SqlError('Error when executing command SHOW BINLOG EVENTS: Could not find target log', 1220)
            rows = [row for row in self.files[name] if row['Pos'] >= position]
            self._rows = rows[offset:offset + limit]
        self.description = [('x',)]

    def fetchall(self):
        return self._rows

    @staticmethod
    def nextset():
        return None


def scan(server, server_id, since, upto, **bounds):
    """own_transactions() with the binlog GTID state the replica's state read gave (``server.state``)."""
    return be.own_transactions(server, server_id, since, upto, server.state, **bounds)


def two_files(*second):
    first = binlog_file('mysql-bin-changelog.000001', '[]', heartbeat(1), replicated(2), heartbeat(3),
                        rotate_to='mysql-bin-changelog.000002')
    return Server({'mysql-bin-changelog.000001': first,
                   'mysql-bin-changelog.000002': binlog_file('mysql-bin-changelog.000002', '[0-1-2,0-%d-3]' % OWN,
                                                             *second)})


def test_info_forms_as_mariadb_prints_them():
    assert be.gtid_of('BEGIN GTID 0-20105-17728') == (0, 20105, 17728)
    assert be.gtid_of('GTID 1-7-5') == (1, 7, 5)  # a DDL's
    assert be.gtid_of('BEGIN GTID 0-20105-17728 cid=312') == (0, 20105, 17728)
    assert be.gtid_of('XA START X') is None
    assert be.listed_sequence('[0-1-500,0-20105-17728,1-20105-3]', OWN) == 17728
    assert be.listed_sequence('[]', OWN) == 0


def test_heartbeats_since_the_mark_are_bookkeeping_even_among_replicated_writes():
    server = two_files(replicated(4), heartbeat(5), replicated(6), heartbeat(7), replicated(8))
    assert scan(server, OWN, 3, 7) == (be.BOOKKEEPING, '')
    # the scan starts at the file whose Gtid_list is at the mark: the first file is not read past its head
    reads = [params for sql, params in server.statements if params and params[0].endswith('000001')]
    assert all(params[2] == 3 for params in reads), reads


def test_a_write_of_its_own_on_an_application_table_is_named_with_its_gtid():
    server = two_files(heartbeat(4), replicated(5), own_insert(6), heartbeat(7))
    assert scan(server, OWN, 3, 7) == (be.WRITE, 'GTID 0-20105-6: writes d2_app.items')


def test_a_table_named_like_rds_outside_the_mysql_schema_is_an_own_write():
    for table in ('app.rds_heartbeat2', 'mysql.user', 'mysql.rds_x.y'):
        kind, detail = scan(two_files(own_insert(4, table)), OWN, 3, 4)
        assert kind == be.WRITE and table in detail, (table, detail)


def test_ddl_account_changes_and_statements_are_own_writes():
    ddl = [('Gtid', OWN, 'GTID 0-%d-4' % OWN), ('Query', OWN, 'CREATE TABLE d2_app.extra (id INT)')]
    account = [('Gtid', OWN, 'GTID 0-%d-4' % OWN), ('Query', OWN, "CREATE USER 'x'@'%' IDENTIFIED BY PASSWORD '*'")]
    statement = [('Gtid', OWN, 'BEGIN GTID 0-%d-4' % OWN), ('Query', OWN, 'UPDATE mysql.rds_heartbeat2 SET value = 1'),
                 ('Query', OWN, 'COMMIT')]
    for transaction, word in ((ddl, 'CREATE TABLE'), (account, 'CREATE USER'), (statement, 'UPDATE')):
        kind, detail = scan(two_files(transaction), OWN, 3, 4)
        assert kind == be.WRITE and detail.startswith('GTID 0-20105-4: Query ') and word in detail, detail


def test_a_heartbeat_mixed_with_an_application_row_is_an_own_write():
    mixed = heartbeat(4)[:4] + [('Table_map', OWN, 'table_id: 40 (d2_app.items)'),
                                ('Write_rows_v1', OWN, 'table_id: 40 flags: STMT_END_F'), ('Xid', OWN, 'COMMIT /* xid=9 */')]
    assert scan(two_files(mixed), OWN, 3, 4)[0] == be.WRITE


def test_an_incomplete_transaction_or_a_gtid_form_not_understood_is_an_own_write():
    assert scan(two_files(heartbeat(4)[:3]), OWN, 3, 4)[0] == be.WRITE
    xa = [('Gtid', OWN, 'XA START X'), ('Table_map', OWN, 'table_id: 25 (mysql.rds_heartbeat2)')]
    assert scan(two_files(xa, heartbeat(4)), OWN, 3, 4)[0] == be.WRITE


def test_own_writes_before_the_mark_or_after_the_state_read_do_not_count():
    server = two_files(own_insert(4), heartbeat(5), own_insert(6))
    assert scan(server, OWN, 4, 5) == (be.BOOKKEEPING, '')


def test_purged_or_unreadable_binlogs_and_the_bound_say_so():
    # the only file left starts after own sequence 3: what came between the mark (1) and it is gone
    purged = Server({'b.000002': binlog_file('b.000002', '[0-%d-3]' % OWN, heartbeat(4))})
    kind, detail = scan(purged, OWN, 1, 4)
    assert kind == be.UNREAD and 'purged' in detail
    server = two_files(heartbeat(4))
    server.fail = 'mysql-bin-changelog.000002'
    kind, detail = scan(server, OWN, 3, 4)
    assert kind == be.UNREAD and 'Could not find target log' in detail
    many = two_files(*[heartbeat(seq) for seq in range(4, 40)])
    kind, detail = scan(many, OWN, 3, 39, max_events=50)
    assert kind == be.UNREAD and 'bound' in detail
    ticks = iter(range(100))
    kind, detail = scan(many, OWN, 3, 39, clock=lambda: next(ticks) * 60.0)
    assert kind == be.UNREAD and 'bound' in detail
    assert scan(two_files(heartbeat(4)), OWN, 3, 9)[0] == be.UNREAD  # sequence 9 not found


def test_reading_goes_on_in_chunks_from_the_last_event_s_end(monkeypatch):
    monkeypatch.setattr(be, 'CHUNK', 4)
    server = two_files(*[heartbeat(seq) for seq in range(4, 12)])
    server.state = '0-1-2,0-%d-3,1-%d-11' % (OWN, OWN)  # two domains of its own: no skipping
    server.files['mysql-bin-changelog.000002'][1]['Info'] = '[0-1-2,0-%d-3,1-%d-1]' % (OWN, OWN)
    assert scan(server, OWN, 3, 11) == (be.BOOKKEEPING, '')
    reads = [params for sql, params in server.statements if sql == be.LIST_EVENTS and params[0].endswith('000002')]
    assert [params[1] for params in reads[:3]] == [4, 4, 164], reads
    assert not [sql for sql, params in server.statements if sql == be.SKIP_EVENTS]


def test_the_server_skips_the_events_before_the_mark_itself(monkeypatch):
    monkeypatch.setattr(be, 'SKIP_FIRST', 16)
    monkeypatch.setattr(be, 'SKIP_LOOK', 4)
    before = [replicated(seq) if seq % 2 else heartbeat(seq) for seq in range(4, 60)]
    after = [replicated(60), own_insert(61), heartbeat(62)]
    server = two_files(*(before + after))
    assert scan(server, OWN, 59, 62) == (be.WRITE, 'GTID 0-20105-61: writes d2_app.items')
    reads = [params for sql, params in server.statements if sql == be.LIST_EVENTS and params[2] != 3]  # not a head
    skipped = [row for row in server.files['mysql-bin-changelog.000002'] if row['Pos'] < reads[0][1]]
    assert len(skipped) > 200, reads  # of the 283 events before the mark
    # the transactions before the mark are not read: an own write there (sequence <= 59) would not count anyway
    assert scan(two_files(*(before + after[:1] + [heartbeat(61)])), OWN, 59, 61) == (be.BOOKKEEPING, '')


def test_skipping_never_passes_an_own_transaction_after_the_mark(monkeypatch):
    monkeypatch.setattr(be, 'SKIP_FIRST', 8)
    monkeypatch.setattr(be, 'SKIP_LOOK', 2)
    for at in range(4, 40):
        transactions = [replicated(seq) if seq != at else own_insert(seq) for seq in range(4, 40)]
        kind, detail = scan(two_files(*transactions), OWN, at - 1, at)
        assert (kind, detail) == (be.WRITE, 'GTID 0-20105-%d: writes d2_app.items' % at), at
