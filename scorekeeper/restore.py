"""The default rollback: make what a recorded change wrote equal to its before-value again.

Rollback restores *state*, not just applied changes. For every change of a run — applied,
failed, ambiguous, or started and never finished — it re-reads the resource, compares it with
the recorded before-value, and writes only when they differ, so running it twice is harmless and
a write that never happened is reported "already as before". Created objects are deleted; one
whose create answer was lost is found again by the marker the write helper put on it before the
``POST`` left. The result of each change is a :class:`scorekeeper.Restoration`.

Rollback's own writes go through the same write helper, so they are recorded (with their own
before-values) in the rollback run like any remediation.

This is the public face plugins import (the names stay stable across releases); the
implementation lives in :mod:`scorekeeper.safety.restore`, which is internal and may move.
"""

from scorekeeper.safety.restore import merged, restore

__all__ = ["merged", "restore"]
