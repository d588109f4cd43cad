"""Fixtures for the module tests; helpers live in module_runner.py (the lab fixture is in ../conftest.py)."""
import secrets

import pytest


@pytest.fixture(scope='session')
def repl_password():
    """A fresh replication password per session, so finding it in output means a leak."""
    return 'It-' + secrets.token_hex(12)
