"""Facts several rows depend on, worked out once per snapshot before any row runs.

Licence, hybrid state, readiness counts and the Windows sign-in group are each read by more than
one row; deriving them here keeps the rows consistent with each other (one answer per snapshot).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scorekeeper_sspr import graph_rules as rules
from scorekeeper_sspr.config import SsprConfig, is_object_id
from scorekeeper_sspr.effective import Tenant
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
    #: Microsoft 365 Business Standard/Premium: cloud-only password reset is licensed (concept-sspr-licensing).
    business: list[str] = field(default_factory=list)
    #: An Intune plan (INTUNE_A): the Windows sign-in profile can be deployed.
    intune: bool | None = None
    #: The tenant as the effective-method rule reads it (``None`` when the methods policy was unread).
    methods: Tenant | None = None
    #: The member users' registration details (``None`` when the report was unread).
    details: list[dict[str, Any]] | None = None
    #: Groups whose members could not be read, with why (their targets stay uncertain).
    members_unread: dict[str, str] = field(default_factory=dict)

    @property
    def sspr_licensed(self) -> bool | None:
        """Cloud-only password reset: Entra ID P1/P2, or Microsoft 365 Business Standard or Premium."""
        if self.licensed is None:
            return None
        return bool(self.licensed or self.business)


def gather_facts(snap: Snapshot, cfg: SsprConfig) -> Facts:
    """The facts of ``snap``; a fact whose read failed stays ``None`` (rows then say ``unknown``)."""
    facts = Facts()
    skus = snap.graph.get("skus", Read(None, 0, "not read"))
    if skus.ok:
        facts.skus = rules.premium_skus(skus.value)
        facts.licensed = bool(facts.skus)
        facts.business = rules.business_skus(skus.value)
        facts.intune = bool(rules.intune_skus(skus.value))
    org = snap.graph.get("organization", Read(None, 0, "not read"))
    if org.ok:
        facts.hybrid = rules.sync_state(org.value)["onPremisesSyncEnabled"] is True
        facts.created = (rules.first(org.value) or {}).get("createdDateTime")
    details = snap.graph.get("registration_details", Read(None, 0, "not read"))
    if details.ok:
        facts.readiness = rules.readiness(details.value)
        facts.details = rules.values(details.value)
    methods = snap.graph.get("methods_policy", Read(None, 0, "not read"))
    if methods.ok:
        portal = snap.policy.value if snap.policy is not None and snap.policy.ok else None
        facts.methods = Tenant(
            migration=(methods.value or {}).get("policyMigrationState"),
            methods_policy=methods.value,
            portal=portal if isinstance(portal, dict) else None,
            members=dict(snap.extra.get("members") or {}),
        )
    facts.members_unread = dict(snap.extra.get("members_unread") or {})
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
