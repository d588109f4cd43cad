"""Make `ansible_collections.mysql_rds.replication` importable when pytest runs from the repo.

ansible-test runs from .../ansible_collections/mysql_rds/replication already; plain pytest
from a checkout gets a symlinked collection root in the temp directory.
"""
import hashlib
import os
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _collection_root():
    parts = REPO.split(os.sep)
    if parts[-3:] == ['ansible_collections', 'mysql_rds', 'replication']:
        return os.sep.join(parts[:-3])
    # Outside the repo, so no tool walking the checkout ever meets a symlink back into it.
    tag = hashlib.sha1(REPO.encode('utf-8')).hexdigest()[:12]
    root = os.path.join(tempfile.gettempdir(), 'mysql_rds_replication-%s' % tag)
    link = os.path.join(root, 'ansible_collections', 'mysql_rds', 'replication')
    if not os.path.islink(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(REPO, link)
    return root


sys.path.insert(0, _collection_root())
