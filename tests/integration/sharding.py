"""Split the integration tests between test processes that run side by side, each against a lab of
its own (scripts/test.sh: INTEGRATION_SHARD=1/2 and 2/2). Whole files go to one process (the tests
of a file share module fixtures and a lab state), heaviest first to the least loaded process, so
every process computes the same split. A file not listed weighs DEFAULT_SECONDS: a new test file
is always run by exactly one process.
"""
import os

DEFAULT_SECONDS = 20
# Rough seconds per file on an idle 2-core machine (pytest --durations), to balance the processes.
SECONDS = {
    "faults/test_bad_inputs.py": 270,
    "faults/test_direction1_faults.py": 420,
    "test_check_mode.py": 210,
    "test_rds_to_onprem.py": 180,
    "test_rds_to_onprem_subset.py": 150,
    "faults/test_cutover_faults.py": 150,
    "faults/test_direction1_security_group.py": 130,
    "faults/test_direction2_restarts.py": 120,
    "test_onprem_to_rds.py": 110,
    "test_proof_reuse_rds.py": 80,
    "test_cutover.py": 100,
    "test_cutover_dns.py": 100,
    "test_consumer_project.py": 110,
    "test_ansible_runner.py": 75,
    "test_rds_to_onprem_accounts.py": 65,
    "faults/test_copy_faults.py": 120,
    "test_replica_of_rds_aws.py": 60,
    "faults/test_direction2_interrupt.py": 55,
    "test_doc_examples.py": 50,
    "test_launch_rds.py": 50,
    "faults/test_direction2_events.py": 40,
    "faults/test_connection_timeouts.py": 40,
    "modules/test_login_aliases.py": 40,
}


def parse(value):
    """'2/3' -> (2, 3); empty -> None (every test runs)."""
    if not value:
        return None
    index, _slash, count = value.partition("/")
    index, count = int(index), int(count)
    if not 1 <= index <= count:
        raise ValueError("INTEGRATION_SHARD=%s: want i/n with 1 <= i <= n" % value)
    return index, count


def assign(files, count):
    """{file: shard number (1..count)}, the heaviest files first to the least loaded shard."""
    loads = [0] * count
    shard_of = {}
    for name in sorted(files, key=lambda f: (-SECONDS.get(f, DEFAULT_SECONDS), f)):
        target = loads.index(min(loads))
        shard_of[name] = target + 1
        loads[target] += SECONDS.get(name, DEFAULT_SECONDS)
    return shard_of


def select(config, items, root):
    shard = parse(os.environ.get("INTEGRATION_SHARD", ""))
    if shard is None:
        return
    index, count = shard

    def name(item):
        return os.path.relpath(str(item.fspath), str(root)).replace(os.sep, "/")

    shard_of = assign(sorted(set(name(item) for item in items)), count)
    keep = [item for item in items if shard_of[name(item)] == index]
    dropped = [item for item in items if shard_of[name(item)] != index]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    items[:] = keep
