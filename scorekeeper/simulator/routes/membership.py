"""Group members: ``/groups/{id}/members`` and ``/groups/{id}/transitiveMembers`` (v1.0, beta).

Membership lives in the tenant state under ``groupMembers`` (group id → member object ids, users
or nested groups), the one place the profiles state it; a group without an entry has no members.
group-list-members / group-list-transitivemembers: least privileged GroupMember.Read.All, higher
Directory.Read.All, Group.Read.All, Group.ReadWrite.All, GroupMember.ReadWrite.All. A caller that
may not read users gets each user member with its ``@odata.type`` and ``id`` only, every other
property null ("Limited information returned for inaccessible member objects").
"""

from __future__ import annotations

from typing import Any

from scorekeeper.simulator.errors import Area
from scorekeeper.simulator.routes.entityset import lookup
from scorekeeper.simulator.routing import RequestContext, RouteTable

table = RouteTable(Area.DIRECTORY)
LEARN = "https://learn.microsoft.com/graph/api"
READ = (
    "GroupMember.Read.All",
    "Directory.Read.All",
    "Group.Read.All",
    "Group.ReadWrite.All",
    "GroupMember.ReadWrite.All",
    "Directory.ReadWrite.All",
)
#: Permissions that let a caller read a user member's properties (else: limited information).
USER_READERS = frozenset(
    {"User.Read.All", "User.ReadWrite.All", "User.ReadBasic.All", "Directory.Read.All", "Directory.ReadWrite.All"}
)


def _group(ctx: RequestContext) -> dict[str, Any]:
    return lookup(ctx, ctx.state.get("groups") or [])


def _member_ids(
    state: dict[str, Any], group_id: str, *, transitive: bool, seen: frozenset[str] = frozenset()
) -> list[str]:
    members: dict[str, list[str]] = state.get("groupMembers") or {}
    direct = [str(m) for m in members.get(group_id) or []]
    if not transitive:
        return direct
    found: list[str] = []
    for member in direct:
        if member not in found:
            found.append(member)
        if member in members and member not in seen:
            for nested in _member_ids(state, member, transitive=True, seen=seen | {group_id}):
                if nested not in found:
                    found.append(nested)
    return found


def _objects(ctx: RequestContext, ids: list[str]) -> list[dict[str, Any]]:
    users = {str(u["id"]).lower(): u for u in ctx.state.get("users") or []}
    groups = {str(g["id"]).lower(): g for g in ctx.state.get("groups") or []}
    readable = bool(ctx.principal.permissions & USER_READERS)
    objects = []
    for member in ids:
        if member.lower() in users:
            user = users[member.lower()]
            body = dict(user) if readable else {key: (user[key] if key == "id" else None) for key in user}
            objects.append({"@odata.type": "#microsoft.graph.user", **body})
        elif member.lower() in groups:
            objects.append({"@odata.type": "#microsoft.graph.group", **groups[member.lower()]})
    return objects


@table.get("/groups/{id}/members", permissions=READ, doc=f"{LEARN}/group-list-members")
def list_members(ctx: RequestContext) -> dict[str, Any]:
    group = _group(ctx)
    ids = _member_ids(ctx.state, str(group["id"]), transitive=False)
    return ctx.collection(_objects(ctx, ids), "directoryObjects", type_name="directoryObject")


@table.get("/groups/{id}/transitiveMembers", permissions=READ, doc=f"{LEARN}/group-list-transitivemembers")
def list_transitive_members(ctx: RequestContext) -> dict[str, Any]:
    group = _group(ctx)
    ids = _member_ids(ctx.state, str(group["id"]), transitive=True)
    return ctx.collection(_objects(ctx, ids), "directoryObjects", type_name="directoryObject")
