"""Read-back after a write: did it stick, and does the setting now pass? Two answers, kept apart.

A verification finding's ``status`` is *compliance* (the setting as assessed now) and its
``verification`` is whether the write *stuck*. A rollback that restored an insecure value has
``verification = stuck`` and ``status = fail``: it is never shown as a pass. Plugins build
their verify findings with :func:`verified` so the wording is the same everywhere.

This is the public face plugins import (the names stay stable across releases); the
implementation lives in :mod:`scorekeeper.safety.verification`, which is internal and may move.
"""

from scorekeeper.safety.verification import (
    check_write,
    verified,
)

__all__ = [
    "check_write",
    "verified",
]
