#!/usr/bin/env bash
# Run `ansible-test sanity` on a copy of the collection.
#
# ansible-test needs the collection at .../ansible_collections/<namespace>/<name>, and must
# not see .venv/.lab/.build, so the git-tracked files plus untracked, not-ignored ones are
# copied to <repo>/.build/sanity/ansible_collections/mysql_rds/replication and tested there.
# Each sanity test gets its own virtualenv (--venv, cached in .build/ansible-test-home/.ansible/test/venv;
# only PyPI is needed). Extra arguments go to ansible-test (e.g. --test pylint).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$REPO/.venv"
DEST="$REPO/.build/sanity/ansible_collections/mysql_rds/replication"
PYTHON_VERSION="${SANITY_PYTHON:-3.11}"

[ -x "$VENV/bin/ansible-test" ] || { echo "run scripts/setup.sh first" >&2; exit 1; }

# ansible-test keeps its virtualenvs and its pip bootstrap under ~/.ansible/test: a second
# ansible-test on the machine (another checkout, another project) would share and break them.
# This checkout's runs get a home of their own; pip's download cache stays shared (it is safe).
export PIP_CACHE_DIR="${PIP_CACHE_DIR:-${HOME:-/root}/.cache/pip}"
export HOME="${SANITY_HOME:-$REPO/.build/ansible-test-home}"
mkdir -p "$HOME"

# ansible-test fetches a get-pip.py from a host outside PyPI to seed pip into its virtualenvs;
# give it our stand-in (pip from ensurepip + PyPI) unless a real script is already cached.
pip_version="$("$VENV/bin/python" -c '
import inspect, re
from ansible_test._internal import python_requirements as m
print(re.search(r"pip=.([0-9.]+).", inspect.getsource(m.get_venv_packages)).group(1))')"
get_pip="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
if [ ! -s "$get_pip" ] || grep -q '^# mysql_rds.replication: offline stand-in' "$get_pip"; then
    mkdir -p "$(dirname "$get_pip")"
    cp "$REPO/scripts/ansible_test_get_pip.py" "$get_pip"
fi

rm -rf "$DEST"
mkdir -p "$DEST"
if git -C "$REPO" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    # Tracked files deleted in the work tree are listed too: keep only those that exist.
    (cd "$REPO" && git ls-files -z --cached --others --exclude-standard) |
        (cd "$REPO" && while IFS= read -r -d '' f; do
            if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
        done) |
        rsync -a --from0 --files-from=- "$REPO/" "$DEST/"
else
    rsync -a --exclude=.git --exclude=.venv --exclude=.lab --exclude=.build \
        --exclude=tests/output --exclude=__pycache__ --exclude='*.pyc' "$REPO/" "$DEST/"
fi

# The collections our plugins import or take doc fragments from (amazon.aws for rds_aws_info), as
# siblings in the same ansible_collections tree, where ansible-test looks for them.
site="$("$VENV/bin/python" -c 'import ansible_collections, os; print(os.path.dirname(list(ansible_collections.__path__)[0]))')"
DEPS=(amazon/aws)
for dep in "${DEPS[@]}"; do
    rm -rf "$REPO/.build/sanity/ansible_collections/$dep"
    mkdir -p "$REPO/.build/sanity/ansible_collections/$(dirname "$dep")"
    cp -a "$site/ansible_collections/$dep" "$REPO/.build/sanity/ansible_collections/$dep"
done

cd "$DEST"
# The copy lies under the repo's ignored .build/: give it its own (empty) git repository so
# ansible-test lists its files with `git ls-files --others` instead of the outer repo's.
git init -q .
# ansible-test is run from the venv so it uses the pinned ansible-core.
export PATH="$VENV/bin:$PATH"
exec ansible-test sanity --venv --python "$PYTHON_VERSION" --color no "$@"
