"""Who holds which role, as people: a pure function of what Graph answered.

A role assignment names a principal: a user, a role-assignable group or a service principal.
Secure Score's titles and the baselines count *users*, so a group is expanded to its transitive
user members (each user once, whatever path reaches them) and a service principal is kept apart
(listed, never counted as an administrator). Each holding records whether it is active (an
assignment) or eligible (a PIM schedule the user may activate), through which group, and the
user's state: disabled accounts and accounts synchronised from on-premises are flagged, not
hidden.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scorekeeper.reads import Read
from scorekeeper_adminroles.control import HIGHLY_PRIVILEGED
from scorekeeper_adminroles.reads import ASSIGNMENTS, DEFINITIONS, ELIGIBLE, Snapshot

ACTIVE, ELIGIBLE_KIND = "active", "eligible"
#: Graph's code when a tenant has no licence for Privileged Identity Management.
PIM_LICENCE_CODE = "AadPremiumLicenseRequired"


@dataclass(frozen=True)
class Person:
    """A user as the directory describes them."""

    id: str
    upn: str
    name: str
    enabled: bool | None
    synced: bool
    guest: bool

    @property
    def label(self) -> str:
        """How a person is named in reasons and steps: their UPN and object id."""
        return f"{self.upn or self.name or self.id} ({self.id})"

    def flags(self) -> list[str]:
        out = []
        if self.enabled is False:
            out.append("disabled")
        if self.synced:
            out.append("synchronised from on-premises")
        if self.guest:
            out.append("guest")
        return out


@dataclass(frozen=True)
class Holding:
    """One person's hold on one role."""

    person: Person
    role_id: str
    kind: str  # ACTIVE or ELIGIBLE_KIND
    via_group: str = ""  # the group's display name (or id) when held through a group
    assignment_id: str = ""  # the unifiedRoleAssignment's id, for a direct active assignment


@dataclass
class Roles:
    """Every holding read, the principals that are not people, and what could not be read."""

    holdings: list[Holding] = field(default_factory=list)
    service_principals: list[tuple[str, str, str]] = field(default_factory=list)  # (id, name, role id)
    names: dict[str, str] = field(default_factory=dict)  # role definition id -> display name
    unread: list[str] = field(default_factory=list)  # reasons something could not be read
    notes: list[str] = field(default_factory=list)  # what was read but is not counted, and why
    denied: set[str] = field(default_factory=set)  # permissions a refused read needed
    eligible_read: bool = True
    eligible_unlicensed: bool = False

    def role_name(self, role_id: str) -> str:
        return self.names.get(role_id.lower()) or HIGHLY_PRIVILEGED.get(role_id.lower()) or f"role {role_id}"

    def people(self, role_id: str, kinds: tuple[str, ...] = (ACTIVE,)) -> dict[str, Person]:
        """The distinct people holding ``role_id`` in one of ``kinds``, by object id (first path wins)."""
        found: dict[str, Person] = {}
        for holding in self.holdings:
            if holding.role_id.lower() == role_id.lower() and holding.kind in kinds:
                found.setdefault(holding.person.id, holding.person)
        return found

    def of(self, person_id: str, kinds: tuple[str, ...] = (ACTIVE,)) -> list[Holding]:
        return [h for h in self.holdings if h.person.id == person_id and h.kind in kinds]


def person(body: dict[str, Any]) -> Person:
    return Person(
        id=str(body.get("id") or ""),
        upn=str(body.get("userPrincipalName") or ""),
        name=str(body.get("displayName") or ""),
        enabled=body.get("accountEnabled") if isinstance(body.get("accountEnabled"), bool) else None,
        synced=bool(body.get("onPremisesSyncEnabled")),
        guest=str(body.get("userType") or "") == "Guest",
    )


def _kind(row: dict[str, Any]) -> str:
    return str((row.get("principal") or {}).get("@odata.type") or "").rsplit(".", 1)[-1]


def _note_failure(roles: Roles, what: str, read: Read, permission: str) -> None:
    roles.unread.append(f"{what} could not be read ({read.error})")
    if read.denied:
        roles.denied.add(permission)


def _user(roles: Roles, snapshot: Snapshot, pid: str, fallback: dict[str, Any]) -> Person | None:
    read = snapshot.users.get(pid)
    if read is not None and read.ok and isinstance(read.value, dict):
        return person(read.value)
    if read is not None:
        _note_failure(roles, f"user {fallback.get('userPrincipalName') or pid}", read, "User.Read.All")
    return None


def _group_members(roles: Roles, snapshot: Snapshot, gid: str, name: str) -> list[Person]:
    read = snapshot.members.get(gid)
    if read is None:
        return []
    if not read.ok:
        _note_failure(roles, f"the members of group {name}", read, "GroupMember.Read.All")
        return []
    people = []
    for member in read.items:
        mid = str(member.get("id") or "")
        if not str(member.get("@odata.type") or "").endswith(".user"):
            continue  # a nested group's own members are in the transitive list already
        found = _user(roles, snapshot, mid, {})
        if found is not None:
            people.append(found)
    return people


def _active(roles: Roles, snapshot: Snapshot) -> None:
    for row in snapshot.first[ASSIGNMENTS].items:
        if row.get("directoryScopeId") not in (None, "/"):
            continue  # scoped to an administrative unit or an app: not tenant-wide
        pid, role_id = str(row.get("principalId") or ""), str(row.get("roleDefinitionId") or "")
        principal = row.get("principal") or {}
        kind = _kind(row)
        if kind == "group":
            name = str(principal.get("displayName") or pid)
            for member in _group_members(roles, snapshot, pid, name):
                roles.holdings.append(Holding(member, role_id, ACTIVE, via_group=name))
        elif kind == "servicePrincipal":
            roles.service_principals.append((pid, str(principal.get("displayName") or pid), role_id))
        else:
            found = _user(roles, snapshot, pid, principal)
            if found is not None:
                roles.holdings.append(Holding(found, role_id, ACTIVE, assignment_id=str(row.get("id") or "")))


def _eligible(roles: Roles, snapshot: Snapshot) -> None:
    read = snapshot.first[ELIGIBLE]
    if not read.ok:
        roles.eligible_read = False
        roles.eligible_unlicensed = PIM_LICENCE_CODE.lower() in read.error.lower()
        if not roles.eligible_unlicensed:
            _note_failure(roles, "PIM eligible assignments", read, "RoleManagement.Read.Directory")
        return
    for row in read.items:
        if row.get("directoryScopeId") not in (None, "/") or row.get("status") not in (None, "Provisioned"):
            continue
        pid = str(row.get("principalId") or "")
        users = snapshot.users.get(pid)
        if users is not None and users.status == 404:
            roles.notes.append(f"eligible principal {pid} is not a user (a group or service principal): not counted")
            continue
        found = _user(roles, snapshot, pid, {})
        if found is not None:
            roles.holdings.append(Holding(found, str(row.get("roleDefinitionId") or ""), ELIGIBLE_KIND))


def resolve(snapshot: Snapshot) -> Roles:
    """Every role holding the tenant shows, as people; what could not be read is said, never guessed."""
    roles = Roles()
    definitions = snapshot.first[DEFINITIONS]
    roles.names = {
        str(d.get(key) or "").lower(): str(d.get("displayName") or "")
        for d in definitions.items
        for key in ("id", "templateId")
        if d.get(key)
    }
    assignments = snapshot.first[ASSIGNMENTS]
    if not assignments.ok:
        _note_failure(roles, "role assignments", assignments, "RoleManagement.Read.Directory")
        return roles
    _active(roles, snapshot)
    _eligible(roles, snapshot)
    return roles
