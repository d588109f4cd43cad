#!/usr/bin/env bash
# Build the collection tarball into <repo>/.build/dist and prove it installs.
#
# The install goes to a scratch collections path with --no-deps (the dependencies,
# community.mysql and amazon.aws, come with the ansible package; no Galaxy access needed),
# then checks that ansible-doc can read a module from the installed copy and that no
# development-only directory slipped into the archive.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$REPO/.venv"
DIST="$REPO/.build/dist"
SCRATCH="$REPO/.build/install-check"
export PATH="$VENV/bin:$PATH"

rm -rf "$DIST" "$SCRATCH"
mkdir -p "$DIST" "$SCRATCH"

ansible-galaxy collection build "$REPO" --output-path "$DIST"
tarball="$(ls "$DIST"/mysql_rds-replication-*.tar.gz)"

leaked="$(tar -tzf "$tarball" | grep -E '^(\.venv|\.lab|\.build|\.git|tests/output|bench/results)(/|$)' || true)"
if [ -n "$leaked" ]; then
    echo "ERROR: the archive contains development files:" >&2
    echo "$leaked" | head -20 >&2
    exit 1
fi

# Outside the repo config: the repo itself is linked in as mysql_rds.replication there.
(cd "$SCRATCH" && ANSIBLE_COLLECTIONS_PATH="$SCRATCH" \
    ansible-galaxy collection install --force --no-deps -p "$SCRATCH" "$tarball")
installed="$SCRATCH/ansible_collections/mysql_rds/replication"
[ -f "$installed/MANIFEST.json" ] || { echo "ERROR: install did not produce $installed" >&2; exit 1; }

# ansible-doc on the installed copy only (not the repo link in .build/collections).
module="$(find "$installed/plugins/modules" -name '*.py' ! -name '__init__.py' 2>/dev/null | sort | head -1 || true)"
if [ -n "$module" ]; then
    name="mysql_rds.replication.$(basename "$module" .py)"
    (cd "$SCRATCH" && ANSIBLE_COLLECTIONS_PATH="$SCRATCH" ansible-doc "$name" >/dev/null)
    echo "ansible-doc $name: OK (from the installed tarball)"
fi
echo "built and installed: $(basename "$tarball") ($(tar -tzf "$tarball" | wc -l) entries, $(du -h "$tarball" | cut -f1))"
