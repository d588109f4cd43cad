"""Polling for the integration tests: replication is asynchronous, so tests wait for what must arrive."""
import time


def wait_until(predicate, timeout=30, step=0.3):
    """Call predicate until it returns something truthy or timeout seconds pass; return its last value."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()
