# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Option files for the command line clients (mariadb-dump, mariadb), so that no password is ever
on a command line: a ``[client]`` section written from pymysql.connect() keyword arguments, mode
0600, in a private directory the caller removes (:class:`OptionFiles`)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import shutil
import tempfile

SHOWN = '--defaults-extra-file=<tmp>'  # how a command line shows its option file


def option_lines(kwargs):
    """The lines of a [client] section for ``kwargs`` (as connection.connection_params() returns)."""
    lines = ['[client]', 'user=%s' % kwargs.get('user')]
    if kwargs.get('password'):
        lines.append('password="%s"' % kwargs['password'].replace('\\', '\\\\').replace('"', '\\"'))
    if kwargs.get('unix_socket'):
        lines.append('socket=%s' % kwargs['unix_socket'])
    else:
        lines.extend(['host=%s' % kwargs['host'], 'port=%s' % kwargs['port'], 'protocol=TCP'])
    ssl = kwargs.get('ssl') or {}
    if ssl.get('ca'):
        lines.append('ssl-ca=%s' % ssl['ca'])
        if ssl.get('check_hostname'):
            lines.append('ssl-verify-server-cert')
    for key, option in (('cert', 'ssl-cert'), ('key', 'ssl-key')):
        if ssl.get(key):
            lines.append('%s=%s' % (option, ssl[key]))
    return lines


def option_file(directory, name, kwargs):
    """Write the [client] option file ``name`` in ``directory`` (mode 0600, never overwritten); its path."""
    path = os.path.join(directory, name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, 'w') as handle:
        handle.write('\n'.join(option_lines(kwargs)) + '\n')
    return path


def shown(command):
    """``command`` as reported: its option file (the second argument) hidden."""
    return [command[0], SHOWN] + list(command[2:])


class OptionFiles(object):
    """``with OptionFiles() as files: files.write('source.cnf', kwargs)``; the directory and its
    files are removed when the block ends, whatever happened."""

    def __init__(self, prefix='rds_load_dump.'):
        self.prefix = prefix
        self.directory = None

    def __enter__(self):
        self.directory = tempfile.mkdtemp(prefix=self.prefix)
        return self

    def write(self, name, kwargs):
        return option_file(self.directory, name, kwargs)

    def __exit__(self, *exc_info):
        shutil.rmtree(self.directory, ignore_errors=True)
        return False
