"""What a killed or interrupted run may leave behind: files that hold a secret."""
import os

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
