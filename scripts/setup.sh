#!/usr/bin/env bash
# Install everything the tests, the lab and the demo need, idempotently.
#
# Run as root on Debian 12 (apt-get is skipped when every package is already there, so a
# non-root user can re-run it on a prepared machine). It:
#   1. installs the Debian packages of bindep.txt ("test" profile included), never leaving the
#      distro's MariaDB service running (the lab starts its own mariadbd instances);
#   2. creates <repo>/.venv with the exact versions of requirements-dev.txt + constraints.txt
#      (pip is skipped while those files' hash is unchanged);
#   3. makes the collection importable as mysql_rds.replication through
#      <repo>/.build/collections (see ansible.cfg).
# Environment: PYTHON (interpreter for the venv, default python3.11 or python3),
# SETUP_FORCE_PIP=1 to reinstall the Python packages.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$REPO/.venv"
STAMP="$VENV/.requirements.sha256"
export DEBIAN_FRONTEND=noninteractive PIP_NO_INPUT=1 PIP_DISABLE_PIP_VERSION_CHECK=1

log() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

# Package names of bindep.txt for this Debian machine: entries without a platform selector and
# entries selecting platform:dpkg (or platform:debian), unless a "!platform:..." excludes them.
# Profiles are ignored on purpose: this machine runs the tests, so the "test" entries are
# installed too (an execution environment build installs only the entries without a profile).
bindep_packages() {
    local name rest selectors sel wanted platform_given
    sed -e 's/#.*//' "$REPO/bindep.txt" | while read -r name rest; do
        [ -n "$name" ] || continue
        selectors=""
        if [[ "$rest" =~ \[([^]]*)\] ]]; then selectors="${BASH_REMATCH[1]}"; fi
        wanted="" platform_given=""
        for sel in $selectors; do
            case "$sel" in
                '!platform:dpkg' | '!platform:debian'*) wanted=no; break ;;
                platform:dpkg | platform:debian*) wanted=yes ;;
                platform:*) platform_given=1 ;;
            esac
        done
        if [ "$wanted" = yes ] || { [ -z "$wanted" ] && [ -z "$platform_given" ]; }; then
            echo "$name"
        fi
    done
}

missing_packages() {
    local pkg
    for pkg in $(bindep_packages); do
        if [ "$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null)" != "installed" ]; then
            echo "$pkg"
        fi
    done
}

distro_mariadb_pid() {
    local pid
    for pidfile in /run/mysqld/mysqld.pid /var/run/mysqld/mysqld.pid; do
        if [ -r "$pidfile" ]; then
            pid="$(cat "$pidfile" 2>/dev/null || true)"
            if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
                echo "$pid"
                return
            fi
        fi
    done
}

install_system_packages() {
    command -v dpkg-query >/dev/null || die "this script supports Debian/Ubuntu only (dpkg not found)"
    local missing
    missing="$(missing_packages | tr '\n' ' ')"
    if [ -z "${missing// /}" ]; then
        log "system packages: all present"
        return
    fi
    [ "$(id -u)" -eq 0 ] || die "missing Debian packages ($missing): run this script as root"
    log "system packages: installing $missing"

    # Keep apt from starting the distro's MariaDB: deny service starts while we install,
    # unless a policy already denies them (Docker images ship one). Remove only what we add.
    local policy=/usr/sbin/policy-rc.d added_policy=""
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy"
        chmod 0755 "$policy"
        added_policy=1
    fi
    local before_pid
    before_pid="$(distro_mariadb_pid)"

    local rc=0
    apt-get update -qq || rc=$?
    # shellcheck disable=SC2086  # word splitting of the package list is intended
    [ "$rc" -ne 0 ] || apt-get install -y -qq --no-install-recommends $missing || rc=$?

    [ -z "$added_policy" ] || rm -f "$policy"
    local after_pid
    after_pid="$(distro_mariadb_pid)"
    if [ -n "$after_pid" ] && [ "$after_pid" != "$before_pid" ]; then
        # Started by this installation: stop exactly that process.
        log "stopping the distro MariaDB (pid $after_pid) started by the package installation"
        kill "$after_pid" 2>/dev/null || true
        for _ in $(seq 1 30); do kill -0 "$after_pid" 2>/dev/null || break; sleep 1; done
    fi
    if [[ " $missing " == *" mariadb-server "* ]] && [ -d /run/systemd/system ]; then
        systemctl disable --quiet mariadb 2>/dev/null || true
    fi
    [ "$rc" -eq 0 ] || die "apt-get failed (exit $rc)"
}

pick_python() {
    local candidate
    for candidate in "${PYTHON:-}" python3.11 python3; do
        [ -n "$candidate" ] || continue
        if command -v "$candidate" >/dev/null &&
            "$candidate" -c 'import sys, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            command -v "$candidate"
            return
        fi
    done
    die "no Python >= 3.11 with the venv module found (set PYTHON=...)"
}

requirements_hash() {
    {
        cat "$REPO/requirements.txt" "$REPO/requirements-dev.txt" "$REPO/constraints.txt"
        "$VENV/bin/python" -c 'import sys; print(sys.version)'
    } | sha256sum | cut -d' ' -f1
}

install_venv() {
    if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import sys' 2>/dev/null; then
        local python
        python="$(pick_python)"
        log "creating $VENV with $python"
        rm -rf "$VENV"
        "$python" -m venv "$VENV"
    fi
    local want
    want="$(requirements_hash)"
    if [ -z "${SETUP_FORCE_PIP:-}" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
        log "python packages: up to date ($VENV)"
        return
    fi
    log "python packages: installing into $VENV (a few minutes the first time)"
    rm -f "$STAMP"
    # (the grep drops pip's notes about local package mirrors that do not exist on this host)
    "$VENV/bin/python" -m pip install --quiet \
        -r "$REPO/requirements-dev.txt" -c "$REPO/constraints.txt" \
        2> >(grep -v "^WARNING: Location 'file:" >&2)
    "$VENV/bin/python" -m pip check >/dev/null || log "warning: pip check reports conflicts"
    echo "$want" >"$STAMP"
}

link_collection() {
    local parent="$REPO/.build/collections/ansible_collections/mysql_rds"
    mkdir -p "$parent"
    # Relative link: the tree can be moved or mounted elsewhere.
    ln -sfn ../../../.. "$parent/replication"
    [ -f "$parent/replication/galaxy.yml" ] || die "collection link $parent/replication is broken"
}

check_install() {
    local out
    out="$(cd "$REPO" && "$VENV/bin/ansible-galaxy" collection list 2>/dev/null)"
    local name
    for name in mysql_rds.replication community.mysql amazon.aws; do
        grep -q "^$name " <<<"$out" || die "Ansible does not see the collection $name"
    done
    log "ansible sees: $(grep -E '^(mysql_rds.replication|community.mysql|amazon.aws) ' <<<"$out" |
        awk '{printf "%s %s, ", $1, $2}' | sed 's/, $//')"
}

install_system_packages
install_venv
link_collection
check_install
log "done. Activate with: source $VENV/bin/activate"
