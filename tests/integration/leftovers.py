"""What a killed or interrupted run may leave behind: files that hold a secret, processes (Linux /proc)."""
import os
from pathlib import Path

MAX_SIZE = 64 * 1024 * 1024


def files_holding(values, since, skip=()):
    """Regular files under /tmp changed since ``since`` that hold one of ``values`` (``skip``: paths
    whose directories are left out, e.g. the labs' own data and secrets)."""
    found = []
    for top, dirs, files in os.walk('/tmp'):
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(top, d))
                   and not any(os.path.join(top, d).startswith(s) for s in skip)]
        for name in files:
            path = os.path.join(top, name)
            try:
                info = os.lstat(path)
                if not os.path.isfile(path) or info.st_mtime < since or info.st_size > MAX_SIZE:
                    continue
                with open(path, 'rb') as handle:
                    data = handle.read()
            except OSError:
                continue
            if any(value.encode() in data for value in values):
                found.append(path)
    return found


def descendants(pid):
    """Every descendant of ``pid``."""
    found, todo = [], [pid]
    while todo:
        for task in Path('/proc/%d/task' % todo.pop()).glob('*/children'):
            try:
                kids = [int(kid) for kid in task.read_text().split()]
            except OSError:
                continue
            found.extend(kids)
            todo.extend(kids)
    return found


def cmdline(pid):
    try:
        return Path('/proc/%d/cmdline' % pid).read_bytes().replace(b'\0', b' ').decode('utf-8', 'replace')
    except OSError:
        return ''


def alive(pid):
    """Running (not a zombie waiting for its parent)."""
    try:
        return Path('/proc/%d/stat' % pid).read_text().rsplit(') ', 1)[1][:1] != 'Z'
    except (OSError, IndexError):
        return False
