"""Names in the config → directory object ids, before remediation writes anything.

A group or account that cannot be found stops the whole remediation up front: half a
configuration (a policy created, its exclusions missing) is worse than none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import quote

from scorekeeper import GraphCallError, RemediationBlocked
from scorekeeper_sspr.config import SsprConfig, is_object_id

if TYPE_CHECKING:
    from scorekeeper import TenantContext


@dataclass(frozen=True)
class Group:
    id: str
    name: str


@dataclass
class Resolved:
    enablement_group: Group | None = None
    windows_group: Group | None = None
    break_glass_ids: list[str] = field(default_factory=list)


async def find_group(tenant: TenantContext, key: str, name_of_key: str) -> Group:
    """A group by object id or by exact display name (exactly one must match)."""
    try:
        if is_object_id(key):
            found = await tenant.graph_request("GET", f"groups/{key}?$select=id,displayName")
            return Group(found["id"], found.get("displayName") or "")
        literal = key.replace("'", "''")
        condition = quote("displayName eq '" + literal + "'")
        answer = await tenant.graph_request("GET", f"groups?$filter={condition}&$select=id,displayName")
    except GraphCallError as exc:
        if exc.status == 404:
            raise RemediationBlocked(f"{name_of_key}: no group with id {key}") from exc
        raise RemediationBlocked(f"{name_of_key}: could not look up group {key!r}: {exc}") from exc
    matches = answer.get("value") or []
    if len(matches) != 1:
        count = "no group is" if not matches else f"{len(matches)} groups are"
        raise RemediationBlocked(f"{name_of_key}: {count} named {key!r}; give the group's object id")
    return Group(matches[0]["id"], matches[0].get("displayName") or key)


async def find_user_id(tenant: TenantContext, key: str) -> str:
    try:
        found = await tenant.graph_request("GET", f"users/{quote(key)}?$select=id,userPrincipalName")
    except GraphCallError as exc:
        what = "no such user" if exc.status == 404 else str(exc)
        raise RemediationBlocked(f"break_glass: {key}: {what}") from exc
    return str(found["id"])


async def resolve(tenant: TenantContext, cfg: SsprConfig, settings: set[str]) -> Resolved:
    """Look up everything the planned settings need; raise once, listing every failure."""
    resolved = Resolved()
    problems: list[str] = []
    if "enablement" in settings and cfg.enablement == "selected" and cfg.enablement_group:
        try:
            resolved.enablement_group = await find_group(tenant, cfg.enablement_group, "enablement_group")
        except RemediationBlocked as exc:
            problems.append(str(exc))
    if "windows_sign_in_reset" in settings and cfg.windows_sign_in_group:
        try:
            resolved.windows_group = await find_group(tenant, cfg.windows_sign_in_group, "windows_sign_in_group")
        except RemediationBlocked as exc:
            problems.append(str(exc))
    if "registration_ca_policy" in settings:
        for entry in cfg.break_glass:
            try:
                resolved.break_glass_ids.append(entry if is_object_id(entry) else await find_user_id(tenant, entry))
            except RemediationBlocked as exc:
                problems.append(str(exc))
    if problems:
        raise RemediationBlocked("nothing was written: " + "; ".join(problems))
    return resolved
