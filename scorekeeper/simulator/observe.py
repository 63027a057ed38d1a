"""What a test asserts on: the request log, and differences in tenant state since a mark."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the simulator saw it; requests inside a ``$batch`` have ``batched=True``.

    ``status`` is what the backend did (a write applied is 2xx even when a fault then told the
    client otherwise); ``at`` is when the request arrived (``time.time()``), so a test can tell
    which writes started after a given moment.
    """

    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int
    batched: bool = False
    tenant_id: str | None = None
    at: float = 0.0

    @property
    def is_write(self) -> bool:
        """A successful state-changing request (the ``$batch`` envelope itself is not one)."""
        return self.method in WRITE_METHODS and 200 <= self.status < 300 and not self.path.endswith("/$batch")


@dataclass(frozen=True)
class StateChange:
    """One difference: ``path`` is dotted, list items are named by their id (``policies[id=…]``)."""

    tenant_id: str
    path: str
    before: Any
    after: Any

    def __str__(self) -> str:
        return f"{self.tenant_id}: {self.path}: {self.before!r} → {self.after!r}"


_MISSING = object()
#: Timestamps and counters the service maintains itself: a rollback cannot restore them, and they
#: are not settings, so :func:`diff` leaves them out unless asked.
SERVER_MAINTAINED = frozenset({"lastModifiedDateTime", "modifiedDateTime", "version"})


def _keyed(items: list[Any]) -> dict[str, Any] | None:
    if not items or not all(isinstance(i, dict) and isinstance(i.get("id"), str) for i in items):
        return None
    keyed = {i["id"]: i for i in items}
    return keyed if len(keyed) == len(items) else None


def diff(
    tenant_id: str, before: Any, after: Any, path: str = "", *, ignore: frozenset[str] = SERVER_MAINTAINED
) -> list[StateChange]:
    """Every leaf-level difference between two JSON values (keys in ``ignore`` skipped)."""
    if isinstance(before, dict) and isinstance(after, dict):
        changes: list[StateChange] = []
        for key in sorted(set(before) | set(after), key=str):
            if key in ignore:
                continue
            sub = f"{path}.{key}" if path else str(key)
            old, new = before.get(key, _MISSING), after.get(key, _MISSING)
            if old is _MISSING:
                changes.append(StateChange(tenant_id, sub, None, new))
            elif new is _MISSING:
                changes.append(StateChange(tenant_id, sub, old, None))
            else:
                changes += diff(tenant_id, old, new, sub, ignore=ignore)
        return changes
    if isinstance(before, list) and isinstance(after, list) and before != after:
        old_keyed, new_keyed = _keyed(before), _keyed(after)
        if (old_keyed is not None or not before) and (new_keyed is not None or not after):
            old_keyed, new_keyed = old_keyed or {}, new_keyed or {}
            changes = []
            for key in list(old_keyed) + [k for k in new_keyed if k not in old_keyed]:
                sub = f"{path}[id={key}]"
                if key not in new_keyed:
                    changes.append(StateChange(tenant_id, sub, old_keyed[key], None))
                elif key not in old_keyed:
                    changes.append(StateChange(tenant_id, sub, None, new_keyed[key]))
                else:
                    changes += diff(tenant_id, old_keyed[key], new_keyed[key], sub, ignore=ignore)
            return changes
    if before != after:
        return [StateChange(tenant_id, path, before, after)]
    return []
