"""$LAB_DIR/inventory.yml: the lab's facts plus the two direction groups (docs/design.md)."""
import json
import os
import tempfile
from pathlib import Path

import jinja2
import yaml

from rdslab import config, secrets

TEMPLATES = Path(__file__).resolve().parent / "inventory_vars"
GROUPS = {"rds_to_onprem": "lab_onprem_replica", "onprem_to_rds": "lab_onprem_source"}


def restart_command(inst):
    env = "env LAB_DIR=%s LAB_PORT_BASE=%d LAB_PYTHON=%s" % (config.lab_dir(), config.port_base(),
                                                             config.python())
    return "%s %s restart %s" % (env, config.LABCTL, inst.name)


def facts(aws_facts=None):
    instances = {}
    for inst in config.INSTANCES:
        p = config.Paths(inst)
        instances[inst.name] = {
            "host": config.HOST, "port": config.port(inst), "socket": str(p.socket),
            "admin_user": secrets.admin_user(inst), "admin_password": secrets.admin_password(inst),
            "aws_instance_id": inst.aws_id or None, "server_id": config.port(inst),
            "conf_dir": str(p.conf_d), "my_cnf": str(p.cnf), "error_log": str(p.error_log),
            "restart_command": restart_command(inst), "kind": inst.kind,
        }
    aws = {"endpoint_url": config.moto_url(), "region": config.AWS_REGION,
           "access_key": config.AWS_KEY, "secret_key": config.AWS_KEY}
    aws.update(aws_facts or {})
    return {
        "ansible_connection": "local",
        "ansible_python_interpreter": config.python(),
        "lab_dir": str(config.lab_dir()),
        "lab_repo": str(config.REPO),
        "lab_tls_dir": str(config.tls_dir()),
        "lab_aws": aws,
        "lab_instances": instances,
        # for the replication accounts the roles create (the lab's own read replica has another)
        "lab_replication_password": secrets.load()["role_replication_password"],
    }


def _render(group, lab_facts):
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    text = env.get_template("%s.yml.j2" % group).render(**lab_facts)
    return yaml.safe_load(text) or {}


def _aws_facts_path():
    return config.lab_dir() / "aws_facts.json"


def _replace(path, write):
    """Write a file of its own (mode 0600: it may hold passwords) next to `path`, then rename it
    over `path`: readers never see half a file and labctl processes running at once do not
    write into each other's temporary file."""
    fd, tmp = tempfile.mkstemp(dir=str(path.parent), prefix=".%s." % path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as fh:
            write(fh)
        os.replace(tmp, str(path))
    except BaseException:
        os.unlink(tmp)
        raise


def save_aws_facts(aws_facts):
    _replace(_aws_facts_path(), lambda fh: fh.write(json.dumps(aws_facts, indent=2)))


def write():
    path = config.lab_dir() / "inventory.yml"
    aws_path = _aws_facts_path()
    lab_facts = facts(json.loads(aws_path.read_text()) if aws_path.exists() else None)
    doc = {"all": {"vars": lab_facts, "children": {
        group: {"hosts": {host: _render(group, lab_facts)}} for group, host in GROUPS.items()}}}

    def dump(fh):
        fh.write("# Written by `tests/lab/labctl inventory`; do not edit.\n")
        yaml.safe_dump(doc, fh, default_flow_style=False, sort_keys=False)
    _replace(path, dump)
    return path
