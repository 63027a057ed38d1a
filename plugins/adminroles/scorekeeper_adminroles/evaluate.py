"""From who holds which role to findings: counts, the people behind them, and guided steps.

Every finding here is a guided step when it fails: adding or removing an administrator is a
decision about people that scorekeeper leaves to a person, so it names them, their roles and the
exact portal path or Graph request, and never writes.

How people are counted (docs/controls/*.md say why):

* ``more_than_one_global_admin`` (OneAdmin's criterion): distinct *enabled* users with an active
  Global Administrator assignment, directly or through a group. A disabled account cannot step in;
  an eligible one depends on PIM (and its approvers) being available, so neither is counted, both
  are named.
* ``fewer_than_five_global_admins`` (ManyAdmins' criterion): distinct users with an active
  assignment, disabled ones included (a disabled administrator is one re-enable away from being
  one); eligible ones are named beside the count.
* ``cisa_global_admin_range`` (CISA MS.AAD.7.1v1): 2–8 distinct users, active and eligible.
* ``finer_grained_roles`` (CISA MS.AAD.7.2v1): Global Administrators ≤ users of CISA's other highly
  privileged roles who are not Global Administrators (active and eligible).
* ``global_admins_without_overlapping_roles`` (advice): a Global Administrator who also holds
  another role either needs only that narrower role or holds it for nothing.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from scorekeeper import Finding, RemediationKind, SecureScore, Status
from scorekeeper.reads import PROFILE, SCORES, secure_score_finding
from scorekeeper.reads import secure_score as score_of
from scorekeeper_adminroles.control import (
    CONTROLS,
    EMERGENCY_ACCESS,
    GLOBAL_ADMIN,
    HIGHLY_PRIVILEGED,
    LEAST_PRIVILEGED_BY_TASK,
    AdminRolesConfig,
)
from scorekeeper_adminroles.holders import ACTIVE, ELIGIBLE_KIND, Person, Roles
from scorekeeper_adminroles.reads import Snapshot

GRAPH = "https://graph.microsoft.com/v1.0"
PORTAL_GA = "Microsoft Entra admin center (entra.microsoft.com) → Entra ID → Roles & admins → Global Administrator"
PIM_UNLICENSED = (
    "eligible (PIM) assignments could not be read: Graph answered AadPremiumLicenseRequired (Privileged "
    "Identity Management needs Microsoft Entra ID P2), so only active assignments are counted"
)


def _finding(control: str, setting: str, status: Status, reason: str, **kw: Any) -> Finding:
    title = CONTROLS[control].setting(setting).title
    return Finding(control=control, setting=setting, title=title, status=status, reason=reason, **kw)


def _count(n: int) -> str:
    """``"1 user holds"`` / ``"3 users hold"``: the subject and verb of a count."""
    return "1 user holds" if n == 1 else f"{n} users hold"


def _names(people: list[Person] | dict[str, Person]) -> str:
    listed = list(people.values()) if isinstance(people, dict) else people
    return ", ".join(p.label + (f" [{', '.join(p.flags())}]" if p.flags() else "") for p in listed) or "nobody"


def _unknown(control: str, setting: str, roles: Roles) -> Finding | None:
    """``UNKNOWN`` when the count would rest on something unread; ``None`` when everything was read."""
    if not roles.unread:
        return None
    missing = tuple(sorted(roles.denied))
    hint = f"; grant {', '.join(missing)}" if missing else ""
    return _finding(
        control,
        setting,
        Status.UNKNOWN,
        f"who holds the role cannot be counted: {'; '.join(roles.unread)}{hint}.",
        missing_permissions=missing,
    )


def _is_break_glass(person: Person, config: AdminRolesConfig) -> bool:
    keys = {k.lower() for k in config.break_glass}
    return person.id.lower() in keys or person.upn.lower() in keys


def _evidence(roles: Roles) -> dict[str, Any]:
    out: dict[str, Any] = {
        "active": sorted(p.label for p in roles.people(GLOBAL_ADMIN).values()),
        "eligible": sorted(p.label for p in roles.people(GLOBAL_ADMIN, (ELIGIBLE_KIND,)).values()),
        "through_groups": sorted(
            {f"{h.person.label} via {h.via_group}" for h in roles.holdings if h.via_group and h.role_id == GLOBAL_ADMIN}
        ),
        "service_principals": sorted(f"{name} ({pid})" for pid, name, role in roles.service_principals),
    }
    if not roles.eligible_read:
        out["eligible_unread"] = PIM_UNLICENSED if roles.eligible_unlicensed else "not read"
    if roles.notes:
        out["not_counted"] = list(roles.notes)
    return out


def _eligible_words(roles: Roles) -> str:
    if not roles.eligible_read:
        return f" ({PIM_UNLICENSED})" if roles.eligible_unlicensed else ""
    eligible = [
        p for pid, p in roles.people(GLOBAL_ADMIN, (ELIGIBLE_KIND,)).items() if pid not in roles.people(GLOBAL_ADMIN)
    ]
    return f"; eligible through PIM, not counted: {_names(eligible)}" if eligible else ""


# ----------------------------------------------------------------------------- OneAdmin
def _second_admin_steps(roles: Roles, config: AdminRolesConfig, known: dict[str, Person]) -> tuple[str, ...]:
    configured = [p for p in known.values() if _is_break_glass(p, config)]
    who = (
        f"the configured break-glass account {configured[0].label}"
        if configured
        else "a new cloud-only emergency access (break-glass) account on your *.onmicrosoft.com domain, used by "
        "nobody day to day"
    )
    pid = configured[0].id if configured else "<the account's object id>"
    body = (
        '{"@odata.type": "#microsoft.graph.unifiedRoleAssignment", '
        f'"roleDefinitionId": "{GLOBAL_ADMIN}", "principalId": "{pid}", "directoryScopeId": "/"}}'
    )
    return (
        f"1. Choose the second Global Administrator: {who}. Microsoft's emergency access guidance: {EMERGENCY_ACCESS}.",
        f"2. {PORTAL_GA} → Add assignments → select the account → Add (with PIM: assignment type Active, "
        "permanently assigned, as Microsoft advises for emergency access accounts).",
        f"3. Or with Graph (Privileged Role Administrator; RoleManagement.ReadWrite.Directory): POST "
        f"{GRAPH}/roleManagement/directory/roleAssignments with {body}",
        "4. Protect it: phishing-resistant MFA (FIDO2), a long random password kept offline, its sign-ins monitored; "
        "exclude it from Conditional Access policies only as Microsoft's guidance says.",
        "5. Run scorekeeper assess again: scorekeeper never adds an administrator itself.",
    )


def more_than_one(roles: Roles, config: AdminRolesConfig, known: dict[str, Person]) -> Finding:
    control, setting = "OneAdmin", "more_than_one_global_admin"
    blocked = _unknown(control, setting, roles)
    if blocked is not None:
        return blocked
    active = roles.people(GLOBAL_ADMIN)
    enabled = {pid: p for pid, p in active.items() if p.enabled is not False}
    disabled = [p for p in active.values() if p.enabled is False]
    current = {"enabled_global_admins": len(enabled), **_evidence(roles)}
    extra = (f"; disabled, not counted: {_names(disabled)}" if disabled else "") + _eligible_words(roles)
    if len(enabled) > 1:
        return _finding(
            control,
            setting,
            Status.PASS,
            f"{len(enabled)} enabled users hold Global Administrator: {_names(enabled)}{extra}.",
            current=current,
        )
    holders = _count(len(enabled)).replace("user", "enabled user", 1)
    return _finding(
        control,
        setting,
        Status.FAIL,
        f"only {holders} Global Administrator ({_names(enabled)}){extra}: if that account is lost or locked out, "
        "nobody can administer the tenant.",
        current=current,
        desired={"enabled_global_admins": 2},
        remediation=RemediationKind.GUIDED,
        evidence=_evidence(roles),
        steps=_second_admin_steps(roles, config, known),
    )


# ----------------------------------------------------------------------------- ManyAdmins
def _move_line(roles: Roles, person: Person) -> str:
    held = roles.of(person.id)
    others = sorted({roles.role_name(h.role_id) for h in held if h.role_id.lower() != GLOBAL_ADMIN})
    ga = [h for h in held if h.role_id.lower() == GLOBAL_ADMIN]
    how = "; ".join(
        f"remove them from group {h.via_group}"
        if h.via_group
        else f"DELETE {GRAPH}/roleManagement/directory/roleAssignments/{h.assignment_id}"
        for h in ga
    )
    if person.enabled is False:
        why = "disabled: remove the role"
    elif others:
        why = f"already holds {', '.join(others)}: keep that, remove Global Administrator"
    else:
        why = (
            f"give them the narrowest role for their tasks ({LEAST_PRIVILEGED_BY_TASK}), then remove Global "
            "Administrator"
        )
    flags = f" [{', '.join(person.flags())}]" if person.flags() else ""
    return f"   - {person.label}{flags}: {why} ({how})"


def _candidates(roles: Roles, config: AdminRolesConfig) -> list[Person]:
    """Who could move to a narrower role, most obvious first; configured break-glass accounts never."""
    people = [p for p in roles.people(GLOBAL_ADMIN).values() if not _is_break_glass(p, config)]

    def order(p: Person) -> tuple[int, str]:
        narrower = any(h.role_id.lower() != GLOBAL_ADMIN for h in roles.of(p.id))
        rank = 0 if p.enabled is False else 1 if narrower else 2 if (p.guest or p.synced) else 3
        return rank, p.upn or p.id

    return sorted(people, key=order)


def fewer_than_five(roles: Roles, config: AdminRolesConfig) -> Finding:
    control, setting = "ManyAdmins", "fewer_than_five_global_admins"
    blocked = _unknown(control, setting, roles)
    if blocked is not None:
        return blocked
    active = roles.people(GLOBAL_ADMIN)
    current = {"global_admins": len(active), **_evidence(roles)}
    extra = _eligible_words(roles)
    if len(active) < 5:
        return _finding(
            control,
            setting,
            Status.PASS,
            f"{_count(len(active))} Global Administrator: {_names(active)}{extra}.",
            current=current,
        )
    excess = len(active) - 4
    candidates = _candidates(roles, config)
    steps = (
        f"1. Move at least {excess} of these to a less-privileged role (configured break-glass accounts are left out):",
        *(_move_line(roles, p) for p in candidates),
        f"2. In the portal: {PORTAL_GA} → Assignments → select the person → Remove; assign the narrower role under "
        "Roles & admins first. With Graph (Privileged Role Administrator; RoleManagement.ReadWrite.Directory) "
        "use the DELETE requests above.",
        "3. Run scorekeeper assess again: scorekeeper never removes an administrator itself.",
    )
    return _finding(
        control,
        setting,
        Status.FAIL,
        f"{_count(len(active))} Global Administrator ({_names(active)}){extra}: Microsoft recommends fewer than "
        f"five; {excess} should move to a narrower role.",
        current=current,
        desired={"global_admins": 4},
        remediation=RemediationKind.GUIDED,
        evidence=_evidence(roles),
        steps=steps,
    )


def cisa_range(roles: Roles, config: AdminRolesConfig) -> Finding:
    control, setting = "ManyAdmins", "cisa_global_admin_range"
    blocked = _unknown(control, setting, roles)
    if blocked is not None:
        return blocked
    counted = roles.people(GLOBAL_ADMIN, (ACTIVE, ELIGIBLE_KIND))
    note = f" ({PIM_UNLICENSED})" if roles.eligible_unlicensed else ""
    current = {"global_admins_active_or_eligible": len(counted), **_evidence(roles)}
    if 2 <= len(counted) <= 8:
        return _finding(
            control,
            setting,
            Status.PASS,
            f"{_count(len(counted))} or may activate Global Administrator (CISA allows 2 to 8){note}.",
            current=current,
        )
    few = len(counted) < 2
    steps = (
        (
            f"1. Add a second Global Administrator (see OneAdmin's steps): {PORTAL_GA} → Add assignments.",
            "2. Run scorekeeper assess again.",
        )
        if few
        else (
            f"1. Move {len(counted) - 8} of these to a narrower role:",
            *(_move_line(roles, p) for p in _candidates(roles, config)),
            "2. For eligible ones: Entra admin center → ID Governance → Privileged Identity Management → Microsoft "
            "Entra roles → Assignments → Eligible assignments → Remove.",
        )
    )
    return _finding(
        control,
        setting,
        Status.FAIL,
        f"{_count(len(counted))} or may activate Global Administrator ({_names(counted)}){note}: CISA "
        "MS.AAD.7.1v1 asks for two to eight.",
        current=current,
        remediation=RemediationKind.GUIDED,
        evidence=_evidence(roles),
        steps=steps,
    )


# ----------------------------------------------------------------------------- RoleOverlap
def finer_grained(roles: Roles, config: AdminRolesConfig) -> Finding:
    control, setting = "RoleOverlap", "finer_grained_roles"
    blocked = _unknown(control, setting, roles)
    if blocked is not None:
        return blocked
    kinds = (ACTIVE, ELIGIBLE_KIND)
    admins = roles.people(GLOBAL_ADMIN, kinds)
    others: dict[str, Person] = {}
    for role_id in HIGHLY_PRIVILEGED:
        if role_id != GLOBAL_ADMIN:
            others |= {pid: p for pid, p in roles.people(role_id, kinds).items() if pid not in admins}
    current = {"global_admins": len(admins), "other_highly_privileged_users": len(others)}
    words = (
        f"{len(admins)} Global Administrator(s) ({_names(admins)}) and {len(others)} user(s) in CISA's other highly "
        f"privileged roles ({_names(others)})"
    )
    if others and len(admins) <= len(others):
        return _finding(
            control,
            setting,
            Status.PASS,
            f"{words}: no more Global Administrators than finer-grained privileged users.",
            current=current,
        )
    return _finding(
        control,
        setting,
        Status.FAIL,
        f"{words}: CISA MS.AAD.7.2v1 asks that Global Administrators be no more than the users in finer-grained "
        "privileged roles.",
        current=current,
        remediation=RemediationKind.GUIDED,
        evidence=_evidence(roles),
        steps=(
            "1. For each Global Administrator who is not an emergency access account, decide the narrowest role their "
            f"work needs ({LEAST_PRIVILEGED_BY_TASK}):",
            *(_move_line(roles, p) for p in _candidates(roles, config)),
            "2. Assign it under Entra ID → Roles & admins, then remove Global Administrator; run scorekeeper assess "
            "again. scorekeeper never changes a role assignment itself.",
        ),
    )


def overlap(roles: Roles, config: AdminRolesConfig) -> Finding:
    control, setting = "RoleOverlap", "global_admins_without_overlapping_roles"
    blocked = _unknown(control, setting, roles)
    if blocked is not None:
        return blocked
    overlapping = {
        pid: p
        for pid, p in roles.people(GLOBAL_ADMIN).items()
        if any(h.role_id.lower() != GLOBAL_ADMIN for h in roles.of(pid))
    }
    detail = {
        p.label: sorted({roles.role_name(h.role_id) for h in roles.of(pid) if h.role_id.lower() != GLOBAL_ADMIN})
        for pid, p in overlapping.items()
    }
    if not overlapping:
        return _finding(
            control,
            setting,
            Status.PASS,
            "no Global Administrator also holds another administrative role.",
            current={"overlapping": {}},
        )
    listed = "; ".join(f"{who}: {', '.join(held)}" for who, held in detail.items())
    return _finding(
        control,
        setting,
        Status.FAIL,
        f"Global Administrators who also hold narrower roles ({listed}): Global Administrator already includes them, "
        "so either the narrower role is all they need or it is held for nothing.",
        current={"overlapping": detail},
        remediation=RemediationKind.GUIDED,
        evidence=_evidence(roles),
        steps=(
            f"1. For each person above, ask whether the narrower role covers their work ({LEAST_PRIVILEGED_BY_TASK}).",
            *(_move_line(roles, p) for p in overlapping.values() if not _is_break_glass(p, config)),
            "2. If it does, remove Global Administrator; if not, remove the narrower role. scorekeeper never changes a "
            "role assignment itself.",
        ),
    )


# ----------------------------------------------------------------------------- per control
def secure_score(snapshot: Snapshot, control: str) -> tuple[Finding, SecureScore | None]:
    first = snapshot.first
    reading = score_of({SCORES: first[SCORES], PROFILE: first[PROFILE]}, control)
    title = CONTROLS[control].setting("secure_score").title
    return replace(secure_score_finding(reading, control), title=title), reading.snapshot


def known_people(snapshot: Snapshot) -> dict[str, Person]:
    """Every user the second batch read, by object id (break-glass accounts among them)."""
    from scorekeeper_adminroles.holders import person

    return {
        str(r.value["id"]): person(r.value)
        for r in snapshot.users.values()
        if r.ok and isinstance(r.value, dict) and r.value.get("id")
    }


def evaluate(
    control: str, snapshot: Snapshot, roles: Roles, config: AdminRolesConfig
) -> tuple[list[Finding], SecureScore | None]:
    score_finding, score = secure_score(snapshot, control)
    if control == "OneAdmin":
        findings = [more_than_one(roles, config, known_people(snapshot))]
    elif control == "ManyAdmins":
        findings = [fewer_than_five(roles, config), cisa_range(roles, config)]
    else:
        findings = [finer_grained(roles, config), overlap(roles, config)]
    return [*findings, score_finding], score
