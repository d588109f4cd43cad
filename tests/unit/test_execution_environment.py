# -*- coding: utf-8 -*-
# Copyright: (c) 2025, mysql_rds.replication contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection as an execution environment (EE) sees it, without network or container runtime.

1. The collection tarball (``ansible-galaxy collection build``, so build_ignore applies) carries
   meta/execution-environment.yml, requirements.txt and bindep.txt.
2. ``ansible-builder create`` accepts the sample EE definition of docs/awx.md, which installs
   that tarball, and writes a build context that installs it and introspects its dependencies.
3. ``ansible-builder introspect`` on the installed collection returns our Python requirements
   and bindep entries: what the EE build feeds to pip and to bindep.
4. bindep, evaluated the way the EE build does (no profile given) for the rpm and the dpkg
   families, installs the MariaDB client and openssl, and none of the "test" entries; with the
   "test" profile on Debian it yields what scripts/setup.sh installs.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

# Both come with requirements-dev.txt.
import ansible_builder  # noqa: F401 pylint: disable=unused-import
from bindep import depends

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOC = os.path.join(REPO, 'docs', 'awx.md')

PYTHON_REQUIREMENTS = {'pymysql', 'boto3', 'botocore'}
RUNTIME = {
    'rpm': {'mariadb', 'openssl', 'ca-certificates'},
    'dpkg': {'mariadb-client', 'openssl', 'ca-certificates'},
}
# bindep platform profiles as bindep computes them on RHEL 9 / CentOS Stream 9 and Debian 12.
PLATFORMS = {
    'rpm': ['platform:rpm', 'platform:redhat', 'platform:rhel', 'platform:rhel-9'],
    'dpkg': ['platform:dpkg', 'platform:debian', 'platform:debian-12'],
}
# What only the lab, the tests, the benchmarks and the demo use.
TEST_ONLY = {'mariadb-server', 'mariadb-backup', 'sysbench', 'percona-toolkit', 'mydumper',
             'python3-venv', 'python3-pip', 'git', 'rsync', 'shellcheck'}


def _tool(name):
    """An executable of the venv running the tests (not necessarily on PATH), else PATH's."""
    here = os.path.join(os.path.dirname(sys.executable), name)
    found = here if os.access(here, os.X_OK) else shutil.which(name)
    if not found:
        pytest.fail('%s not found: run scripts/setup.sh (requirements-dev.txt installs it)' % name)
    return found


def _run(args, cwd, env):
    proc = subprocess.run(args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, timeout=120, check=False)
    assert proc.returncode == 0, '%s failed (rc %s):\n%s' % (
        ' '.join(args), proc.returncode, proc.stdout)
    return proc.stdout


@pytest.fixture(scope='module')
def built(tmp_path_factory):
    """The collection built into a tarball and installed from it, offline and without deps."""
    work = tmp_path_factory.mktemp('ee')
    env = dict(os.environ)
    # No ansible.cfg of the checkout, no ~/.ansible: only what the test sets up.
    (work / 'ansible.cfg').write_text(u'[defaults]\n')
    env.update(ANSIBLE_CONFIG=str(work / 'ansible.cfg'), ANSIBLE_HOME=str(work / 'ansible-home'))
    # scripts/test.sh points ANSIBLE_COLLECTIONS_PATH at the checkout: ansible-galaxy would then find
    # the collection installed already and install nothing into our path.
    env.pop('ANSIBLE_COLLECTIONS_PATH', None)
    env.pop('ANSIBLE_COLLECTIONS_PATHS', None)
    galaxy = _tool('ansible-galaxy')
    _run([galaxy, 'collection', 'build', REPO, '--output-path', str(work / 'dist')], str(work), env)
    tarballs = sorted((work / 'dist').glob('mysql_rds-replication-*.tar.gz'))
    assert len(tarballs) == 1, tarballs
    _run([galaxy, 'collection', 'install', '--offline', '--no-deps', '--force', '-p', str(work / 'collections'),
          str(tarballs[0])], str(work), env)
    installed = work / 'collections' / 'ansible_collections' / 'mysql_rds' / 'replication'
    return {'work': work, 'env': env, 'tarball': tarballs[0], 'installed': installed}


def _doc_definition():
    """The sample EE definition of docs/awx.md: the YAML block that starts with version: 3."""
    with open(DOC) as handle:
        text = handle.read()
    for block in re.findall(r'```yaml\n(.*?)```', text, re.S):
        data = yaml.safe_load(block)
        if isinstance(data, dict) and data.get('version') == 3:
            return block, data
    raise AssertionError('docs/awx.md has no ```yaml block with version: 3')


def _introspect(built):
    out = built['work'] / 'introspect'
    out.mkdir(exist_ok=True)
    _run([sys.executable, '-m', 'ansible_builder', 'introspect', str(built['work'] / 'collections'),
          '--write-pip', str(out / 'requirements.txt'), '--write-bindep', str(out / 'bindep.txt')],
         str(built['work']), built['env'])
    return (out / 'requirements.txt').read_text(), (out / 'bindep.txt').read_text()


_PARSED = {}


def _packages(bindep_text, family, profiles=('default',)):
    """Package names bindep selects for a family; profile "default" is what `bindep` uses
    when given no profile, as the EE build's assemble script runs it."""
    if bindep_text not in _PARSED:  # parsing takes seconds (the grammar is compiled each time)
        _PARSED[bindep_text] = depends.Depends(bindep_text)
    rules = _PARSED[bindep_text].active_rules(list(profiles) + PLATFORMS[family])
    return {rule[0] for rule in rules}


def test_tarball_carries_ee_metadata(built):
    meta = yaml.safe_load((built['installed'] / 'meta' / 'execution-environment.yml').read_text())
    assert meta['version'] == 3
    deps = meta['dependencies']
    assert set(deps) == {'python', 'system'}
    for relative in deps.values():
        assert (built['installed'] / relative).is_file(), relative


def test_create_accepts_the_documented_definition(built):
    block, data = _doc_definition()
    ctx_dir = built['work'] / 'docs-sample'
    ctx_dir.mkdir()
    # The sample installs a tarball that sits next to it, named as `ansible-galaxy collection
    # build` names it: put ours there under that name.
    files = data.get('additional_build_files', [])
    assert len(files) == 1, 'the sample should bring the collection tarball into the context'
    tarball = files[0]['src']
    shutil.copy(str(built['tarball']), str(ctx_dir / tarball))
    (ctx_dir / 'execution-environment.yml').write_text(block)
    _run([sys.executable, '-m', 'ansible_builder', 'create', '-f', 'execution-environment.yml',
          '-c', 'context', '--output-filename', 'Containerfile'], str(ctx_dir), built['env'])

    context = ctx_dir / 'context'
    containerfile = (context / 'Containerfile').read_text()
    assert 'ansible-galaxy collection install' in containerfile
    assert 'introspect' in containerfile
    assert 'install-from-bindep' in containerfile
    # The galaxy stage runs in _build (WORKDIR /build), where additional_build_files land.
    in_context = os.path.join(files[0]['dest'], os.path.basename(tarball))
    assert (context / '_build' / in_context).is_file()
    requirements = yaml.safe_load((context / '_build' / 'requirements.yml').read_text())
    assert {'name': in_context, 'type': 'file'} in requirements['collections']
    assert 'WORKDIR /build' in containerfile


def test_introspect_reports_runtime_requirements(built):
    pip_text, bindep_text = _introspect(built)
    python = {re.split(r'[<>=!~ \[;#]', line.strip(), maxsplit=1)[0].lower()
              for line in pip_text.splitlines() if line.strip() and not line.startswith('#')}
    assert python == PYTHON_REQUIREMENTS
    assert 'from collection mysql_rds.replication' in bindep_text

    for family, expected in RUNTIME.items():
        runtime = _packages(bindep_text, family)
        assert runtime == expected, (family, runtime)
        assert not runtime & TEST_ONLY, (family, runtime & TEST_ONLY)


def test_test_profile_holds_lab_packages_and_matches_setup_sh(built):
    with open(os.path.join(REPO, 'bindep.txt')) as handle:
        bindep_text = handle.read()
    with_tests = _packages(bindep_text, 'dpkg', ('default', 'test'))
    assert TEST_ONLY <= with_tests
    assert RUNTIME['dpkg'] <= with_tests
    assert not _packages(bindep_text, 'rpm') & TEST_ONLY

    # scripts/setup.sh parses bindep.txt itself (bindep is not installed yet when it runs):
    # it must select the same Debian packages, "test" entries included.
    with open(os.path.join(REPO, 'scripts', 'setup.sh')) as handle:
        setup = handle.read()
    function = re.search(r'^bindep_packages\(\) \{\n.*?^\}\n', setup, re.S | re.M)
    assert function, 'bindep_packages() not found in scripts/setup.sh'
    script = 'set -euo pipefail\nREPO=%s\n%s\nbindep_packages\n' % (
        _shell_quote(REPO), function.group(0))
    listed = subprocess.run(['bash', '-c', script], stdout=subprocess.PIPE, check=True,
                            universal_newlines=True).stdout.split()
    assert set(listed) == with_tests
    assert len(listed) == len(set(listed))


def _shell_quote(value):
    return "'%s'" % value.replace("'", "'\"'\"'")
