"""rds_load_dump with big rows (rows of 1, 16 and 64 MiB): to an RDS target whose
parameter group allows them (root raises the emulated instance's max_allowed_packet, as the group
would), to a self-managed replica (the module raises it for the load and puts it back), and the
preflight refusal of an RDS target whose limit is too small (before anything changes).

onprem_source holds a fresh schema `bigrows`; the lab's servers run with max_allowed_packet 16 MiB,
which each test sets back.
"""
import pytest

from module_runner import login, run_module, sql

SOURCE, TARGET, REPLICA = 'onprem_source', 'rds_target', 'onprem_replica'
DB = 'bigrows'
MIB = 1024 * 1024
SIZES = [1, 16, 64]


def packet(root, value=None):
    if value is not None:
        sql(root, 'SET GLOBAL max_allowed_packet = %d' % value)
    return int(sql(root, 'SELECT @@GLOBAL.max_allowed_packet AS v')[0]['v'])


def bodies(conn):
    return sql(conn, 'SELECT id, LENGTH(body) AS n, MD5(body) AS md5 FROM %s.b ORDER BY id' % DB)


def drop(lab, name):
    root = lab.connect(name, root=True)
    try:
        sql(root, 'SET SESSION sql_log_bin = 0')
        sql(root, 'DROP DATABASE IF EXISTS %s' % DB)
    finally:
        root.close()


@pytest.fixture(scope='module')
def env(lab):
    root = lab.connect(SOURCE, root=True)
    original = packet(root)
    packet(root, max(SIZES) * 2 * MIB + 64 * MIB)
    try:
        conn = lab.connect(SOURCE)  # a new session sees the new limit
        sql(conn, 'DROP DATABASE IF EXISTS %s' % DB)
        sql(conn, 'CREATE DATABASE %s' % DB)
        sql(conn, 'CREATE TABLE %s.b (id INT PRIMARY KEY, body LONGBLOB, note VARCHAR(20))' % DB)
        sql(conn, 'CREATE TABLE %s.small (id INT PRIMARY KEY, v TEXT)' % DB)
        sql(conn, "INSERT INTO %s.small VALUES (1, 'x')" % DB)
        for size in SIZES:
            sql(conn, "INSERT INTO %s.b VALUES (%d, REPEAT(0x61C2, %d), 'r')" % (DB, size, size * MIB // 2))
        expected = bodies(conn)
        conn.close()
    finally:
        packet(root, original)
    assert [row['n'] for row in expected] == [size * MIB for size in SIZES]
    for name in (TARGET, REPLICA):
        drop(lab, name)
    yield dict(expected=expected, original=original, source_login=login(lab, SOURCE))
    for name in (TARGET, REPLICA, SOURCE):
        drop(lab, name)
    root.close()


def copy(lab, env, name, **extra):
    args = dict(login(lab, name), source_login=env['source_login'], databases=[DB], read_coordinates=False)
    args.update(extra)
    return run_module('rds_load_dump', args)


def test_an_rds_target_whose_limit_is_too_small_is_refused_before_anything_changes(lab, env):
    root = lab.connect(TARGET, root=True)
    original = packet(root)
    packet(root, 4 * MIB)
    try:
        run = copy(lab, env, TARGET)
    finally:
        packet(root, original)
        root.close()
    assert run.failed and not run.changed, run
    msg = run.result['msg']
    assert "parameter group" in msg and 'max_allowed_packet to %d' % ((2 * max(SIZES) + 1) * MIB) in msg, msg
    assert '%s.b holds a row of %d bytes' % (DB, max(SIZES) * MIB) in msg, msg
    assert run.result['max_allowed_packet']['target'] == 4 * MIB
    target = lab.connect(TARGET, root=True)
    try:
        assert not sql(target, 'SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s', [DB])
    finally:
        target.close()


def test_big_rows_copy_to_an_rds_target_whose_parameter_group_allows_them(lab, env):
    root = lab.connect(TARGET, root=True)
    original = packet(root)
    packet(root, (2 * max(SIZES) + 2) * MIB)  # the parameter group's value
    try:
        run = copy(lab, env, TARGET)
    finally:
        packet(root, original)
        root.close()
    assert not run.failed, run
    assert run.result['load_settings'] == [] and run.result['max_allowed_packet']['largest_row'] == max(SIZES) * MIB
    target = lab.connect(TARGET)
    try:
        assert bodies(target) == env['expected']
    finally:
        target.close()


def test_big_rows_copy_to_a_self_managed_replica_which_gets_the_limit_for_the_load_only(lab, env):
    root = lab.connect(REPLICA, root=True)
    try:
        before = packet(root)
        run = copy(lab, env, REPLICA)
        assert not run.failed, run
        needed = (2 * max(SIZES) + 1) * MIB
        assert run.result['load_settings'] == [dict(name='max_allowed_packet', old=before, new=needed)], run
        assert 'SET GLOBAL max_allowed_packet = %d' % needed in run.result['queries']
        assert packet(root) == before
        replica = lab.connect(REPLICA)
        try:
            assert bodies(replica) == env['expected']
        finally:
            replica.close()
    finally:
        root.close()
