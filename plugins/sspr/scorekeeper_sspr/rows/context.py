"""What every row is given, and the rules every row keeps when building its finding.

A row is a plain function of a :class:`RowContext`. The helpers here carry the shared rules: an
unreadable value is ``unknown`` with the reason (and the missing permission on a 403), never
``fail``; on-premises rows are ``not applicable`` in a cloud-only tenant; unverified settings say so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scorekeeper import Finding, RemediationKind, Setting, Status
from scorekeeper_sspr.config import SsprConfig
from scorekeeper_sspr.reads import Read, Snapshot
from scorekeeper_sspr.rows.facts import Facts
from scorekeeper_sspr.settings import CONTROL_ID, PORTAL_ROLES, SETTINGS_BY_ID

#: Graph read key → the settings that depend on it alone.
GRAPH_SOURCES: dict[str, tuple[str, ...]] = {
    "license": ("skus",),
    "hybrid": ("organization",),
    "method_configurations": ("methods_policy",),
    "passkeys": ("methods_policy",),
    "phone_retirement": ("registration_details",),
    "admins_excluded": ("registration_details",),
    "methods_policy_migration": ("methods_policy",),
    "mfa_registration_campaign": ("methods_policy",),
    "admin_sspr": ("authorization_policy",),
    "windows_sign_in_reset": ("device_configurations",),
    "registration_ca_policy": ("ca_policies",),
    "password_protection": ("group_settings",),
    "secure_score": ("secure_scores", "score_profile"),
}


@dataclass(frozen=True)
class RowContext:
    """One snapshot, the desired config and the facts derived from them: all a row may look at."""

    snap: Snapshot
    cfg: SsprConfig
    facts: Facts

    @staticmethod
    def setting(setting_id: str) -> Setting:
        return SETTINGS_BY_ID[setting_id]

    def finding(self, setting_id: str, status: Status, reason: str, **kw: Any) -> Finding:
        """A finding with the setting's title and remediation kind, flagged when the setting is unverified."""
        setting = self.setting(setting_id)
        kw.setdefault("remediation", setting.remediation)
        if setting.unverified and status is not Status.NOT_APPLICABLE:
            kw.setdefault("evidence", {})
            kw["evidence"] = {**kw["evidence"], "unverified": setting.unverified}
        return Finding(control=CONTROL_ID, setting=setting_id, title=setting.title, status=status, reason=reason, **kw)

    def unreadable(self, setting_id: str, read: Read, what: str = "Graph", steps: tuple[str, ...] = ()) -> Finding:
        """``unknown``, naming the permission (Graph) or role (portal) a refusal calls for."""
        setting = self.setting(setting_id)
        if what == "Graph" and read.denied:
            perms = setting.read_permissions
            return self.finding(
                setting_id,
                Status.UNKNOWN,
                f"Graph refused the read ({read.error}): the app needs {', '.join(perms)}.",
                missing_permissions=perms,
                steps=steps,
            )
        if what == "portal" and read.denied:
            roles = " or ".join(PORTAL_ROLES)
            return self.finding(
                setting_id,
                Status.UNKNOWN,
                f"the portal refused the read ({read.error}): the signed-in admin needs {roles}.",
                steps=steps,
            )
        return self.finding(setting_id, Status.UNKNOWN, f"could not read it from {what}: {read.error}", steps=steps)

    def graph_reads(self, setting_id: str) -> Read | None:
        """The first failed read this setting depends on, or ``None`` when all succeeded."""
        for key in GRAPH_SOURCES.get(setting_id, ()):
            read = self.snap.graph.get(key, Read(None, 0, f"{key} was not read"))
            if not read.ok:
                return read
        return None

    def value(self, key: str) -> Any:
        """A Graph read's body; only after :meth:`graph_reads` said it succeeded."""
        return self.snap.graph[key].value

    def not_hybrid(self, setting_id: str) -> Finding | None:
        """``not applicable`` in a cloud-only tenant; ``unknown`` when we cannot tell."""
        if self.facts.hybrid is True:
            return None
        if self.facts.hybrid is False:
            return self.finding(
                setting_id,
                Status.NOT_APPLICABLE,
                "the tenant is cloud-only (onPremisesSyncEnabled is not true): nothing to write back to.",
                remediation=RemediationKind.NONE,
            )
        org = self.snap.graph.get("organization", Read(None, 0, "not read"))
        found = self.unreadable("hybrid", org)
        return self.finding(
            setting_id,
            Status.UNKNOWN,
            f"cannot tell whether the tenant is hybrid: {found.reason}",
            missing_permissions=found.missing_permissions,
        )


#: A row: the finding of one setting, from the context alone (no I/O).
Row = Callable[[RowContext], Finding]
