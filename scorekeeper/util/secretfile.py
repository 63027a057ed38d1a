"""Secrets kept in files (``client_secret_file``, a webhook's ``url_file``), read with a bound.

A secret is a few hundred bytes. Reading whatever path a config names without a bound turned
``url_file = "/dev/zero"`` into "unexpected MemoryError" (and a FIFO or a huge log file into a
hang); a secret file must be a regular file of at most :data:`MAX_SECRET_BYTES`, and anything
else is one line saying so, before a byte of it is kept.
"""

from __future__ import annotations

import stat
from pathlib import Path

#: Far above any client secret, webhook URL or token, far below anything that hurts to read.
MAX_SECRET_BYTES = 64 * 1024


def read_secret_file(path: Path, limit: int = MAX_SECRET_BYTES) -> str:
    """The stripped UTF-8 text of ``path``; ``ValueError`` (one line, no content) when it is not a secret file.

    ``OSError`` from the file system (missing, unreadable) propagates for the caller to word.
    """
    path = path.expanduser()
    if not stat.S_ISREG(path.stat().st_mode):
        raise ValueError(f"{path} is not a regular file")
    with path.open("rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"{path} is larger than {limit // 1024} KiB: not a secret")
    try:
        return data.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not UTF-8 text") from None
