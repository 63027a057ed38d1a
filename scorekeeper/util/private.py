"""Files and folders only their owner can read: history, its WAL, simulator state, reports.

History holds tenant configuration (policy fields, group ids, who changed what), a simulator's
state file holds its token-signing secret, and a report is the tenant's security posture. None
should be readable by other accounts on a shared machine, whatever the umask. These helpers
create what does not exist yet with owner-only modes; an existing file or folder keeps the mode
its owner chose.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: Path) -> None:
    """Create ``path`` and any missing parents with mode 0700 (existing folders are left alone)."""
    missing = []
    current = path
    while not current.exists() and current != current.parent:
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another process made it first
            folder.mkdir(mode=DIR_MODE)
            folder.chmod(DIR_MODE)  # mkdir's mode is filtered by the umask


def private_file(path: Path) -> None:
    """Create an empty ``path`` with mode 0600 unless it exists, so whatever fills it later
    (SQLite, with its ``-wal`` and ``-shm`` files, which take the database file's mode) is private."""
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return
    os.close(fd)
    path.chmod(FILE_MODE)
