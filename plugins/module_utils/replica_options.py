# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What rds_external_master and mysql_replica_config share: the source_* options, their checks,
the starting point (coordinates) and the run around each module's plan (statements recorded with
secrets masked, check mode, the watch after a start, the wait, the diff)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.mysql_rds.replication.plugins.module_utils.connection import (
    CHANGE_TIMEOUT, connect, connection_argument_spec, run)
from ansible_collections.mysql_rds.replication.plugins.module_utils.errors import SqlError
from ansible_collections.mysql_rds.replication.plugins.module_utils.masking import guard_output, render_query, unexpected
from ansible_collections.mysql_rds.replication.plugins.module_utils.replication_status import (
    ReplicationWaitError, broken, check_started, lag, wait_until_caught_up)

COLLECTION = 'mysql_rds.replication'
REMOVED_IN = '0.3.0'

MUTUALLY_EXCLUSIVE = [
    ['source_gtid', 'source_log_file'], ['source_gtid', 'source_log_pos'],
    ['source_auto_position', 'source_log_file'], ['source_auto_position', 'source_gtid'],
    ['source_coordinates', 'source_log_file'], ['source_coordinates', 'source_log_pos'],
    ['source_coordinates', 'source_gtid'],
]


def deprecated_alias(name):
    return dict(name=name, version=REMOVED_IN, collection_name=COLLECTION)


def source_argument_spec():
    """Connection options plus the state/source_*/wait options both replica modules take."""
    spec = connection_argument_spec()
    spec.update(
        state=dict(type='str', default='started', choices=['present', 'started', 'stopped', 'absent']),
        source_host=dict(type='str'),
        source_port=dict(type='int', default=3306),
        source_user=dict(type='str'),
        source_password=dict(type='str', no_log=True),
        source_log_file=dict(type='str'),
        source_log_pos=dict(type='int'),
        source_gtid=dict(type='str'),
        source_auto_position=dict(type='bool', default=False),
        source_coordinates=dict(type='dict', options=dict(
            file=dict(type='str'), position=dict(type='int'), gtid=dict(type='str'))),
        source_use_gtid=dict(type='bool', default=False),
        source_ssl=dict(type='bool', default=True, aliases=['ssl'], deprecated_aliases=[deprecated_alias('ssl')]),
        delay=dict(type='int'),
        force=dict(type='bool', default=False),
        wait=dict(type='bool', default=False),
        wait_timeout=dict(type='int', default=600),
        max_lag=dict(type='int', default=0),
    )
    return spec


def given_coordinates(params):
    """source_coordinates when it says something (a file or a GTID), else None."""
    coords = params.get('source_coordinates') or {}
    if coords.get('file') or coords.get('gtid') or coords.get('position') is not None:
        return coords
    return None


def coordinate_problems(params):
    problems = []
    if bool(params.get('source_log_file')) != (params.get('source_log_pos') is not None):
        problems.append('source_log_file and source_log_pos go together: give both (from the source\'s binlog '
                        'position or the dump header) or neither.')
    if params.get('source_log_pos') is not None and params['source_log_pos'] < 4:
        problems.append('source_log_pos must be 4 or more (a binlog starts at 4).')
    coords = given_coordinates(params)
    if params.get('source_use_gtid') and coords is None:
        problems.append('source_use_gtid=true takes the GTID of source_coordinates: give source_coordinates '
                        '(file, position, gtid), or source_gtid / source_auto_position.')
    if coords is not None:
        if params.get('source_auto_position'):
            problems.append('source_coordinates with source_auto_position: use source_use_gtid=true instead '
                            '(auto-position on MySQL, the GTID on MariaDB).')
        if not params.get('source_use_gtid'):
            if not coords.get('file') or coords.get('position') is None:
                problems.append('source_coordinates needs file and position (or source_use_gtid=true and its gtid).')
            elif coords['position'] < 4:
                problems.append('source_coordinates.position must be 4 or more (a binlog starts at 4).')
    return problems


def required_problems(params):
    problems = []
    state = params['state']
    if state == 'present':
        for name in ('source_host', 'source_user'):
            if not params.get(name):
                problems.append('%s is required with state=present.' % name)
    elif state in ('started', 'stopped'):
        if bool(params.get('source_host')) != bool(params.get('source_user')):
            problems.append('source_host and source_user go together: give both to (re)configure the source, '
                            'or neither for state=%s to act on the configured source.' % state)
        elif not params.get('source_host') and has_start_point(params):
            problems.append('a starting point (source_coordinates, source_log_file/source_log_pos, source_gtid, '
                            'source_auto_position) needs source_host and source_user: it is used when the source '
                            'is (re)configured.')
    return problems


def limit_problems(params):
    problems = []
    if params.get('delay') is not None and not 0 <= params['delay'] <= 86400:
        problems.append('delay must be between 0 and 86400 seconds.')
    if params.get('max_lag') is not None and params['max_lag'] < 0:
        problems.append('max_lag must be 0 or more.')
    return problems


def has_start_point(params):
    return bool(params.get('source_log_file') or params.get('source_gtid') or params.get('source_auto_position')
                or given_coordinates(params) is not None)


def resolve_start_point(dialect, params):
    """``params`` with source_coordinates (+ source_use_gtid) turned into the flat options the plans
    use: source_log_file/source_log_pos, or the GTID (source_gtid on MariaDB, source_auto_position on
    MySQL). Raises ValueError naming the fix."""
    coords = given_coordinates(params)
    if coords is None:
        return params
    flat = dict(params)
    if params.get('source_use_gtid'):
        if dialect.is_mariadb:
            if not coords.get('gtid'):
                raise ValueError('source_use_gtid=true on %s starts from source_coordinates.gtid, which is empty: '
                                 'give the GTID, or source_use_gtid=false to start from file/position.' % dialect.name)
            flat['source_gtid'] = coords['gtid']
        else:
            flat['source_auto_position'] = True
    else:
        flat.update(source_log_file=coords['file'], source_log_pos=int(coords['position']))
    return flat


def no_source_message(state):
    """state=started/stopped without source_host on a replica that has no source."""
    if state == 'started':
        return ('state=started without source_host acts on the configured source, but no source is configured: '
                'give source_host, source_user, source_password and a starting point.')
    return ('state=stopped without source_host acts on the configured source, but no source is configured '
            '(nothing to stop): give source_host and source_user to configure one stopped, or use state=absent.')


def fully_running(status):
    """Both threads up (an IO thread still connecting counts, unless it keeps failing on an error that
    its retries cannot fix, such as a refused login: a restart then retries at once, with what was
    fixed since, and reports the error if it is still there)."""
    if status.get('io_running') == 'Connecting' and broken(status):
        return False
    return status.get('io_running') in ('Yes', 'Connecting') and status.get('sql_running') == 'Yes'


def fail_on_problems(module, validate):
    """Fail with every problem ``validate`` finds before the server is touched."""
    problems = validate(module.params)
    if problems:
        module.fail_json(msg=' '.join(problems))


class ReplicaRun(object):
    """One run of a replica module: runs statements (not in check mode) and records them, masked,
    as ``queries`` of the result (and under each of ``also``); fails and exits with what was done."""

    def __init__(self, module, also=()):
        self.module = module
        self.keys = ['queries'] + list(also)
        # every output masks the no_log values (source_password, login_password), whatever echoed them
        self.secrets = guard_output(module, module.params.get('source_password'), module.params.get('login_password'))
        self.records = []
        self.dialect = None
        self.conn = connect(module, read_timeout=CHANGE_TIMEOUT, write_timeout=CHANGE_TIMEOUT)
        self.cursor = self.conn.cursor()

    def _records(self):
        return dict((key, list(self.records)) for key in self.keys)

    def execute(self, sql, sql_params=None):
        if not self.module.check_mode:
            run(self.cursor, sql, sql_params, secrets=self.secrets)
        self.records.append(render_query(sql, sql_params, self.secrets))

    def fail(self, msg, **extra):
        extra.update(self._records())
        self.module.fail_json(msg=msg, changed=bool(self.records) and not self.module.check_mode, **extra)

    def fail_on(self, exc):
        """Fail with a server or wait error, as the module reports it."""
        if isinstance(exc, SqlError):
            self.fail(exc.message, errno=exc.errno, dialect=self.dialect.describe() if self.dialect else None)
        elif isinstance(exc, ReplicationWaitError):
            self.fail(str(exc), status=exc.status)
        self.fail(unexpected(exc), dialect=self.dialect.describe() if self.dialect else None)

    def settle(self, read, started, end_state):
        """Status after the statements: watched for a few seconds after a start, then waited for with wait=true."""
        status = check_started(read) if started else read()
        if self.module.params['wait'] and end_state == 'running':
            status = wait_until_caught_up(read, self.module.params['wait_timeout'], self.module.params['max_lag'])
        return status

    def close(self):
        self.conn.close()

    def exit(self, status, before, after):
        result = dict(changed=bool(self.records), status=status, before=before, after=after, lag=lag(status),
                      dialect=self.dialect.describe(), diff=dict(before=before, after=after))
        result.update(self._records())
        self.module.exit_json(**result)
