"""The store-backed change sink: every change recorded before its write, and writes the plan does not list refused.

The write helper (:mod:`scorekeeper.writes`) calls it through the plugin API's
:class:`~scorekeeper.writes.ChangeSink` protocol; the engine hands one to each control it
remediates or rolls back. It is where the gate (a signal, a lost lease) and the confirmed plan
are enforced, before anything is recorded or sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from scorekeeper.domain.model import Change
from scorekeeper.errors import PlanViolation
from scorekeeper.safety.gate import WriteGate


@dataclass
class StoreSink:
    """Persists each change before its write, refuses writes outside the plan, and after a stop, all."""

    store: Any
    run_id: int
    control: str
    allowed: frozenset[str]
    gate: WriteGate = field(default_factory=WriteGate)
    changes: list[Change] = field(default_factory=list)

    @property
    def stop_reason(self) -> str:
        """Why no new write may start (empty while writes may go on): what the write helper checks."""
        return self.gate.reason if self.gate.closed else ""

    def started(self, change: Change) -> int:
        self.gate.check()  # stopping (a signal, a lost lease): refuse before recording or sending
        if change.setting not in self.allowed:
            raise PlanViolation(f"setting {change.setting!r} is not in the confirmed plan; nothing was written")
        change_id = self.store.change_started(self.run_id, self.control, change)
        self.changes.append(replace(change, id=change_id))
        return change_id

    def finished(self, change: Change) -> None:
        self.store.change_finished(change)
        self.changes = [change if c.id == change.id else c for c in self.changes]
