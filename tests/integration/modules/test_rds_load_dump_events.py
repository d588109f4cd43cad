"""rds_load_dump events=disable_on_replica on the lab: an event of onprem_source (writing every second)
copied to rds_target (emulated RDS, event scheduler on) is there disabled for a replica (keeps its
definition, does not run); a disabled event stays disabled; events=keep copies them as they are.
"""
import time

import pytest

from module_runner import login, run_module, sql

SOURCE, TARGET = 'onprem_source', 'rds_target'
DB = 'evcopy'


def drop(lab, name):
    root = lab.connect(name, root=True)
    try:
        sql(root, 'SET SESSION sql_log_bin = 0')
        sql(root, 'DROP DATABASE IF EXISTS %s' % DB)
    finally:
        root.close()


@pytest.fixture(scope='module')
def env(lab):
    drop(lab, TARGET)
    source = lab.connect(SOURCE)
    sql(source, 'DROP DATABASE IF EXISTS %s' % DB)
    sql(source, 'CREATE DATABASE %s' % DB)
    sql(source, 'CREATE TABLE %s.ticks (id INT AUTO_INCREMENT PRIMARY KEY, at TIMESTAMP(6) DEFAULT NOW(6))' % DB)
    # enabled on the source only while a test copies it
    sql(source, 'CREATE EVENT %s.tick ON SCHEDULE EVERY 1 SECOND DISABLE DO INSERT INTO %s.ticks () VALUES ()' % (DB, DB))
    sql(source, 'CREATE EVENT %s.hourly ON SCHEDULE EVERY 1 HOUR DISABLE DO DELETE FROM %s.ticks' % (DB, DB))
    yield dict(source=source, source_login=login(lab, SOURCE))
    sql(source, 'DROP DATABASE IF EXISTS %s' % DB)
    source.close()
    drop(lab, TARGET)


def events(conn):
    return dict((row['name'], row['status']) for row in sql(
        conn, 'SELECT EVENT_NAME AS name, STATUS AS status FROM information_schema.EVENTS WHERE EVENT_SCHEMA = %s', [DB]))


def test_enabled_events_are_created_disabled_for_a_replica(lab, env):
    sql(env['source'], 'ALTER EVENT %s.tick ENABLE' % DB)  # enabled at the dump, as in production
    try:
        run = run_module('rds_load_dump', dict(login(lab, TARGET), source_login=env['source_login'], databases=[DB],
                                               read_coordinates=False, events='disable_on_replica'))
    finally:
        sql(env['source'], 'ALTER EVENT %s.tick DISABLE' % DB)
    assert not run.failed, run
    assert run.result['events_disabled'] == ['%s.tick' % DB], run
    target = lab.connect(TARGET)
    try:
        assert events(target) == dict(tick='SLAVESIDE_DISABLED', hourly='DISABLED')
        assert sql(target, 'SELECT @@GLOBAL.event_scheduler AS s')[0]['s'] == 'ON'
        before = sql(target, 'SELECT COUNT(*) AS n FROM %s.ticks' % DB)[0]['n']
        time.sleep(2.5)
        assert sql(target, 'SELECT COUNT(*) AS n FROM %s.ticks' % DB)[0]['n'] == before  # it does not run there
        definition = sql(target, 'SHOW CREATE EVENT %s.tick' % DB)[0]['Create Event']
        assert 'EVERY 1 SECOND' in definition and 'INSERT INTO' in definition.upper()
    finally:
        target.close()


def test_keep_copies_the_events_as_they_are(lab, env):
    run = run_module('rds_load_dump', dict(login(lab, TARGET), source_login=env['source_login'], databases=[DB],
                                           read_coordinates=False, overwrite=True, drop_databases=True))
    assert not run.failed, run
    assert run.result['events_disabled'] == []
    target = lab.connect(TARGET)
    try:
        assert events(target) == dict(tick='DISABLED', hourly='DISABLED')
    finally:
        target.close()
