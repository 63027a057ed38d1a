"""Facts several rows depend on, worked out once per snapshot before any row runs.

Licence, hybrid state, readiness counts and the Windows sign-in group are each read by more than
one row; deriving them here keeps the rows consistent with each other (one answer per snapshot).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scorekeeper_sspr import graph_rules as rules
from scorekeeper_sspr.config import SsprConfig, is_object_id
from scorekeeper_sspr.reads import Read, Snapshot


@dataclass
class Facts:
    """What several rows need to know: licence, hybrid, the resolved Windows group."""

    licensed: bool | None = None
    skus: list[str] = field(default_factory=list)
    hybrid: bool | None = None
    created: str | None = None
    windows_group_id: str | None = None
    windows_group_problem: str = ""
    readiness: dict[str, int] | None = None


def gather_facts(snap: Snapshot, cfg: SsprConfig) -> Facts:
    """The facts of ``snap``; a fact whose read failed stays ``None`` (rows then say ``unknown``)."""
    facts = Facts()
    skus = snap.graph.get("skus", Read(None, 0, "not read"))
    if skus.ok:
        facts.skus = rules.premium_skus(skus.value)
        facts.licensed = bool(facts.skus)
    org = snap.graph.get("organization", Read(None, 0, "not read"))
    if org.ok:
        facts.hybrid = rules.sync_state(org.value)["onPremisesSyncEnabled"] is True
        facts.created = (rules.first(org.value) or {}).get("createdDateTime")
    details = snap.graph.get("registration_details", Read(None, 0, "not read"))
    if details.ok:
        facts.readiness = rules.readiness(details.value)
    _windows_group(facts, snap, cfg)
    return facts


def _windows_group(facts: Facts, snap: Snapshot, cfg: SsprConfig) -> None:
    """The configured Windows sign-in group's id, or why it could not be found (by name, in the batch)."""
    group = cfg.windows_sign_in_group
    if group and is_object_id(group):
        facts.windows_group_id = group
    elif group:
        found = snap.graph.get("windows_group", Read(None, 0, "not read"))
        matches = rules.values(found.value) if found.ok else []
        if not found.ok:
            facts.windows_group_problem = f"could not look up group {group!r}: {found.error}"
        elif len(matches) == 1:
            facts.windows_group_id = matches[0].get("id")
        elif not matches:
            facts.windows_group_problem = f"windows_sign_in_group: no group is named {group!r}"
        else:
            facts.windows_group_problem = (
                f"windows_sign_in_group: {len(matches)} groups are named {group!r}; give its object id"
            )
