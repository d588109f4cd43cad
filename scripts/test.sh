#!/usr/bin/env bash
# The whole test suite: install (setup.sh), static checks, then the lab-based tests.
#
#   bash scripts/test.sh              # every step
#   bash scripts/test.sh unit lint    # only the named steps (setup always runs first)
#
# Steps: unit sanity lint changelog build lab integration molecule.
# Two labs (tests/lab/labctl) are started for the integration tests, which run in two processes
# side by side (scripts/integration.sh), and stopped before the molecule scenarios (each runs a
# lab of its own) and at exit, whatever happened; their locations and ports follow LAB_DIR /
# LAB_PORT_BASE and LAB2_DIR / LAB2_PORT_BASE (defaults <repo>/.lab and <repo>/.build/lab-2, the
# first free bases of 13300 15300 ... 19300).
# Exit status: 0 only when every step that ran passed. Logs: <repo>/.build/test-logs/.
set -uo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO" || exit 1
LOGS="$REPO/.build/test-logs"
ALL_STEPS=(unit sanity lint changelog build lab integration molecule)
LABCTL="$REPO/tests/lab/labctl"

declare -a SUMMARY=()
PASSED=0
FAILED=0
LAB_STARTED=""

say() { printf '\n==> %s\n' "$*"; }

record() { # name status seconds detail
    SUMMARY+=("$(printf '%-34s %-5s %5ss  %s' "$1" "$2" "$3" "$4")")
    if [ "$2" = PASS ]; then PASSED=$((PASSED + 1)); else FAILED=$((FAILED + 1)); fi
}

# run_step NAME TIMEOUT_SECONDS COMMAND...: run with a time limit and no stdin, tee the
# output to $LOGS/NAME.log, record PASS/FAIL. Returns the command's exit status.
# The step runs in the background so that a signal reaches our trap at once (bash defers
# traps while a foreground command runs); `timeout` passes the signal on to the step.
STEP_PID=""
STEP_NAME=""
STEP_START=0
run_step() {
    local name="$1" limit="$2" rc
    shift 2
    say "$name: $*"
    STEP_NAME="$name"
    STEP_START=$SECONDS
    timeout -k 30 "$limit" "$@" </dev/null > >(tee "$LOGS/$name.log") 2>&1 &
    STEP_PID=$!
    wait "$STEP_PID"
    rc=$?
    STEP_PID=""
    local detail="exit $rc, log .build/test-logs/$name.log"
    [ "$rc" -ne 124 ] || detail="timed out after ${limit}s, log .build/test-logs/$name.log"
    if [ "$rc" -eq 0 ]; then
        record "$name" PASS $((SECONDS - STEP_START)) ""
    else
        record "$name" FAIL $((SECONDS - STEP_START)) "$detail"
    fi
    return "$rc"
}

on_signal() {
    if [ -n "$STEP_PID" ]; then
        kill -TERM "$STEP_PID" 2>/dev/null
        wait "$STEP_PID" 2>/dev/null
        record "$STEP_NAME" FAIL $((SECONDS - STEP_START)) "interrupted"
        STEP_PID=""
    fi
    exit 130
}

# pytest_step NAME TIMEOUT PATH [ARGS...]: pytest where tests are expected, so exit 5
# (no test collected) is a failure like any other non-zero exit.
pytest_step() {
    local name="$1" limit="$2" path="$3"
    shift 3
    if [ ! -d "$path" ]; then
        record "$name" FAIL 0 "$path does not exist"
        return 1
    fi
    mkdir -p "$REPO/.build/pytest"
    # A temporary base of our own: pytest prunes old numbered dirs under /tmp/pytest-of-<user>,
    # which would pull the ground from under another pytest running on the same machine.
    run_step "$name" "$limit" python -m pytest "$path" -p no:cacheprovider --basetemp "$REPO/.build/pytest/$name" "$@"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The first of the candidate bases (default 13300 15300 ... 19300) whose lab ports (base+1..5,
# base+10) nobody listens on. The molecule scenarios take theirs from 13700 13800 21300 ...
free_port_base() {
    local base offset busy candidates=("$@")
    [ $# -gt 0 ] || candidates=(13300 15300 16300 17300 18300 19300)
    for base in "${candidates[@]}"; do
        busy=""
        for offset in 1 2 3 4 5 10; do
            if port_in_use $((base + offset)); then busy=1; break; fi
        done
        if [ -z "$busy" ]; then echo "$base"; return 0; fi
    done
    return 1
}

lab_down() {
    if [ -n "$LAB_STARTED" ]; then
        say "lab down"
        timeout -k 10 180 "$LABCTL" down </dev/null || echo "WARNING: labctl down failed" >&2
        LAB_DIR="$LAB2_DIR" LAB_PORT_BASE="$LAB2_PORT_BASE" timeout -k 10 180 "$LABCTL" down </dev/null ||
            echo "WARNING: labctl down of the second lab failed" >&2
        LAB_STARTED=""
    fi
}

print_summary() {
    say "summary"
    local line
    for line in "${SUMMARY[@]}"; do echo "  $line"; done
    echo "steps: $PASSED passed, $FAILED failed"
}

finish() {
    lab_down
    print_summary
}
trap finish EXIT
trap on_signal INT TERM

step_unit() { pytest_step unit 300 tests/unit -q; }
step_sanity() { run_step sanity 1800 bash scripts/sanity.sh; }
step_lint() { run_step lint 900 ansible-lint --profile production --offline; }
step_changelog() { run_step changelog 300 antsibull-changelog lint; }
step_build() { run_step build 600 bash scripts/build.sh; }

# Two labs: the integration tests run in two processes side by side (scripts/integration.sh).
step_lab() {
    if [ ! -x "$LABCTL" ]; then
        record lab FAIL 0 "$LABCTL not found"
        return 1
    fi
    LAB_STARTED=1 # even a failed `up` may leave instances running: always bring it down
    run_step lab 600 "$LABCTL" up || return 1
    run_step lab-2 600 env LAB_DIR="$LAB2_DIR" LAB_PORT_BASE="$LAB2_PORT_BASE" "$LABCTL" up || return 1
    LAB_INVENTORY="$("$LABCTL" inventory)" || {
        record lab-inventory FAIL 0 "labctl inventory failed"
        return 1
    }
    export LAB_INVENTORY
}

step_integration() {
    if [ -z "${LAB_INVENTORY:-}" ]; then
        record integration FAIL 0 "the lab is not up"
        return 1
    fi
    run_step integration 2400 bash scripts/integration.sh
}

step_molecule() {
    # Each scenario brings up and tears down a lab of its own (see its molecule.yml):
    # stop ours first, to leave the 2 cores to it.
    lab_down
    local found="" scenario_file scenario
    for scenario_file in molecule/*/molecule.yml; do
        [ -f "$scenario_file" ] || continue
        found=1
        scenario="$(basename "$(dirname "$scenario_file")")"
        # A lab directory and free ports of this run (docs/molecule.md): two runs never collide.
        local lab_dir port_base
        lab_dir="$(mktemp -d "/tmp/lab-molecule-$scenario-XXXXXX")"
        # shellcheck disable=SC2046  # the candidate list splits into words on purpose
        port_base="$(free_port_base $(seq 13700 100 13800) $(seq 21300 1000 29300))" ||
            { record "molecule-$scenario" FAIL 0 "no free port range"; continue; }
        MOLECULE_LAB_DIR="$lab_dir" MOLECULE_LAB_PORT_BASE="$port_base" \
            run_step "molecule-$scenario" 900 molecule test -s "$scenario"
        rmdir "$lab_dir" 2>/dev/null || true
    done
    [ -n "$found" ] || { record molecule FAIL 0 "no scenario (molecule/*/molecule.yml)"; return 1; }
}

main() {
    mkdir -p "$LOGS"
    local steps=("$@")
    [ ${#steps[@]} -gt 0 ] || steps=("${ALL_STEPS[@]}")
    local step
    for step in "${steps[@]}"; do
        [[ " ${ALL_STEPS[*]} " == *" $step "* ]] || { echo "unknown step '$step' (steps: ${ALL_STEPS[*]})" >&2; exit 2; }
    done
    # The integration tests need the lab: asking for them starts it.
    if [[ " ${steps[*]} " == *" integration "* ]] && [[ " ${steps[*]} " != *" lab "* ]]; then
        steps=(lab "${steps[@]}")
    fi

    run_step setup 1800 bash scripts/setup.sh || exit 1
    export VIRTUAL_ENV="$REPO/.venv"
    export PATH="$VIRTUAL_ENV/bin:$PATH"
    # For tools that do not read ./ansible.cfg (molecule writes its own config).
    export ANSIBLE_COLLECTIONS_PATH="$REPO/.build/collections"
    # The lab's location, explicit for the tests (labctl has the same defaults); without an
    # explicit LAB_PORT_BASE, a base whose ports are all free (another lab may run here).
    export LAB_DIR="${LAB_DIR:-$REPO/.lab}"
    if [ -z "${LAB_PORT_BASE:-}" ]; then
        LAB_PORT_BASE="$(free_port_base)" || { echo "no free port range for the lab" >&2; exit 1; }
    fi
    export LAB_PORT_BASE
    # The second lab: another free base (the first lab is not up yet, so its base is left out).
    export LAB2_DIR="${LAB2_DIR:-$REPO/.build/lab-2}"
    if [ -z "${LAB2_PORT_BASE:-}" ]; then
        # shellcheck disable=SC2046  # the candidate list splits into words on purpose
        LAB2_PORT_BASE="$(free_port_base $(printf '%s\n' 13300 15300 16300 17300 18300 19300 | grep -vx "$LAB_PORT_BASE"))" ||
            { echo "no free port range for the second lab" >&2; exit 1; }
    fi
    export LAB2_PORT_BASE

    for step in "${steps[@]}"; do
        "step_$step"
    done
    lab_down
    [ "$FAILED" -eq 0 ]
}

main "$@"
