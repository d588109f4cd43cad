"""A consumer project as a user has it: ansible-core, the collection installed from its tarball and
only the dependencies galaxy.yml declares, in a collections path of its own (tests of the consumer
project and of ansible-runner).

Offline: the dependencies come from the copies scripts/setup.sh installed (the `ansible` package of
requirements-dev.txt bundles community.mysql, amazon.aws and ansible.posix), given to
`ansible-galaxy collection install --offline` as directory sources, so ansible-galaxy itself
resolves galaxy.yml's dependencies and their version ranges. Nothing else is visible to the
consumer: not the checkout's ansible.cfg, not ~/.ansible, not the Python path's collections
(ANSIBLE_COLLECTIONS_SCAN_SYS_PATH off)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]


def tool(name):
    here = Path(sys.executable).parent / name
    return str(here) if here.exists() else name


def bundled_collections():
    """Where setup.sh's `ansible` package keeps its collections (site-packages/ansible_collections)."""
    import ansible_collections  # the namespace package of the installed `ansible` package
    for path in ansible_collections.__path__:
        if (Path(path) / "community" / "mysql" / "MANIFEST.json").exists():
            return Path(path)
    pytest.fail("no bundled community.mysql found: run scripts/setup.sh (the ansible package)")


def declared_dependencies():
    return dict(yaml.safe_load((REPO / "galaxy.yml").read_text())["dependencies"])


def consumer_env(root):
    """The environment of a command run in the consumer project `root`."""
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "AWS_")))
    env.update(ANSIBLE_CONFIG=str(root / "ansible.cfg"), ANSIBLE_HOME=str(root / "ansible-home"),
               ANSIBLE_COLLECTIONS_PATH=str(root / "collections"), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="False",
               ANSIBLE_FORCE_COLOR="0", ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="0")
    return env


def run(args, root, env=None, timeout=300):
    return subprocess.run(args, cwd=str(root), env=env or consumer_env(root), capture_output=True, text=True,
                          timeout=timeout, check=False)


def build_tarball(root):
    """The collection tarball, built as scripts/build.sh builds it (into root/dist: build.sh's own
    output directory is shared by whoever runs it)."""
    proc = run([tool("ansible-galaxy"), "collection", "build", str(REPO), "--output-path", str(root / "dist")], root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    tarballs = sorted((root / "dist").glob("mysql_rds-replication-*.tar.gz"))
    assert len(tarballs) == 1, tarballs
    return tarballs[0]


def install_consumer(root, with_dependencies=True):
    """Build and install into root/collections. Returns the finished process (the caller checks)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "ansible.cfg").write_text("[defaults]\n")
    tarball = build_tarball(root)
    sources = [{"name": str(tarball), "type": "file"}]
    if with_dependencies:
        bundled = bundled_collections()
        for name in declared_dependencies():
            namespace, collection = name.split(".")
            sources.append({"name": str(bundled / namespace / collection), "type": "dir"})
    requirements = root / "requirements.yml"
    requirements.write_text(yaml.safe_dump({"collections": sources}))
    return run([tool("ansible-galaxy"), "collection", "install", "--offline", "-r", str(requirements),
                "-p", str(root / "collections")], root)


def installed_collections(root):
    base = root / "collections" / "ansible_collections"
    return sorted("%s.%s" % (ns.name, c.name) for ns in base.iterdir() if ns.is_dir()
                  for c in ns.iterdir() if (c / "MANIFEST.json").exists())
