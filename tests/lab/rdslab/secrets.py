"""Random passwords, generated once and kept in $LAB_DIR/secrets.json (mode 0600)."""
import json
import os
import secrets as _random

from rdslab import config


def _path():
    return config.lab_dir() / "secrets.json"


def _new_password():
    return _random.token_urlsafe(18)


def load():
    """Return the secrets, creating missing entries (and the file) on first use."""
    path = _path()
    data = json.loads(path.read_text()) if path.exists() else {}
    changed = False
    for inst in config.INSTANCES:
        if inst.name not in data.get("instances", {}):
            data.setdefault("instances", {})[inst.name] = {"admin_password": _new_password()}
            changed = True
    for key in ("replication_password", "app_password", "role_replication_password"):
        if key not in data:
            data[key] = _new_password()
            changed = True
    if changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh, indent=2)
    os.chmod(path, 0o600)
    return data


def admin_user(inst):
    return "admin" if inst.is_rds else "dba"


def admin_password(inst):
    return load()["instances"][inst.name]["admin_password"]


APP_USER = "app"
"""An application's account: DML/DDL on the application schema only, so read_only stops it."""


def app_password():
    return load()["app_password"]
