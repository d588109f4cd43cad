"""The EXAMPLES of every module, taken literally (issue 14).

For every module of plugins/modules: the examples parse as a task list; every task names its
action by FQCN and that action exists; the options given to this collection's modules are
documented ones (ansible-doc's merged documentation: fragments, aliases, sub-options); and each such
task passes the module's own argument-spec validation in check mode (the module's AnsibleModule is
built with the example's arguments, Jinja values replaced by a value of the option's documented
type, and stopped right after validation: nothing connects). The read-only *_info modules' examples
then run as a playbook against the lab, every task as written except the login (and the AWS
identifiers and options), which point at the lab."""
import ast
import copy
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from playbook_runner import REPO, ansible_playbook, assert_no_secret, collections_path
from playbook_runner import Run

MODULES = sorted(p.stem for p in (REPO / "plugins" / "modules").glob("*.py") if p.stem != "__init__")
FQCN = "mysql_rds.replication."
# Only documentation: role_variables runs as an action plugin inside the roles (no module main()).
ACTION_ONLY = {"role_variables"}
LIVE = ["replication_server_info", "replica_status_info", "rds_aws_info"]
LOGIN = ("login_host", "login_port", "login_user", "login_password", "login_unix_socket", "ca_cert", "ssl_ca",
         "ssl_ca_cert", "client_cert", "ssl_cert", "client_key", "ssl_key", "config_file", "check_hostname")
AWS = ("region", "aws_region", "profile", "aws_profile", "endpoint_url", "access_key", "secret_key",
       "session_token")
JINJA = re.compile(r"{{|{%")


def examples(name):
    tree = ast.parse((REPO / "plugins" / "modules" / ("%s.py" % name)).read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "EXAMPLES":
            return node.value.value
    raise AssertionError("%s has no EXAMPLES" % name)


def task_keywords():
    from ansible.playbook.block import Block
    from ansible.playbook.task import Task
    return set(Task.fattributes) | set(Block.fattributes) | {"action", "local_action", "args"}


def walk(tasks, defaults=None):
    """(task, module_defaults in force) for every task, blocks flattened."""
    for task in tasks:
        inherited = list(defaults or []) + ([task["module_defaults"]] if task.get("module_defaults") else [])
        if any(key in task for key in ("block", "rescue", "always")):
            for key in ("block", "rescue", "always"):
                yield from walk(task.get(key) or [], inherited)
        else:
            yield task, inherited


def action_of(task, keywords):
    actions = [key for key in task if key not in keywords]
    assert len(actions) == 1, "one action per task: %s" % task
    return actions[0]


@pytest.fixture(scope="module")
def collections(tmp_path_factory):
    return collections_path(tmp_path_factory.mktemp("collections"))


@pytest.fixture(scope="module")
def parsed():
    keywords = task_keywords()
    found = {}
    for name in MODULES:
        tasks = yaml.safe_load(examples(name))
        assert isinstance(tasks, list) and tasks, "%s: EXAMPLES is not a task list" % name
        found[name] = [(action_of(task, keywords), task, defaults) for task, defaults in walk(tasks)]
    return found


@pytest.fixture(scope="module")
def docs(parsed, collections):
    """ansible-doc --json of every action the examples use (ours with the fragments merged)."""
    names = sorted({action for tasks in parsed.values() for action, _t, _d in tasks})
    proc = subprocess.run([str(Path(ansible_playbook()).parent / "ansible-doc"), "--json", "-t", "module", *names],
                          capture_output=True, text=True, check=False, cwd=str(REPO),
                          env=dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections))
    assert proc.returncode == 0, proc.stderr
    return dict((name, entry["doc"]) for name, entry in json.loads(proc.stdout).items())


def test_every_module_has_examples_that_name_actions_by_fqcn(parsed, docs):
    problems = []
    for name, tasks in parsed.items():
        if not any(action == FQCN + name for action, _t, _d in tasks):
            problems.append("%s: no example calls %s%s" % (name, FQCN, name))
        for action, _task, _defaults in tasks:
            if action.count(".") < 2:
                problems.append("%s: %s is not a fully qualified collection name" % (name, action))
            elif action not in docs:
                problems.append("%s: %s does not exist" % (name, action))
    assert problems == [], problems


def option_problems(args, options, path):
    problems = []
    names = {}
    for option, spec in options.items():
        for alias in [option] + list(spec.get("aliases") or []):
            names[alias] = spec
    for key, value in args.items():
        if key not in names:
            problems.append("%s%s is not a documented option" % (path, key))
        elif names[key].get("suboptions") and isinstance(value, dict):
            problems += option_problems(value, names[key]["suboptions"], "%s%s." % (path, key))
    return problems


def test_examples_use_only_documented_options(parsed, docs):
    problems = []
    for name, tasks in parsed.items():
        for action, task, defaults in tasks:
            if action.startswith(FQCN):
                where = "%s example %r: " % (name, task.get("name"))
                problems += option_problems(task[action] or {}, docs[action].get("options") or {}, where)
        for action, task, defaults in tasks:
            for entry in defaults:
                for key, args in entry.items():
                    if key.startswith(FQCN) and not key.startswith("group/"):
                        problems += option_problems(args, docs[key].get("options") or {}, "%s defaults: " % name)
    assert problems == [], problems


TYPED = {"str": "example", "path": "/tmp/example", "int": 1, "float": 1.0, "bool": True, "list": [],
         "dict": {}, "raw": "example", "jsonarg": "{}", "json": "{}", "bytes": "1", "bits": "1"}


def dummy(spec):
    """A value of the option's type (a dict with its required sub-options)."""
    if spec.get("suboptions"):
        return dict((key, dummy(sub)) for key, sub in spec["suboptions"].items() if sub.get("required"))
    return copy.deepcopy(TYPED[spec.get("type", "str")])


def concrete(args, options):
    """The arguments with every Jinja value replaced by a value of the option's documented type."""
    names = dict((alias, spec) for option, spec in options.items()
                 for alias in [option] + list(spec.get("aliases") or []))
    result = {}
    for key, value in args.items():
        spec = names.get(key, {})
        if isinstance(value, str) and JINJA.search(value):
            value = dummy(spec)
        elif isinstance(value, dict) and spec.get("suboptions"):
            value = concrete(value, spec["suboptions"])
        result[key] = value
    return result


class Validated(Exception):
    pass


def validate(monkeypatch, name, args):
    """The module's AnsibleModule built with ``args`` in check mode: None, or what fail_json said."""
    import importlib
    from ansible.module_utils import basic
    from ansible.module_utils.testing import patch_module_args
    module = importlib.import_module("ansible_collections.mysql_rds.replication.plugins.modules." + name)
    original = basic.AnsibleModule.__init__

    def built(self, *a, **kw):
        original(self, *a, **kw)
        raise Validated()

    def failed(self, **result):
        raise AssertionError(result.get("msg"))

    monkeypatch.setattr(basic.AnsibleModule, "__init__", built)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", failed)
    try:
        with patch_module_args(dict(args, _ansible_check_mode=True)):
            module.main()
    except Validated:
        return None
    except AssertionError as e:
        return str(e)
    finally:
        monkeypatch.undo()
    return "main() returned without building its AnsibleModule"


def test_examples_pass_the_argument_spec_in_check_mode(parsed, docs, collections, monkeypatch):
    if collections not in sys.path:
        sys.path.insert(0, collections)
    problems, checked = [], 0
    for name, tasks in parsed.items():
        for action, task, defaults in tasks:
            if not action.startswith(FQCN) or action[len(FQCN):] in ACTION_ONLY:
                continue
            args = {}
            for entry in defaults:  # what module_defaults give the task (the module's own and its groups')
                for key, values in entry.items():
                    if key == action or key.startswith("group/"):
                        args.update(values)
            args.update(task[action] or {})
            options = docs[action].get("options") or {}
            error = validate(monkeypatch, action[len(FQCN):], concrete(args, options))
            checked += 1
            if error:
                problems.append("%s example %r: %s" % (name, task.get("name"), error))
    assert problems == [], problems
    assert checked >= 30, checked  # every example task of ours was checked


# --- The read-only *_info modules, run on the lab -------------------------------------------------

def lab_login(lab, instance):
    info = lab.instances[instance]
    return {"login_host": info["host"], "login_port": info["port"], "login_user": info["admin_user"],
            "login_password": info["admin_password"], "ca_cert": str(lab.tls_dir / "ca.pem"), "config_file": ""}


def on_the_lab(lab, name, task, action):
    """The example task with the lab's login (or AWS identifiers) in place of the example's."""
    args = dict(task[action] or {})
    if name == "rds_aws_info":
        args["db_instance_identifier"] = lab.instances["rds_source"]["aws_instance_id"]
        args.pop("id", None)
        if "read_replica_identifier" in args:
            args["read_replica_identifier"] = lab.instances["rds_read_replica"]["aws_instance_id"]
        if "client_cidr" in args:
            args["client_cidr"] = "%s/32" % lab.instances["onprem_replica"]["host"]
        for key in AWS:
            args.pop(key, None)
    else:
        # The self-managed servers of the examples are the lab's emulated RDS pair here: the
        # source (rds_source) and a replica that always replicates from it (rds_read_replica).
        host = str(args.get("login_host", ""))
        instance = ("rds_source" if name == "replication_server_info" or host.startswith("source.")
                    else "rds_read_replica")
        for key in LOGIN:
            args.pop(key, None)
        args.update(lab_login(lab, instance))
    return dict(task, **{action: args})


def lab_tasks(lab, tasks):
    out = []
    for task in tasks:
        task = dict(task)
        for key in ("block", "rescue", "always"):
            if key in task:
                task[key] = lab_tasks(lab, task[key])
        if "module_defaults" in task:  # the AWS options of the example's defaults: the lab's
            task["module_defaults"] = dict((group, dict((k, v) for k, v in values.items() if k not in AWS))
                                           for group, values in task["module_defaults"].items())
        for name in LIVE:
            if FQCN + name in task:
                task = on_the_lab(lab, name, task, FQCN + name)
        out.append(task)
    return out


@pytest.fixture(scope="module")
def live_run(lab, collections, tmp_path_factory):
    import boto3
    ec2 = boto3.client("ec2", endpoint_url=lab.aws["endpoint_url"], region_name=lab.aws["region"],
                       aws_access_key_id=lab.aws["access_key"], aws_secret_access_key=lab.aws["secret_key"])
    rule = {"IpProtocol": "tcp", "FromPort": lab.instances["rds_source"]["port"],
            "ToPort": lab.instances["rds_source"]["port"],
            "IpRanges": [{"CidrIp": "%s/32" % lab.instances["onprem_replica"]["host"]}]}
    try:  # the example asserts that the replica host may connect
        ec2.authorize_security_group_ingress(GroupId=lab.aws["security_group_id"], IpPermissions=[rule])
    except ec2.exceptions.ClientError as e:
        if "Duplicate" not in str(e):
            raise
    play = {"name": "The examples of %s on the lab" % ", ".join(LIVE), "hosts": "localhost", "gather_facts": False,
            "module_defaults": {"group/aws": {"region": lab.aws["region"], "endpoint_url": lab.aws["endpoint_url"],
                                              "access_key": lab.aws["access_key"],
                                              "secret_key": lab.aws["secret_key"]}},
            "tasks": [t for name in LIVE for t in lab_tasks(lab, yaml.safe_load(examples(name)))]}
    path = tmp_path_factory.mktemp("examples") / "examples.yml"
    path.write_text(yaml.safe_dump([play], sort_keys=False))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_NOCOLOR="1")
    for key in [k for k in env if k.startswith("AWS_")]:
        env.pop(key)
    proc = subprocess.run([ansible_playbook(), "-i", "localhost,", "-c", "local", "-e",
                           "ansible_python_interpreter=%s" % sys.executable, str(path)],
                          cwd=str(REPO), env=env, capture_output=True, text=True, timeout=900, check=False)
    return Run(proc), play


def test_info_examples_run_on_the_lab(lab, live_run):
    run, play = live_run
    assert run.rc == 0 and run.failed == 0, run
    ran = sum(1 for t in play["tasks"] for name in LIVE if FQCN + name in t)
    ran += sum(1 for t in play["tasks"] for sub in t.get("block", []) for name in LIVE if FQCN + name in sub)
    assert ran >= 8, play  # every *_info example task is in the play
    assert_no_secret(lab, run)
