"""In what order a run's changes are restored: together where they cannot disturb each other.

Rollback restores every change of a run newest first. Done one by one, that is three round trips
per change (read, write, read back) and a whole-object ``PUT`` written again for each setting it
carried. Most changes are independent, so :func:`restore_order` groups them:

- by **resource** (its API and path, whatever the version; a change to an object the run created
  belongs to that object, since deleting it undoes them all), resources restored concurrently;
- within a resource, into **steps** run one after another, newest first; the changes of a step
  run concurrently (their reads share a wave, their restores may merge into one request), which
  is allowed only when they set disjoint fields through the default restore (a ``PATCH`` or
  ``PUT`` whose before-value holds exactly the fields to put back). A create, a delete, an
  action with its own recorded undo, a change of a controller with its own ``rollback``, or two
  changes touching one field (the older one's before-value must be the last written) each get a
  step of their own, in the newest-first order.

So each setting is still restored to its own recorded before-value alone, and two changes of one
field are undone in exactly the order a one-by-one rollback would undo them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TypeVar

from scorekeeper.domain.model import Change, JSONValue

T = TypeVar("T")
Leaf = tuple[str, ...]


def leaves(value: JSONValue, prefix: Leaf = ()) -> set[Leaf]:
    """The field paths a before-value names: ``{"a": {"b": 1}, "c": 2}`` → ``{("a", "b"), ("c",)}``."""
    if isinstance(value, Mapping) and value:
        out: set[Leaf] = set()
        for key, sub in value.items():
            out |= leaves(sub, (*prefix, str(key)))
        return out
    return {prefix}


def overlap(first: set[Leaf], second: set[Leaf]) -> bool:
    """Whether two sets of field paths touch one field (one path equal to, or inside, another)."""
    return any(a[: len(b)] == b or b[: len(a)] == a for a in first for b in second)


def _request(change: Change) -> Mapping[str, JSONValue]:
    recorded = change.resource.get("request")
    return recorded if isinstance(recorded, Mapping) else {}


def resource_key(change: Change, created: Iterable[str]) -> str:
    """The resource ``change`` wrote: the object the run created it belongs to, else its API and path."""
    request = _request(change)
    path = str(change.resource.get("path") or request.get("path") or change.setting).split("?", 1)[0].strip("/")
    for root in created:
        root = root.strip("/")
        if path == root or path.startswith(root + "/"):
            return f"created {root}"
    return f"{request.get('api', 'graph')} {path}"


def mergeable(change: Change) -> bool:
    """Whether the default restore puts exactly the before-value's fields back with a ``PATCH`` or ``PUT``."""
    method = str(_request(change).get("method", "")).upper()
    return (
        not change.created
        and method in ("PATCH", "PUT")
        and not isinstance(change.resource.get("undo"), Mapping)
        and isinstance(change.before, Mapping)
        and bool(change.before)
    )


def restore_order(
    items: Sequence[T], change_of: Callable[[T], Change], created: Iterable[str], custom: Callable[[T], bool]
) -> list[list[list[T]]]:
    """``items`` (newest first) as resources → steps → the items restored together; see the module docstring.

    ``custom(item)``: its controller restores it with its own ``rollback`` (never grouped).
    """
    roots = list(created)
    resources: dict[str, list[list[T]]] = {}
    fields: dict[str, set[Leaf]] = {}  # the fields of the last step of each resource
    for item in items:
        change = change_of(item)
        key = resource_key(change, roots)
        steps = resources.setdefault(key, [])
        together = mergeable(change) and not custom(item)
        touched = leaves(change.before) if together else set()
        last = steps[-1] if steps else None
        if (
            last is not None
            and together
            and all(mergeable(change_of(i)) and not custom(i) for i in last)
            and not overlap(fields[key], touched)
        ):
            last.append(item)
            fields[key] |= touched
        else:
            steps.append([item])
            fields[key] = touched
    return list(resources.values())


__all__ = ["leaves", "mergeable", "overlap", "resource_key", "restore_order"]
