"""Run one of the collection's playbooks against the bench's lab; time it and parse its recap."""
import os
import re
import subprocess
import time
from pathlib import Path

from benchlib.lab import REPO

RECAP = re.compile(r"^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)"
                   r"(?:\s+skipped=(\d+))?(?:\s+rescued=(\d+))?(?:\s+ignored=(\d+))?", re.M)
SLOW_TASK = re.compile(r"^(.+?)\s-+\s+([\d.]+)s\s*$", re.M)  # profile_tasks pads with 1+ dashes
KEYS = ("ok", "changed", "unreachable", "failed", "skipped", "rescued", "ignored")


def collection_path(lab_dir):
    """A collections dir where mysql_rds.replication is this checkout."""
    root = Path(lab_dir) / "bench" / "collections"
    link = root / "ansible_collections" / "mysql_rds" / "replication"
    link.parent.mkdir(parents=True, exist_ok=True)
    if not link.is_symlink():
        link.symlink_to(REPO)
    return str(root)


def parse_recap(text):
    hosts = {}
    tail = text[text.rfind("PLAY RECAP"):] if "PLAY RECAP" in text else ""
    for m in RECAP.finditer(tail):
        hosts[m.group(1)] = {k: int(v or 0) for k, v in zip(KEYS, m.groups()[1:])}
    return hosts


def _first_error(text):
    for line in text.splitlines():
        if line.startswith(("fatal:", "ERROR!", "[ERROR]")) or "FAILED!" in line:
            return line[:1500]
    return text.strip()[-1500:]


def run(lab, playbook, log_path, extra_vars=None, inventory=None, timeout=3600, env_extra=None):
    playbook_path = REPO / "playbooks" / playbook
    result = {"playbook": playbook, "ok": False}
    if not playbook_path.exists():
        result["error"] = "playbooks/%s does not exist" % playbook
        return result
    ansible = str(Path(lab.python).parent / "ansible-playbook")
    cmd = [ansible, "-i", str(inventory or lab.inventory), str(playbook_path)]
    for key, value in (extra_vars or {}).items():
        cmd += ["-e", "%s=%s" % (key, value)]
    env = dict(lab.env, ANSIBLE_COLLECTIONS_PATH=collection_path(lab.dir), ANSIBLE_NOCOLOR="1",
               ANSIBLE_FORCE_COLOR="0", ANSIBLE_STDOUT_CALLBACK="default",
               ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), PYTHONUNBUFFERED="1")
    # profile_tasks: per-task durations, to say where the time goes
    env["ANSIBLE_CALLBACKS_ENABLED"] = "ansible.posix.profile_tasks"
    env["PROFILE_TASKS_TASK_OUTPUT_LIMIT"] = "15"
    env.update(env_extra or {})
    t0 = time.time()
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout,
                             cwd=str(REPO), check=False)
        out, rc = res.stdout + res.stderr, res.returncode
    except subprocess.TimeoutExpired as exc:
        out, rc = (exc.stdout or "") + (exc.stderr or ""), "timeout"
        if isinstance(out, bytes):
            out = out.decode(errors="replace")
    result["seconds"] = round(time.time() - t0, 2)
    Path(log_path).write_text(out)
    result.update(rc=rc, log=str(log_path), recap=parse_recap(out))
    result["slowest_tasks"] = [(name.strip(), float(secs)) for name, secs in SLOW_TASK.findall(out)]
    result["changed"] = sum(h["changed"] for h in result["recap"].values())
    result["ok"] = rc == 0 and bool(result["recap"]) and not any(
        h["failed"] or h["unreachable"] for h in result["recap"].values())
    if not result["ok"]:
        result["error"] = _first_error(out)
    os.chmod(log_path, 0o600)
    return result
