# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Option files of the command line clients: no password on a command line, files gone afterwards."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import stat

import pytest

from ansible_collections.mysql_rds.replication.plugins.module_utils import client_options as co


def test_tcp_with_tls_and_a_quoted_password():
    lines = co.option_lines(dict(user='admin', password='p"a\\ss', host='db.example.com', port=3306,
                                 ssl=dict(ca='/ca.pem', check_hostname=True, cert='/c.pem', key='/k.pem')))
    assert lines == ['[client]', 'user=admin', 'password="p\\"a\\\\ss"', 'host=db.example.com', 'port=3306',
                     'protocol=TCP', 'ssl-ca=/ca.pem', 'ssl-verify-server-cert', 'ssl-cert=/c.pem', 'ssl-key=/k.pem']


def test_socket_without_password_or_hostname_check():
    lines = co.option_lines(dict(user='dba', password='', unix_socket='/run/mysqld.sock',
                                 ssl=dict(ca='/ca.pem', check_hostname=False)))
    assert lines == ['[client]', 'user=dba', 'socket=/run/mysqld.sock', 'ssl-ca=/ca.pem']


def test_option_files_are_private_and_removed(tmp_path):
    with co.OptionFiles(prefix='test_client_options.') as files:
        path = files.write('source.cnf', dict(user='dba', password='secret', host='h', port=1))
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        with open(path) as handle:
            assert 'password="secret"' in handle.read()
        with pytest.raises(OSError):
            files.write('source.cnf', dict(user='x', host='h', port=1))  # never overwritten
        directory = files.directory
    assert not os.path.exists(directory)


def test_option_files_are_removed_on_errors_too():
    with pytest.raises(RuntimeError):
        with co.OptionFiles() as files:
            files.write('target.cnf', dict(user='dba', host='h', port=1))
            directory = files.directory
            raise RuntimeError('boom')
    assert not os.path.exists(directory)


def test_shown_hides_the_option_file():
    assert co.shown(['mariadb', '--defaults-extra-file=/tmp/x/target.cnf', '--batch']) == [
        'mariadb', '--defaults-extra-file=<tmp>', '--batch']
