# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The settings of the change-source statement mysql_replica_config sends (keys of
Dialect.change_statement()), from its options and what the replica's status reports."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.mysql_rds.replication.plugins.module_utils.dialect import MARIADB_GTID_MODES

# (option, change_statement key, normalized status key) of the channel's TLS files
TLS_FILES = (('source_ssl_ca', 'ssl_ca', 'ssl_ca_file'), ('source_ssl_cert', 'ssl_cert', 'ssl_cert_file'),
             ('source_ssl_key', 'ssl_key', 'ssl_key_file'))


def gtid_mode(params):
    """Wanted MariaDB MASTER_USE_GTID (None when not expressed)."""
    gtid = params.get('source_gtid')
    if gtid:
        return gtid.lower() if gtid.lower() in MARIADB_GTID_MODES else 'slave_pos'
    if params.get('source_log_file'):
        return 'no'
    return None


def verify_cert_wanted(params):
    if params.get('source_ssl_verify_server_cert') is not None:
        return params['source_ssl_verify_server_cert']
    return bool(params.get('source_ssl_ca'))


def identity_differs(status, params):
    """New source (host/port/user): coordinates and password must be sent again."""
    return (not status.get('configured') or status['source_host'] != params['source_host']
            or status['source_port'] != params['source_port'] or status['source_user'] != params['source_user'])


def setting_changes(dialect, status, params):
    """Settings (change_statement keys) that differ from what the server reports."""
    changes = {}
    wanted = [
        ('ssl', int(params['source_ssl']), int(status.get('ssl_allowed', False))),
        ('ssl_verify_server_cert', int(verify_cert_wanted(params)), int(status.get('ssl_verify_server_cert', False))),
    ]
    for option, key, column in TLS_FILES:
        if params.get(option) is not None:
            wanted.append((key, params[option], status.get(column, '')))
    if params.get('connect_retry') is not None:
        wanted.append(('connect_retry', params['connect_retry'], status.get('connect_retry')))
    if params.get('delay') is not None:
        wanted.append(('delay', params['delay'], status.get('sql_delay') or 0))
    if dialect.is_mariadb:
        mode = gtid_mode(params)
        if mode is not None:
            wanted.append(('use_gtid', mode, status.get('using_gtid', 'no')))
    elif params['source_auto_position'] or params.get('source_log_file'):
        wanted.append(('auto_position', int(params['source_auto_position']), int(status.get('auto_position', False))))
    for key, want, have in wanted:
        if want != have:
            changes[key] = want
    return changes


def full_settings(dialect, params):
    """Everything to send when the source is new/changed/forced."""
    settings = dict(host=params['source_host'], port=params['source_port'], user=params['source_user'],
                    password=params.get('source_password') or '', ssl=int(params['source_ssl']),
                    ssl_verify_server_cert=int(verify_cert_wanted(params)),
                    connect_retry=params.get('connect_retry'), heartbeat_period=params.get('heartbeat_period'),
                    delay=params.get('delay'))
    for option, key, _column in TLS_FILES:
        settings[key] = params.get(option)
    if params.get('source_log_file'):
        settings.update(log_file=params['source_log_file'], log_pos=params['source_log_pos'])
    if dialect.is_mariadb:
        settings['use_gtid'] = gtid_mode(params)
    elif params['source_auto_position']:
        settings['auto_position'] = 1
    return settings
