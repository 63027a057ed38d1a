"""The reads: one ``$batch`` round trip, a second only for people the first cannot describe.

1. Role assignments (``$expand=principal``), PIM eligibility schedules, role definitions (for
   names), the control's Secure Score, and each configured break-glass account (known from the
   configuration, so read up front; ``accountEnabled``, ``onPremisesSyncEnabled`` and ``userType``
   are not among a user's default properties, so they are selected explicitly).
2. Only what the first answer names and does not describe: an eligible principal (a schedule
   carries only its id), an assigned user whose expanded ``principal`` lacks one of those three
   properties, and the transitive members of each group assigned to a role (ids only: a member
   list is a ``directoryObject`` collection, on which Graph refuses user properties in ``$select``).
   An assigned user's expanded principal is the whole user object (Microsoft Q&A 1456900 shows
   ``accountEnabled``, ``ageGroup``… in it), so on a tenant without PIM eligibility or role-assigned
   groups there is no second round trip.
3. Only when a group is assigned to a role: its members not already read, as users.

The three controls read every assignment rather than Global Administrator's alone (``$filter``
on ``roleDefinitionId``, as Microsoft's example does): identical requests are sent once per tenant
by the engine's shared reads, which a filtered variant would defeat.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from scorekeeper.reads import Read, read_batch, secure_score_requests

if TYPE_CHECKING:
    from kiota_abstractions.request_information import RequestInformation

    from scorekeeper import TenantContext

ASSIGNMENTS, ELIGIBLE, DEFINITIONS = "role_assignments", "role_eligibility", "role_definitions"
USER, MEMBERS = "user:", "members:"
USER_FIELDS = ["id", "displayName", "userPrincipalName", "accountEnabled", "onPremisesSyncEnabled", "userType"]


@dataclass
class Snapshot:
    """What the tenant answered: the first batch by key, users by the key they were asked by, group members."""

    first: dict[str, Read]
    users: dict[str, Read] = field(default_factory=dict)
    members: dict[str, Read] = field(default_factory=dict)


def _first_requests(tenant: TenantContext, control_id: str) -> dict[str, RequestInformation]:
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph.generated.role_management.directory.role_assignments.role_assignments_request_builder import (
        RoleAssignmentsRequestBuilder,
    )
    from msgraph.generated.role_management.directory.role_definitions.role_definitions_request_builder import (
        RoleDefinitionsRequestBuilder,
    )

    directory = tenant.graph.role_management.directory
    assignments = RoleAssignmentsRequestBuilder.RoleAssignmentsRequestBuilderGetQueryParameters(expand=["principal"])
    definitions = RoleDefinitionsRequestBuilder.RoleDefinitionsRequestBuilderGetQueryParameters(
        select=["id", "displayName", "templateId"]
    )
    return {
        ASSIGNMENTS: directory.role_assignments.to_get_request_information(
            RequestConfiguration(query_parameters=assignments)
        ),
        ELIGIBLE: directory.role_eligibility_schedules.to_get_request_information(),
        DEFINITIONS: directory.role_definitions.to_get_request_information(
            RequestConfiguration(query_parameters=definitions)
        ),
        **secure_score_requests(tenant, control_id),
    }


def _principal_type(row: dict[str, Any]) -> str:
    principal = row.get("principal") or {}
    return str(principal.get("@odata.type") or "").rsplit(".", 1)[-1]


def described(row: dict[str, Any]) -> dict[str, Any] | None:
    """An assignment's expanded user principal when it carries every field a user read selects, else ``None``."""
    principal = row.get("principal")
    if _principal_type(row) != "user" or not isinstance(principal, dict):
        return None
    return principal if all(f in principal for f in USER_FIELDS) else None


def to_resolve(
    first: dict[str, Read], break_glass: tuple[str, ...], known: frozenset[str] = frozenset()
) -> tuple[list[str], list[str]]:
    """(user keys, group ids) the second batch reads: role holders and eligible principals not in ``known``
    (described by the first batch), break-glass accounts not read up front.

    An eligible principal's type is not in the schedule, so it is read as a user; a group that is
    eligible answers 404 there and is then read as a group (see :func:`read_tenant`).
    """
    users: list[str] = []
    groups: list[str] = []
    for row in first[ASSIGNMENTS].items:
        pid = str(row.get("principalId") or "")
        kind = _principal_type(row)
        if kind == "group" and pid not in groups:
            groups.append(pid)
        elif kind in ("user", "") and pid and pid not in users and pid not in known:
            users.append(pid)
    for row in first[ELIGIBLE].items:
        pid = str(row.get("principalId") or "")
        if pid and pid not in users and pid not in groups and pid not in known:
            users.append(pid)
    users += [key for key in break_glass if key not in users and key not in known]
    return users, groups


def _second_requests(tenant: TenantContext, users: list[str], groups: list[str]) -> dict[str, RequestInformation]:
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph.generated.groups.item.transitive_members.transitive_members_request_builder import (
        TransitiveMembersRequestBuilder,
    )
    from msgraph.generated.users.item.user_item_request_builder import UserItemRequestBuilder

    user_query = UserItemRequestBuilder.UserItemRequestBuilderGetQueryParameters(select=USER_FIELDS)
    member_query = TransitiveMembersRequestBuilder.TransitiveMembersRequestBuilderGetQueryParameters(
        select=["id"], top=999
    )
    requests: dict[str, RequestInformation] = {
        f"{USER}{key}": tenant.graph.users.by_user_id(key).to_get_request_information(
            RequestConfiguration(query_parameters=user_query)
        )
        for key in users
    }
    requests |= {
        f"{MEMBERS}{gid}": tenant.graph.groups.by_group_id(gid).transitive_members.to_get_request_information(
            RequestConfiguration(query_parameters=member_query)
        )
        for gid in groups
    }
    return requests


async def read_tenant(tenant: TenantContext, control_id: str) -> Snapshot:
    """Everything one control needs: one round trip, and a second only for the people it names
    and does not describe (see the module docstring)."""
    break_glass = tuple(tenant.desired.break_glass)
    first = await read_batch(
        tenant,
        _first_requests(tenant, control_id) | _second_requests(tenant, list(dict.fromkeys(break_glass)), []),
        paged=(ASSIGNMENTS, ELIGIBLE, DEFINITIONS),
    )
    snapshot = Snapshot({k: r for k, r in first.items() if not k.startswith(USER)})
    snapshot.users = {k[len(USER) :]: r for k, r in first.items() if k.startswith(USER)}
    for row in first[ASSIGNMENTS].items:
        principal = described(row)
        if principal is not None:
            snapshot.users.setdefault(str(row.get("principalId") or ""), Read(principal))
    users, groups = to_resolve(snapshot.first, break_glass, frozenset(snapshot.users))
    if not users and not groups:
        return snapshot
    second = await read_batch(
        tenant, _second_requests(tenant, users, groups), paged=tuple(f"{MEMBERS}{g}" for g in groups)
    )
    snapshot.users |= {k[len(USER) :]: r for k, r in second.items() if k.startswith(USER)}
    snapshot.members = {k[len(MEMBERS) :]: r for k, r in second.items() if k.startswith(MEMBERS)}
    unread = [
        mid
        for read in snapshot.members.values()
        for mid in (str(m.get("id") or "") for m in read.items if _is_user(m))
        if mid and mid not in snapshot.users
    ]
    if unread:
        third = await read_batch(tenant, _second_requests(tenant, list(dict.fromkeys(unread)), []))
        snapshot.users |= {k[len(USER) :]: r for k, r in third.items()}
    return snapshot


def _is_user(member: dict[str, Any]) -> bool:
    """A member list entry that is a user (Graph types every entry with ``@odata.type``)."""
    return str(member.get("@odata.type") or "").endswith(".user")
