#!/usr/bin/env bash
# The integration tests in two pytest processes side by side, each against a lab of its own
# (tests/integration/sharding.py gives each a share of the test files): the first uses LAB_DIR /
# LAB_PORT_BASE, the second LAB2_DIR / LAB2_PORT_BASE; scripts/test.sh starts both labs. Each
# line of output is prefixed with its process; exit 0 only when both passed.
set -uo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO" || exit 1

if [ "${1:-}" = "--shard" ]; then # --shard INDEX LAB_DIR PORT_BASE: one process (own process group)
    INTEGRATION_SHARD="$2/2" LAB_DIR="$3" LAB_PORT_BASE="$4" LAB_INVENTORY="$3/inventory.yml" \
        python -m pytest tests/integration -q -p no:cacheprovider --durations=15 \
        --basetemp "$REPO/.build/pytest/integration-$2" 2>&1 | sed -u "s/^/[integration $2\/2] /"
    exit "${PIPESTATUS[0]}"
fi

: "${LAB_DIR:?}" "${LAB_PORT_BASE:?}" "${LAB2_DIR:?}" "${LAB2_PORT_BASE:?}"
mkdir -p "$REPO/.build/pytest"
PIDS=()
stop() { # each process runs in a process group of its own: end the whole group
    local pid
    for pid in "${PIDS[@]}"; do kill -TERM -- "-$pid" 2>/dev/null; done
    wait
    exit 130
}
trap stop INT TERM

setsid "$0" --shard 1 "$LAB_DIR" "$LAB_PORT_BASE" &
PIDS+=($!)
setsid "$0" --shard 2 "$LAB2_DIR" "$LAB2_PORT_BASE" &
PIDS+=($!)
wait "${PIDS[0]}"; first=$?
wait "${PIDS[1]}"; second=$?
echo "integration: process 1 exit $first, process 2 exit $second"
[ "$first" -eq 0 ] && [ "$second" -eq 0 ]
