# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The variables step of the three roles (tasks_from: variables), through ansible-playbook.

No server: the step only maps names, normalizes lists and checks required values. Each run takes
a few seconds.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
SECRETS = ('OldMasterPw1', 'ReplPw2', 'Src2ReplPw3', 'Src2MasterPw4', 'CutMasterPw5', 'CutLoginPw6')

PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  vars:
    replica_of_rds_rds_host: rds.example.com
    replica_of_rds_master_password: %(s0)s
    replica_of_rds_repl_password: %(s1)s
    replica_of_rds_server_id: 7
    replica_of_rds_databases: "sbtest, other,"
    replica_of_rds_databses: [typo]
    replica_of_rds_catchup_polls: 3
    replica_of_rds_catchup_poll_seconds: "2"
    replica_of_rds_dump_dir: /srv/dump
    replica_of_rds_source_port: 3307
    replica_of_rds_rds_port: 3308
    rds_replica_of_source_repl_password: %(s2)s
    rds_replica_of_source_rds_master_password: %(s3)s
    rds_replica_of_source_rds_instance_id: target-1
    rds_replica_of_source_replication_host: source.example.com
    rds_replica_of_source_verify_checksums: "false"
    rds_replica_of_source_exclude_databases: "a,b"
    cutover_to_rds_rds_host: rds.example.com
    cutover_to_rds_rds_master_password: %(s4)s
    cutover_to_rds_source_login_password: %(s5)s
    cutover_to_rds_checksum_exclude_databases: "x, y"
    cutover_to_rds_wait_timout: 5
  tasks:
    - name: Variables of replica_of_rds
      ansible.builtin.include_role: {name: mysql_rds.replication.replica_of_rds, tasks_from: variables}
    - name: Variables of rds_replica_of_source
      ansible.builtin.include_role: {name: mysql_rds.replication.rds_replica_of_source, tasks_from: variables}
    - name: Variables of cutover_to_rds
      ansible.builtin.include_role: {name: mysql_rds.replication.cutover_to_rds, tasks_from: variables}
    - name: Write what the roles see
      ansible.builtin.copy:
        dest: "{{ result_file }}"
        mode: "0600"
        content: "{{ values | to_json }}"
      vars:
        values:
          replica_of_rds_databases: "{{ replica_of_rds_databases }}"
          replica_of_rds_rds_port: "{{ replica_of_rds_rds_port }}"
          replica_of_rds_master_password_mapped: "{{ replica_of_rds_rds_master_password == '%(s0)s' }}"
          replica_of_rds_wait_timeout: "{{ replica_of_rds_wait_timeout }}"
          replica_of_rds_poll_interval: "{{ replica_of_rds_poll_interval }}"
          replica_of_rds_dump_path: "{{ replica_of_rds_dump_path }}"
          rds_replica_of_source_wait_timeout: "{{ rds_replica_of_source_wait_timeout }}"
          rds_replica_of_source_poll_interval: "{{ rds_replica_of_source_poll_interval }}"
          rds_replica_of_source_proof: "{{ rds_replica_of_source_proof }}"
          rds_replica_of_source_exclude_databases: "{{ rds_replica_of_source_exclude_databases }}"
          cutover_to_rds_login_password_mapped: "{{ cutover_to_rds_login_password == '%(s5)s' }}"
          cutover_to_rds_proof_exclude_databases: "{{ cutover_to_rds_proof_exclude_databases }}"
""" % dict(('s%d' % index, secret) for index, secret in enumerate(SECRETS))


def collection_root():
    for entry in sys.path:
        if os.path.isdir(os.path.join(entry, 'ansible_collections', 'mysql_rds', 'replication')):
            return entry
    raise AssertionError('tests/unit/conftest.py puts the collection on sys.path')


def playbook(tmp_path, *args):
    path = tmp_path / 'play.yml'
    path.write_text(PLAYBOOK)
    binary = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collection_root(), ANSIBLE_NOCOLOR='1',
               ANSIBLE_FORCE_COLOR='0', ANSIBLE_RETRY_FILES_ENABLED='0', ANSIBLE_STDOUT_CALLBACK='default',
               ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_INVENTORY_UNPARSED_WARNING='0',
               ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_HOME=str(tmp_path / 'home'))
    cmd = [binary if os.path.exists(binary) else 'ansible-playbook', '-i', 'localhost,', '-c', 'local',
           str(path), '-e', 'result_file=%s' % (tmp_path / 'values.json')] + list(args)
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False)
    return proc.returncode, proc.stdout + proc.stderr


@pytest.fixture(scope='module')
def first(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp('role_variables')
    rc, output = playbook(tmp_path, '-vvv', '-e', 'rds_replica_of_source_lag_poll_delay=1',
                          '-e', json.dumps({'rds_replica_of_source_lag_polls': '30'}))
    values = json.loads((tmp_path / 'values.json').read_text()) if rc == 0 else None
    return rc, output, values


def test_the_variables_step_passes(first):
    rc, output, values = first
    assert rc == 0, output


@pytest.mark.parametrize('old, use', [
    ('replica_of_rds_master_password', 'replica_of_rds_rds_master_password.'),
    ('replica_of_rds_catchup_poll_seconds', 'replica_of_rds_poll_interval.'),
    ('replica_of_rds_catchup_polls', 'replica_of_rds_wait_timeout (seconds; catchup_polls x catchup_poll_seconds).'),
    ('replica_of_rds_dump_dir', 'replica_of_rds_dump_path (a file, <dump_dir>/replica_of_rds.sql).'),
    ('rds_replica_of_source_verify_checksums', 'rds_replica_of_source_proof.'),
    ('rds_replica_of_source_lag_poll_delay', 'rds_replica_of_source_poll_interval.'),
    ('rds_replica_of_source_lag_polls', 'rds_replica_of_source_wait_timeout (seconds; lag_polls x lag_poll_delay).'),
    ('cutover_to_rds_source_login_password', 'cutover_to_rds_login_password.'),
    ('cutover_to_rds_checksum_exclude_databases', 'cutover_to_rds_proof_exclude_databases.'),
])
def test_each_old_name_gets_an_ansible_deprecation_warning(first, old, use):
    rc, output, values = first
    assert "[DEPRECATION WARNING]: %s is deprecated: use %s This feature will be removed from collection " \
           "'mysql_rds.replication' version 0.3.0." % (old, use) in output, output


def test_the_new_name_wins_over_the_old_one(first):
    rc, output, values = first
    assert ('[DEPRECATION WARNING]: replica_of_rds_source_port is deprecated and replica_of_rds_rds_port is also '
            'set: replica_of_rds_rds_port is used, replica_of_rds_source_port is ignored.') in output, output
    assert values['replica_of_rds_rds_port'] == 3308


def test_misspelled_names_get_a_warning_naming_the_closest_one(first):
    rc, output, values = first
    for typo, meant in (('replica_of_rds_databses', 'replica_of_rds_databases'),
                        ('cutover_to_rds_wait_timout', 'cutover_to_rds_wait_timeout')):
        assert '[WARNING]: %s is not a variable of this role: did you mean %s?' % (typo, meant) in output, output


def test_the_values_arrive_under_the_new_names_and_lists_as_lists(first):
    rc, output, values = first
    assert values == {
        'replica_of_rds_databases': ['sbtest', 'other'],
        'replica_of_rds_rds_port': 3308,
        'replica_of_rds_master_password_mapped': True,
        'replica_of_rds_wait_timeout': 6,
        'replica_of_rds_poll_interval': 2,
        'replica_of_rds_dump_path': '/srv/dump/replica_of_rds.sql',
        'rds_replica_of_source_wait_timeout': 30,
        'rds_replica_of_source_poll_interval': 1,
        'rds_replica_of_source_proof': False,
        'rds_replica_of_source_exclude_databases': ['a', 'b'],
        'cutover_to_rds_login_password_mapped': True,
        'cutover_to_rds_proof_exclude_databases': ['x', 'y'],
    }


def test_no_secret_in_the_output_even_with_vvv(first):
    rc, output, values = first
    leaked = [secret for secret in SECRETS if secret in output]
    assert not leaked, output


def test_an_old_name_of_the_wrong_type_fails_without_a_secret(tmp_path):
    # issue 11: -e replica_of_rds_parallel_threads=four printed the RDS master password
    rc, output = playbook(tmp_path, '-v', '-e', 'replica_of_rds_parallel_threads=four')
    assert rc != 0, output
    assert 'replica_of_rds_parallel_threads (deprecated, now replica_of_rds_copy_streams) must be of type int.' \
        in output, output
    leaked = [secret for secret in SECRETS if secret in output]
    assert not leaked, output
