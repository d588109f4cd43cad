"""A consumer project with only ansible-core and the declared collections (issue 14): the collection
installed from its tarball with galaxy.yml's dependencies and nothing else, a playbook of the
consumer's own calling the three roles by FQCN, run against the lab: direction 1, direction 2, then
the cutover of direction 2."""
import json
import re

import pytest

from consumer_project import (consumer_env, declared_dependencies, install_consumer, installed_collections, run,
                              tool)
from playbook_runner import assert_no_secret, assert_no_template_error, fresh_for_three_playbooks, reset_direction2

# The consumer's playbooks (one per run: `always` tasks of other plays would run with --tags).
PLAYBOOKS = {
    "direction1": """\
- name: Replicate from RDS to the self-managed replica
  hosts: rds_to_onprem
  gather_facts: false
  roles:
    - role: mysql_rds.replication.replica_of_rds
""",
    "direction2": """\
- name: Make RDS a replica of the self-managed source
  hosts: onprem_to_rds
  gather_facts: false
  roles:
    - role: mysql_rds.replication.rds_replica_of_source
""",
    "cutover": """\
- name: Promote RDS
  hosts: onprem_to_rds
  gather_facts: false
  roles:
    - role: mysql_rds.replication.cutover_to_rds
""",
}


class Played:
    def __init__(self, proc):
        self.rc = proc.returncode
        self.output = proc.stdout + proc.stderr
        # ANSIBLE_SHOW_CUSTOM_STATS: a line per host (per_host set_stats), `RUN:` for the others.
        section = proc.stdout.split("\nCUSTOM STATS:", 1)[1] if "\nCUSTOM STATS:" in proc.stdout else ""
        self.stats = dict((host, json.loads(data))
                          for host, data in re.findall(r"^\s+(\S+): (\{.*\})\s*$", section, re.M))

    def __repr__(self):
        return "rc=%s\n%s" % (self.rc, self.output[-6000:])


@pytest.fixture(scope="module")
def consumer(tmp_path_factory):
    root = tmp_path_factory.mktemp("consumer")
    installed = install_consumer(root)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    for name, text in PLAYBOOKS.items():
        (root / ("%s.yml" % name)).write_text(text)
    return root


@pytest.fixture(scope="module")
def played(lab, consumer):
    fresh_for_three_playbooks(lab, "consumer_d1")
    env = dict(consumer_env(consumer), ANSIBLE_SHOW_CUSTOM_STATS="1")
    runs = {}
    try:
        for name in ("direction1", "direction2", "cutover"):
            runs[name] = Played(run([tool("ansible-playbook"), "-i", str(lab.inventory_path), "%s.yml" % name],
                                    consumer, env=env, timeout=900))
            if runs[name].rc != 0:
                break
    finally:
        reset_direction2(lab)  # the cutover promoted rds_target
    return runs


def test_only_the_declared_collections_are_installed(consumer):
    expected = sorted(["mysql_rds.replication"] + list(declared_dependencies()))
    assert installed_collections(consumer) == expected
    listed = run([tool("ansible-galaxy"), "collection", "list", "--format", "json"], consumer)
    assert listed.returncode == 0, listed.stderr
    seen = sorted(name for path in json.loads(listed.stdout).values() for name in path
                  if not name.startswith("ansible._"))
    assert seen == expected, seen  # nothing of the checkout, ~/.ansible or the Python path


def test_the_tarball_alone_does_not_install_offline(tmp_path):
    # The counter-proof: the dependencies above came from the declared sources, not from elsewhere.
    alone = install_consumer(tmp_path / "alone", with_dependencies=False)
    assert alone.returncode != 0, alone.stdout
    assert any(name in alone.stdout + alone.stderr for name in declared_dependencies()), alone.stdout + alone.stderr


def test_module_docs_read_from_the_installed_collection(consumer):
    doc = run([tool("ansible-doc"), "mysql_rds.replication.rds_aws_info"], consumer)
    assert doc.returncode == 0 and "db_instance_identifier" in doc.stdout, doc.stderr


def test_direction1_runs_from_the_consumer_project(lab, played):
    d1 = played["direction1"]
    assert d1.rc == 0, d1
    result = d1.stats["RUN"]["replica_of_rds"]["lab_onprem_replica"]  # set_stats without per_host
    assert result["copied"] is True, result
    assert result["proof"]["different"] == [] and result["proof"]["tables"] > 0, result
    assert result["start"]["file"], result
    assert_no_secret(lab, d1)
    assert_no_template_error(d1)


def test_direction2_runs_from_the_consumer_project(lab, played):
    d2 = played.get("direction2")
    assert d2 is not None and d2.rc == 0, d2 or played
    result = d2.stats["lab_onprem_source"]["rds_replica_of_source"]
    assert result["copied"] is True and result["coordinates"]["file"], result
    assert result["lag"] is not None, result
    assert_no_secret(lab, d2)
    assert_no_template_error(d2)


def test_cutover_runs_from_the_consumer_project(lab, played):
    cut = played.get("cutover")
    assert cut is not None and cut.rc == 0, cut or played
    result = cut.stats["lab_onprem_source"]["cutover_to_rds"]
    assert result["result"] == "promoted", result
    assert result["timeline"], result
    assert_no_secret(lab, cut)
    assert_no_template_error(cut)
