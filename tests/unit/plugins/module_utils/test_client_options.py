# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Logins of the command line clients: on a pipe each process inherits, never in a file nor on a command line."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import subprocess
import sys

from ansible_collections.mysql_rds.replication.plugins.module_utils import client_options as co

LOGIN = dict(user='dba', password='s3cret', host='h', port=1)
READ_IT = ('import sys; arg = [a for a in sys.argv if a.startswith("--defaults-extra-file=")][0]; '
           'sys.stdout.write(arg + "\\n" + open(arg.split("=", 1)[1]).read())')


def test_tcp_with_tls_and_a_quoted_password():
    lines = co.option_lines(dict(user='admin', password='p"a\\ss', host='db.example.com', port=3306,
                                 ssl=dict(ca='/ca.pem', check_hostname=True, cert='/c.pem', key='/k.pem')))
    assert lines == ['[client]', 'user=admin', 'password="p\\"a\\\\ss"', 'host=db.example.com', 'port=3306',
                     'protocol=TCP', 'ssl-ca=/ca.pem', 'ssl-verify-server-cert', 'ssl-cert=/c.pem', 'ssl-key=/k.pem']


def test_socket_without_password_or_hostname_check():
    lines = co.option_lines(dict(user='dba', password='', unix_socket='/run/mysqld.sock',
                                 ssl=dict(ca='/ca.pem', check_hostname=False)))
    assert lines == ['[client]', 'user=dba', 'socket=/run/mysqld.sock', 'ssl-ca=/ca.pem']


def test_the_login_argument_reads_as_shown_and_hides_the_secret():
    arg = co.OptionArg(LOGIN)
    assert arg == co.SHOWN and 's3cret' not in repr(arg) and 's3cret' not in ' '.join(['x', arg])
    assert b'password="s3cret"' in arg.content
    assert co.shown(['mariadb', arg, '--batch']) == ['mariadb', co.SHOWN, '--batch']
    assert not isinstance(co.shown([arg])[0], co.OptionArg)


def test_each_process_reads_its_own_pipe_and_no_descriptor_leaks():
    before = set(os.listdir('/proc/self/fd')) if os.path.isdir('/proc/self/fd') else set()
    processes = [co.popen([sys.executable, '-c', READ_IT, co.OptionArg(dict(LOGIN, user='u%d' % index))],
                          stdout=subprocess.PIPE) for index in range(3)]
    outputs = [process.communicate()[0].decode() for process in processes]
    for index, output in enumerate(outputs):
        arg, _newline, content = output.partition('\n')
        assert arg.startswith('--defaults-extra-file=/dev/fd/')
        assert 'user=u%d\n' % index in content and 'password="s3cret"' in content
    if before:
        assert set(os.listdir('/proc/self/fd')) == before
