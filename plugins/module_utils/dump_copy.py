# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The copy of rds_load_dump: ``dump | filter | load`` in one lock-free stream, or, with several
streams, schemas (plain secondary keys left out) | data streams (parallel_copy.py) | keys | triggers.
:class:`Copy` runs the steps and keeps what they did (bytes, DEFINER clauses changed, statements
dropped, coordinates, commands); :func:`copy` picks the way. Errors come back as
:class:`CopyFailed`, so that the caller can put the target's settings back before it fails."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re
import shlex
import signal
import threading
from contextlib import contextmanager

from ansible_collections.mysql_rds.replication.plugins.module_utils.client_options import SHOWN, shown
from ansible_collections.mysql_rds.replication.plugins.module_utils.copy_progress import Progress
from ansible_collections.mysql_rds.replication.plugins.module_utils.connection import SqlError, connect, run
from ansible_collections.mysql_rds.replication.plugins.module_utils.dialect import detect
from ansible_collections.mysql_rds.replication.plugins.module_utils.dump_dialect import COORDINATE_OPTIONS
from ansible_collections.mysql_rds.replication.plugins.module_utils.dump_filter import DumpFilter, filter_stream
from ansible_collections.mysql_rds.replication.plugins.module_utils.masking import mask_text
from ansible_collections.mysql_rds.replication.plugins.module_utils.parallel_copy import (
    SnapshotOpenTimeout, Stream, bounds, earliest, ignore_options, integer_keys, integer_keys_sql, lock_statement,
    part_paths, plan, quote, run_streams, tables_sql, where)
from ansible_collections.mysql_rds.replication.plugins.module_utils.stream_pipe import feed, stream_between

LOAD_HINT = ('error 1419/1227 on a routine or trigger: set log_bin_trust_function_creators=1 in the '
             "RDS instance's parameter group; error 1045/2026: check the logins and ca_cert; error 1153/2006/2013 "
             "on a big row: raise max_allowed_packet on the target (RDS: in its parameter group).")
LINE_MAX = 300     # characters of one line of a client's error output in a message
MESSAGE_MAX = 2000  # characters of the error output of a failed stream, in all
_AT_LINE_RE = re.compile(r'\bat line (\d+)')
DUMP_BASE = ['--hex-blob', '--quick']
# --single-transaction: no LOCK TABLES, so an open write transaction on the source never blocks
# the schema and trigger steps (nor do they make writes wait).
SCHEMA_STEP = ['--single-transaction', '--no-data', '--skip-triggers', '--routines', '--events']
TRIGGER_STEP = ['--single-transaction', '--no-data', '--no-create-info', '--no-create-db', '--triggers']


def one_stream_options(read_coordinates=True):
    """Everything in one stream (with the snapshot's coordinates unless ``read_coordinates`` is false)."""
    return ['--single-transaction'] + (COORDINATE_OPTIONS if read_coordinates else []) + [
        '--routines', '--triggers', '--events']


def data_step_options(read_coordinates=True):
    return ['--single-transaction'] + (COORDINATE_OPTIONS if read_coordinates else []) + [
        '--no-create-info', '--no-create-db', '--skip-triggers']


def _command_text(command):
    return ' '.join(arg if arg == SHOWN else shlex.quote(arg) for arg in shown(command))


def pipeline(dump_cmd, load_cmd, direct=False):
    """How a dump | filter | load (``direct``: dump | load, the rows straight through) is reported
    (option files hidden, arguments quoted as for a shell)."""
    return '%s | %s%s' % (_command_text(dump_cmd), '' if direct else 'dump_filter | ', _command_text(load_cmd))


class CopyFailed(Exception):
    """The copy failed; ``result`` is for fail_json, once the target's settings are put back."""

    def __init__(self, msg, **result):
        super(CopyFailed, self).__init__(msg)
        self.result = dict(result, msg=msg)


class Interrupted(BaseException):
    """SIGTERM or SIGINT arrived during the copy (a BaseException: no `except Exception` swallows it)."""


@contextmanager
def interruptible():
    """While the block runs, SIGTERM and SIGINT raise Interrupted in the main thread, so that every
    finally runs (clients ended, the target's settings put back) before the module fails; signals
    after the first are ignored until the block ends, so that nothing interrupts the putting back."""
    def handler(signum, _frame):
        for each in previous:
            signal.signal(each, signal.SIG_IGN)
        raise Interrupted('interrupted by signal %d' % signum)
    previous = dict((signum, signal.signal(signum, handler)) for signum in (signal.SIGTERM, signal.SIGINT))
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


def excerpt(text, secrets, limit=MESSAGE_MAX):
    """A client's error output for a message: secrets masked, each line cut to LINE_MAX characters,
    ``limit`` in all (a failing statement's row data never fills a message or a log)."""
    lines = [line if len(line) <= LINE_MAX else line[:LINE_MAX] + '...[cut]'
             for line in mask_text(text or '', secrets).splitlines() if line.strip()]
    text = ' | '.join(lines)
    return text if len(text) <= limit else text[:limit] + '...[cut]'


def without_echo(text):
    """The loader's error output without the statement it echoes between lines of dashes (row data)."""
    kept, inside = [], False
    for line in (text or '').splitlines():
        if line.strip() and not line.strip('-'):
            inside = not inside
        elif not inside:
            kept.append(line)
    return '\n'.join(kept)


def fail_stream(step, result, secrets, dump_filter=None):
    """Raise CopyFailed for a stream that failed: both exit codes, the head of the statement the
    loader refused (from the filter's memory of what it wrote) and the clients' errors, cut."""
    where = ''
    match = _AT_LINE_RE.search(result.consumer_stderr or '')
    if dump_filter is not None and match:
        head = dump_filter.statement_at(int(match.group(1)))
        if head:
            where = ' at line %s (%s)' % (match.group(1), excerpt(head, secrets, 120))
    raise CopyFailed(
        '%s: dump | %sload failed%s (dump exit %s, load exit %s): %s'
        % (step, 'filter | ' if dump_filter is not None else '', where, result.producer_rc, result.consumer_rc,
           excerpt('%s\n%s' % (result.producer_stderr, without_echo(result.consumer_stderr)), secrets)),
        hint=LOAD_HINT)


def load(dump_cmd, load_cmd, dump_filter, secrets, keep_path=None, step='copy', meter=None):
    """One dump | filter | load; returns the bytes loaded or raises CopyFailed."""
    result = stream_between(dump_cmd, load_cmd, lambda source, sink: filter_stream(source, sink, dump_filter),
                            keep_path=keep_path, meter=meter)
    if result.producer_rc != 0 or result.consumer_rc != 0:
        fail_stream(step, result, secrets, dump_filter)
    return result.written


class Copy(object):
    """What one run loaded: bytes, DEFINER clauses changed, statements dropped, coordinates."""

    def __init__(self, module, dump, load_cmd, secrets, definer_user, read_coordinates=True, event_clause=None):
        self.module = module
        self.dump = dump            # [dump_command, --defaults-extra-file=..., extra_dump_options...]
        self.definer_user = definer_user
        self.load_cmd = load_cmd    # [client_command, --defaults-extra-file=..., ...]
        self.secrets = secrets
        self.read_coordinates = read_coordinates
        self.event_clause = event_clause  # events created disabled on a replica with it (None: as they are)
        self.events_disabled = []
        self.written = 0
        self.definers = 0
        self.dropped = []
        self.coordinates = None
        self.streams = 1
        self.lock_seconds = 0.0
        self.started = False        # a load ran (the target may have changed)
        self.commands = []          # every dump command run, logins hidden
        self.queries = []           # every pipeline and source statement run, in order
        self.progress = Progress()  # the module replaces it with one that writes its file

    def shown(self, command, load_cmd=None, direct=False):
        """Record ``command`` (and its pipeline); returns it."""
        self.commands.append(shown(command))
        self.queries.append(mask_text(pipeline(command, load_cmd or self.load_cmd, direct), self.secrets))
        return command

    def statement(self, cursor, sql):
        self.queries.append(sql)
        return run(cursor, sql)

    def new_filter(self, defer_keys=False):
        return DumpFilter(self.module.params['definer'], self.definer_user, self.event_clause, defer_keys)

    def count(self, dump_filter, written):
        self.written += written
        self.definers += dump_filter.definers
        self.dropped.extend(dump_filter.dropped)
        self.events_disabled.extend(dump_filter.events_disabled)

    def one_stream_command(self, databases, drop_options):
        return self.dump + one_stream_options(self.read_coordinates) + DUMP_BASE + drop_options + ['--databases'] + databases

    def one_stream(self, databases, drop_options):
        """Everything in one lock-free stream; its snapshot gives the coordinates."""
        dump_filter = self.step('copy', self.one_stream_command(databases, drop_options), self.module.params['dump_path'])
        self.coordinates = dump_filter.coordinates

    def step(self, name, command, keep_path, defer_keys=False):
        """One dump | filter | load of ``command``; returns its filter."""
        dump_filter = self.new_filter(defer_keys)
        self.started = True
        written = load(self.shown(command), self.load_cmd, dump_filter, self.secrets, keep_path=keep_path, step=name,
                       meter=self.progress.meter(name))
        self.count(dump_filter, written)
        return dump_filter

    def data_streams(self, lock_cursor, tables, databases, keep_paths, chunked, groups):
        """Copy the rows: a stream per group of whole tables and one per key range of a chunked table
        [(db, tbl, column, [(start, end)])]; every snapshot opens while ``lock_cursor`` holds the lock."""
        options = self.dump + DUMP_BASE + data_step_options(self.read_coordinates)
        commands = [(options + ['--databases'] + databases + ignore_options(tables, group), self.load_cmd)
                    for group in groups]
        for db, tbl, column, ranges in chunked:
            # --skip-add-locks: the ranges of one table load side by side; the loader's default database is db
            for start, end in ranges:
                commands.append((options + ['--skip-add-locks', '--where=%s' % where(column, start, end), db, tbl],
                                 self.load_cmd + [db]))
        # the rows need no filtering (no DDL, DEFINER or SUPER statement in a data step): straight through
        streams = [Stream('data stream %d' % (index + 1), self.shown(dump_cmd, load_cmd, direct=True), load_cmd,
                          self.new_filter(), keep_paths.get('data-%d' % (index + 1)), direct=True)
                   for index, (dump_cmd, load_cmd) in enumerate(commands)]
        self.progress.watch(streams)

        def release():
            try:
                self.statement(lock_cursor, 'UNLOCK TABLES')
            except SqlError:
                lock_cursor.connection.close()  # a closed session holds no lock either

        self.started = True
        try:
            self.lock_seconds = run_streams(streams, release=release)
        except SnapshotOpenTimeout as exc:
            raise CopyFailed('%s: the copy was stopped before its rows were complete; run it again.' % exc)
        for stream in streams:
            if stream.error is not None:
                raise CopyFailed('%s: cannot run the clients: %s' % (stream.name, mask_text(stream.error, self.secrets)))
            if stream.result.producer_rc != 0 or stream.result.consumer_rc != 0:
                fail_stream(stream.name, stream.result, self.secrets, None if stream.direct else stream.dump_filter)
            self.count(stream.dump_filter, stream.result.written)
        self.streams = len(streams)
        self.coordinates = earliest([stream.dump_filter.coordinates for stream in streams])

    def add_keys(self, deferred):
        """The key step: the plain secondary keys the schema step left out ([(schema, table, [clause])]),
        one ALTER TABLE per table, through the loader (its session settings, e.g. no binlog); the
        tables spread over as many loaders side by side as the copy had streams."""
        if not deferred:
            return
        statements = [add_keys_statement(schema, table, keys) for schema, table, keys in deferred]
        self.queries.extend(statement.decode('utf-8', 'replace') for statement in statements)
        loaders = max(1, min(int(self.module.params['parallel'] or 1), len(statements)))
        inputs = [b'SET NAMES utf8mb4;\n' + b''.join(statement + b';\n' for statement in statements[index::loaders])
                  for index in range(loaders)]
        self.progress.begin('adding the secondary keys of %d tables' % len(statements))
        try:
            results = side_by_side([lambda data=data: feed(self.load_cmd, data) for data in inputs])
        finally:
            self.progress.begin(None)
        for result in results:
            if result.consumer_rc != 0:
                raise CopyFailed('key step: adding the secondary keys left out of the schema step failed (load exit %s): %s; '
                                 'the tables hold their rows without those keys: run the copy again (overwrite=true).'
                                 % (result.consumer_rc, excerpt(without_echo(result.consumer_stderr), self.secrets)),
                                 hint=LOAD_HINT)

    def lock_tables(self, cursor, tables):
        """LOCK TABLES ... READ on every copied table within lock_wait_timeout; False when it ran out."""
        timeout = self.module.params['lock_wait_timeout']
        self.statement(cursor, 'SET SESSION lock_wait_timeout = %d' % max(1, timeout))
        try:
            self.statement(cursor, lock_statement(tables))
        except SqlError as exc:
            if exc.errno == 1205:
                self.module.warn('could not lock the copied tables within %ss (a long transaction writes to them): '
                                 'copying with one lock-free stream instead.' % timeout)
                return False
            raise CopyFailed('cannot lock the copied tables on the source: %s' % exc.message)
        return True


def side_by_side(calls):
    """The results of ``calls`` (functions without arguments), run in threads side by side; the
    first exception one raised is raised once all ended."""
    if len(calls) == 1:
        return [calls[0]()]
    results, errors = [None] * len(calls), []

    def work(index):
        try:
            results[index] = calls[index]()
        except Exception as exc:  # pylint: disable=broad-except
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.daemon = True
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


def add_keys_statement(schema, table, keys):
    """ALTER TABLE `schema`.`table` ADD <key>, ... (bytes; ``keys``: the clauses as the dump wrote them)."""
    name = ('%s.%s' % (quote(schema), quote(table))).encode('utf-8')
    return b'ALTER TABLE ' + name + b' ' + b', '.join(b'ADD ' + key for key in keys)


def split_work(cursor, tables, databases, streams):
    """(chunked [(db, tbl, column, ranges)], groups) for ``streams`` streams (parallel_copy.plan)."""
    keys = integer_keys(run(cursor, integer_keys_sql(databases), list(databases)))
    planned, groups = plan(tables, keys, streams)
    chunked = []
    for db, tbl, column, count in planned:
        row = run(cursor, 'SELECT MIN(%s) AS low, MAX(%s) AS high FROM %s.%s'
                  % (quote(column), quote(column), quote(db), quote(tbl)))[0]
        ranges = bounds(row['low'], row['high'], count) if row['low'] is not None else [(None, None)]
        chunked.append((db, tbl, column, ranges))
    return chunked, groups


def fill_gtid(module, copier, source_options):
    """The GTID of the data streams' earliest position: the dump writes it at the very end of a
    stream, which a direct stream never shows Python, so the source tells it (its GTID at that position)."""
    found = copier.coordinates
    if not copier.read_coordinates or not found or found.get('gtid') or not found.get('file'):
        return
    conn = connect(module, options=source_options)
    try:
        cursor = conn.cursor()
        statement = detect(cursor).gtid_at_position_statement(found['file'], found['position'])
        if statement:
            found['gtid'] = run(cursor, *statement)[0]['gtid'] or ''
    except SqlError as exc:
        module.warn('cannot read the GTID of the copy\'s binlog position on the source: %s' % exc.message)
    finally:
        conn.close()


def copy(module, copier, databases, drop_options, source_options):
    """One stream, or schemas | data streams | triggers when parallel > 1 and the source allows it
    (``source_options``: the source's common connection options)."""
    params = module.params
    if params['parallel'] > 1:
        conn = connect(module, options=source_options)
        try:
            cursor = conn.cursor()
            dialect = detect(cursor)
            tables = [(row['db'], row['tbl'], row['size'])
                      for row in run(cursor, tables_sql(databases), list(databases))]
            if copier.read_coordinates and not dialect.has_lockless_snapshot:
                module.warn('the source (%s) cannot report the binlog position of a snapshot opened by several '
                            'streams, so the copy runs in one stream.' % dialect.name)
            elif tables:
                chunked, groups = split_work(cursor, tables, databases, params['parallel'])
                if len(groups) + sum(len(ranges) for _db, _tbl, _col, ranges in chunked) > 1:
                    keep = part_paths(params['dump_path'], ['schema', 'triggers'] + [
                        'data-%d' % (index + 1) for index in range(params['parallel'])])
                    # keys after the rows, unless the steps are kept on disk (each file loads as it is)
                    schema = copier.step('schema step', copier.dump + SCHEMA_STEP + DUMP_BASE + drop_options
                                         + ['--databases'] + databases, keep['schema'], not params['dump_path'])
                    if copier.lock_tables(cursor, tables):
                        copier.data_streams(cursor, tables, databases, keep, chunked, groups)
                        fill_gtid(module, copier, source_options)
                        copier.add_keys(schema.deferred)
                        copier.step('trigger step', copier.dump + TRIGGER_STEP + DUMP_BASE + ['--databases'] + databases,
                                    keep['triggers'])
                        return
        except SqlError as exc:
            raise CopyFailed('cannot read the tables to copy on the source: %s' % exc.message)
        finally:
            conn.close()
    copier.one_stream(databases, drop_options)
