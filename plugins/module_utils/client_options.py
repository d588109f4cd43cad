# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Logins of the command line clients (mariadb-dump, mariadb) without a secret on disk or on a
command line: a ``[client]`` option section, written from pymysql.connect() keyword arguments into
a pipe that only the client inherits (``--defaults-extra-file=/dev/fd/N``, one pipe per process;
the clients read their option files once, at start). Nothing is left behind when the module is
killed: the kernel frees the pipe with its last process.

A command is a list whose login argument is an :class:`OptionArg` (a str that reads
``--defaults-extra-file=<pipe>``, the way commands are reported); :func:`popen` starts it."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import subprocess

SHOWN = '--defaults-extra-file=<pipe>'  # how a command line shows its login


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


class OptionArg(str):
    """The login argument of a client command: reads as :data:`SHOWN`, carries the option section."""

    def __new__(cls, kwargs):
        arg = str.__new__(cls, SHOWN)
        arg.content = ('\n'.join(option_lines(kwargs)) + '\n').encode('utf-8')
        return arg


def shown(command):
    """``command`` as reported (plain strings; the login is :data:`SHOWN`)."""
    return [SHOWN if isinstance(arg, OptionArg) else str(arg) for arg in command]


def _pipe_holding(content):
    """The read end of a new pipe that holds ``content`` (an option section is far below a pipe's capacity)."""
    read_end, write_end = os.pipe()
    try:
        view = memoryview(content)
        while view:
            view = view[os.write(write_end, view):]
    except OSError:
        os.close(read_end)
        raise
    finally:
        os.close(write_end)
    return read_end


def popen(command, **kwargs):
    """subprocess.Popen(command), every :class:`OptionArg` given as a pipe the process alone inherits."""
    fds, args = [], []
    try:
        for arg in command:
            if isinstance(arg, OptionArg):
                fds.append(_pipe_holding(arg.content))
                args.append('--defaults-extra-file=/dev/fd/%d' % fds[-1])
            else:
                args.append(arg)
        return subprocess.Popen(args, pass_fds=tuple(fds), **kwargs)
    finally:
        for fd in fds:
            os.close(fd)
