"""Simulated tenants' starting states, read from the package's ``profiles/*.json`` data files.

A profile file holds a ``description`` and either a whole ``tenant`` state or ``extends`` (another
profile) plus ``set`` (dotted paths → new values; ``a.b[id=X].c`` reaches into a list by id),
``add`` (dotted paths → items appended to the list there, so a profile or fixture adds one user
without restating the others; an item whose ``id`` is already present replaces it) and
``generate`` (counts of users, groups, CA policies, device configurations and verified domains to
add, for benchmarks). A profile that holds no ``signIns`` gets a sign-in log evaluated against
its own Conditional Access policies (:mod:`scorekeeper.simulator.signins`). Strings may hold
``$TENANT_ID``, ``$DOMAIN``, ``$TODAY``, ``$YESTERDAY`` and ``$DAYS_AGO_N`` (N = 2..30),
filled in when a tenant is built, so each simulated tenant has its own ids and current dates.
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any

from scorekeeper.errors import (
    ProfileError,  # defined in the one error tree
)

# Defined in the one error tree (scorekeeper/errors.py); importable from here as before.

NAMESPACE = uuid.UUID("0f3e8d52-6a4b-4c8e-9d1f-2a3b4c5d6e7f")


@cache
def _files() -> dict[str, dict[str, Any]]:
    folder = resources.files("scorekeeper.simulator") / "profiles"
    found: dict[str, dict[str, Any]] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            found[entry.name[: -len(".json")]] = json.loads(entry.read_text(encoding="utf-8"))
    return found


def profile_names() -> list[str]:
    return list(_files())


def descriptions() -> dict[str, str]:
    """Profile name → its one-line description."""
    return {name: str(data.get("description", "")) for name, data in _files().items()}


def _check(name: str) -> dict[str, Any]:
    files = _files()
    if name not in files:
        raise ProfileError(f"unknown simulator profile {name!r} (known: {', '.join(files)})")
    return files[name]


_STEP = re.compile(r"^(?P<key>[^\[\]]+)(?:\[id=(?P<id>[^\]]+)\])?$")


def set_path(state: dict[str, Any], dotted: str, value: Any) -> None:
    """Set ``value`` at ``dotted`` (``portal.passwordResetPolicies.enablementType``, ``x[id=Voice].state``)."""
    steps = dotted.split(".")
    node: Any = state
    for i, step in enumerate(steps):
        match = _STEP.match(step)
        if not match:
            raise ProfileError(f"bad path step {step!r} in {dotted!r}")
        key, item_id = match.group("key"), match.group("id")
        last = i == len(steps) - 1
        if item_id is None:
            if last:
                node[key] = copy.deepcopy(value)
                return
            node = node.setdefault(key, {})
        else:
            items = node.get(key) or []
            found = next((x for x in items if x.get("id") == item_id), None)
            if found is None:
                raise ProfileError(f"no item with id {item_id!r} under {key!r} in {dotted!r}")
            if last:
                items[items.index(found)] = copy.deepcopy(value)
                return
            node = found


def add_path(state: dict[str, Any], dotted: str, items: Any) -> None:
    """Append ``items`` (one object or a list) to the list at ``dotted``, created when missing.

    An item whose ``id`` matches one already there replaces it in place, so applying the same
    ``add`` twice leaves one copy.
    """
    new = items if isinstance(items, list) else [items]
    steps = dotted.split(".")
    parent: Any = state
    for step in steps[:-1]:
        match = _STEP.match(step)
        if not match:
            raise ProfileError(f"bad path step {step!r} in {dotted!r}")
        key, item_id = match.group("key"), match.group("id")
        if item_id is None:
            parent = parent.setdefault(key, {})
            continue
        found = next((x for x in parent.get(key) or [] if x.get("id") == item_id), None)
        if found is None:
            raise ProfileError(f"no item with id {item_id!r} under {key!r} in {dotted!r}")
        parent = found
    last = steps[-1]
    if not isinstance(parent, dict) or not isinstance(parent.setdefault(last, []), list):
        raise ProfileError(f"{dotted!r} is not a list, so nothing can be added to it")
    target: list[Any] = parent[last]
    for item in new:
        item_id = item.get("id") if isinstance(item, dict) else None
        at = next(
            (i for i, x in enumerate(target) if item_id is not None and isinstance(x, dict) and x.get("id") == item_id),
            None,
        )
        if at is None:
            target.append(copy.deepcopy(item))
        else:
            target[at] = copy.deepcopy(item)


def _raw_state(name: str, seen: tuple[str, ...] = ()) -> dict[str, Any]:
    if name in seen:
        raise ProfileError(f"profile {name!r} extends itself through {' → '.join(seen)}")
    data = _check(name)
    if "extends" in data:
        state = _raw_state(str(data["extends"]), (*seen, name))
    else:
        state = copy.deepcopy(data.get("tenant") or {})
    for dotted, value in (data.get("set") or {}).items():
        set_path(state, dotted, value)
    for dotted, value in (data.get("add") or {}).items():
        add_path(state, dotted, value)
    if data.get("generate"):
        from scorekeeper.simulator.generate import generate

        generate(state, dict(data["generate"]), seed=name)
    return state


def _with_sign_ins(state: dict[str, Any]) -> dict[str, Any]:
    """The profile's sign-in log, evaluated once its users, roles and policies are final."""
    if "signIns" not in state:
        from scorekeeper.simulator.signins import profile_sign_ins

        state["signIns"] = profile_sign_ins(state)
    return state


@cache
def _cached_state(name: str) -> str:
    return json.dumps(_with_sign_ins(_raw_state(name)))


def _fill(value: Any, replacements: dict[str, str]) -> Any:
    if isinstance(value, str) and "$" in value:
        for placeholder, text in replacements.items():
            value = value.replace(placeholder, text)
        return value
    if isinstance(value, dict):
        return {k: _fill(v, replacements) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, replacements) for v in value]
    return value


def tenant_id_for(name: str, index: int) -> str:
    """Stable ids: the ``demo`` tenant keeps its id from one run to the next."""
    return str(uuid.uuid5(NAMESPACE, f"{name}#{index}"))


def build_state(name: str, tenant_id: str, index: int = 0) -> dict[str, Any]:
    """A fresh state for one tenant of profile ``name``."""
    today = datetime.now(UTC).date()
    replacements = {
        "$TENANT_ID": tenant_id,
        "$DOMAIN": f"contoso{index or ''}.onmicrosoft.com",
        "$YESTERDAY": (today - timedelta(days=1)).isoformat(),
        "$TODAY": today.isoformat(),
    }
    # $DAYS_AGO_N for N = 30..2 (longest first, so $DAYS_AGO_2 never eats the start of $DAYS_AGO_21)
    for days in range(30, 1, -1):
        replacements[f"$DAYS_AGO_{days}"] = (today - timedelta(days=days)).isoformat()
    state = _fill(json.loads(_cached_state(name)), replacements)
    from scorekeeper.simulator.securescore import populate

    populate(state, name, tenant_id, today)  # the whole Secure Score, from its own data files
    return state


#: Profile name → its one-line description (``scorekeeper simulator profiles`` prints these).
PROFILES: dict[str, str] = descriptions()
