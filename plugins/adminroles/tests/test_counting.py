"""Counting people from what Graph answered: groups, disabled accounts, eligible ones, no PIM licence.

Pure functions over :class:`Snapshot`: no tenant. Shapes follow the list pages' examples
(rbacapplication-list-roleassignments with ``$expand=principal``, roleEligibilitySchedules, user get).
"""

from __future__ import annotations

from typing import Any

from scorekeeper import RemediationKind, Status
from scorekeeper.reads import PROFILE, SCORES, Read
from scorekeeper_adminroles.control import GLOBAL_ADMIN, AdminRolesConfig
from scorekeeper_adminroles.evaluate import cisa_range, fewer_than_five, finer_grained, more_than_one, overlap
from scorekeeper_adminroles.holders import resolve
from scorekeeper_adminroles.reads import ASSIGNMENTS, DEFINITIONS, ELIGIBLE, Snapshot

EXCHANGE = "29232cdf-9323-42fd-ade2-1d097af3e4de"
NONE = AdminRolesConfig()


def user(uid: str, *, enabled: bool = True, synced: bool = False, guest: bool = False) -> dict[str, Any]:
    return {
        "id": uid,
        "displayName": uid.title(),
        "userPrincipalName": f"{uid}@contoso.com",
        "accountEnabled": enabled,
        "onPremisesSyncEnabled": True if synced else None,
        "userType": "Guest" if guest else "Member",
    }


def row(pid: str, kind: str = "user", role: str = GLOBAL_ADMIN, scope: str = "/") -> dict[str, Any]:
    return {
        "id": f"a-{pid}-{role[:4]}",
        "principalId": pid,
        "roleDefinitionId": role,
        "directoryScopeId": scope,
        "principal": {"@odata.type": f"#microsoft.graph.{kind}", "id": pid, "displayName": pid},
    }


def snapshot(
    assignments: list[dict[str, Any]],
    users: list[dict[str, Any]],
    *,
    eligible: list[str] = (),  # type: ignore[assignment]
    eligible_read: Read | None = None,
    members: dict[str, list[str]] | None = None,
) -> Snapshot:
    schedules = [
        {
            "id": f"e-{p}",
            "principalId": p,
            "roleDefinitionId": GLOBAL_ADMIN,
            "directoryScopeId": "/",
            "status": "Provisioned",
        }
        for p in eligible
    ]
    first = {
        ASSIGNMENTS: Read({"value": assignments}),
        ELIGIBLE: eligible_read if eligible_read is not None else Read({"value": schedules}),
        DEFINITIONS: Read(
            {"value": [{"id": EXCHANGE, "templateId": EXCHANGE, "displayName": "Exchange Administrator"}]}
        ),
        SCORES: Read({"value": []}),
        PROFILE: Read(None, 404, "not found"),
    }
    return Snapshot(
        first,
        users={u["id"]: Read(u) for u in users},
        members={
            g: Read({"value": [{"@odata.type": "#microsoft.graph.user", "id": m} for m in ids]})
            for g, ids in (members or {}).items()
        },
    )


def test_a_group_assigned_to_the_role_counts_its_members_each_once() -> None:
    snap = snapshot(
        [row("ada"), row("tier0", kind="group")],
        [user("ada"), user("bo")],
        members={"tier0": ["ada", "bo"]},
    )
    finding = more_than_one(resolve(snap), NONE, {})
    assert finding.status is Status.PASS
    assert finding.current["enabled_global_admins"] == 2
    assert finding.current["through_groups"] == ["ada@contoso.com (ada) via tier0", "bo@contoso.com (bo) via tier0"]


def test_a_disabled_global_admin_is_not_the_second_one_but_counts_toward_too_many() -> None:
    snap = snapshot([row("ada"), row("cy")], [user("ada"), user("cy", enabled=False)])
    roles = resolve(snap)
    one = more_than_one(roles, NONE, {})
    assert (one.status, one.remediation) == (Status.FAIL, RemediationKind.GUIDED)
    assert "disabled, not counted: cy@contoso.com" in one.reason
    assert fewer_than_five(roles, NONE).current["global_admins"] == 2


def test_eligible_admins_are_named_not_counted_for_microsofts_criteria_but_counted_for_cisa() -> None:
    snap = snapshot([row("ada")], [user("ada"), user("bo")], eligible=["bo"])
    roles = resolve(snap)
    one = more_than_one(roles, NONE, {})
    assert one.status is Status.FAIL and "eligible through PIM, not counted: bo@contoso.com" in one.reason
    assert cisa_range(roles, NONE).status is Status.PASS  # ada active + bo eligible = 2


def test_without_a_pim_licence_eligible_ones_are_said_unread_never_invented() -> None:
    refused = Read(None, 400, "HTTP 400 AadPremiumLicenseRequired: The tenant needs a P2 licence.")
    snap = snapshot([row("ada"), row("bo")], [user("ada"), user("bo")], eligible_read=refused)
    roles = resolve(snap)
    assert roles.eligible_unlicensed and not roles.unread
    finding = cisa_range(roles, NONE)
    assert finding.status is Status.PASS and "AadPremiumLicenseRequired" in finding.reason
    assert "Entra ID P2" in more_than_one(roles, NONE, {}).current["eligible_unread"]


def test_another_eligibility_failure_makes_the_count_unknown() -> None:
    snap = snapshot([row("ada")], [user("ada")], eligible_read=Read(None, 403, "refused"))
    finding = cisa_range(resolve(snap), NONE)
    assert finding.status is Status.UNKNOWN and finding.missing_permissions == ("RoleManagement.Read.Directory",)


def test_a_refused_user_read_is_unknown_naming_user_read_all() -> None:
    snap = snapshot([row("ada"), row("bo")], [user("ada")])
    snap.users["bo"] = Read(None, 403, "HTTP 403 Authorization_RequestDenied")
    finding = fewer_than_five(resolve(snap), NONE)
    assert finding.status is Status.UNKNOWN and finding.missing_permissions == ("User.Read.All",)


def test_unreadable_group_members_name_group_member_read_all() -> None:
    snap = snapshot([row("ada"), row("tier0", kind="group")], [user("ada")])
    snap.members["tier0"] = Read(None, 403, "refused")
    finding = more_than_one(resolve(snap), NONE, {})
    assert finding.status is Status.UNKNOWN and "GroupMember.Read.All" in finding.missing_permissions


def test_service_principals_and_scoped_assignments_are_not_administrators() -> None:
    snap = snapshot(
        [row("ada"), row("app", kind="servicePrincipal"), row("bo", scope="/administrativeUnits/x")],
        [user("ada"), user("bo")],
    )
    roles = resolve(snap)
    finding = more_than_one(roles, NONE, {})
    assert finding.status is Status.FAIL and finding.current["service_principals"] == ["app (app)"]


def test_five_admins_fail_with_the_candidates_named_break_glass_left_out() -> None:
    people = ["ada", "bo", "cy", "di", "ed"]
    snap = snapshot(
        [*(row(p) for p in people), row("bo", role=EXCHANGE)],
        [user(p, enabled=p != "di") for p in people],
    )
    config = AdminRolesConfig(break_glass=("ed@contoso.com",))
    finding = fewer_than_five(resolve(snap), config)
    assert finding.status is Status.FAIL and "1 should move" in finding.reason
    text = "\n".join(finding.steps)
    assert "ed@contoso.com" not in text  # the configured break-glass account is never suggested
    assert text.index("di@contoso.com") < text.index("bo@contoso.com") < text.index("ada@contoso.com")
    assert "already holds Exchange Administrator" in text
    assert "DELETE https://graph.microsoft.com/v1.0/roleManagement/directory/roleAssignments/a-ada-62e9" in text


def test_one_admin_steps_name_the_configured_break_glass_account_and_the_graph_request() -> None:
    bg = user("glass")
    snap = snapshot([row("ada")], [user("ada"), bg])
    config = AdminRolesConfig(break_glass=("glass@contoso.com",))
    from scorekeeper_adminroles.holders import person

    finding = more_than_one(resolve(snap), config, {"glass": person(bg)})
    text = "\n".join(finding.steps)
    assert "configured break-glass account glass@contoso.com (glass)" in text
    assert '"principalId": "glass"' in text and "POST https://graph.microsoft.com/v1.0/roleManagement" in text
    assert "never adds an administrator" in text


def test_cisa_range_fails_above_eight_counting_eligible() -> None:
    active = [f"u{i}" for i in range(6)]
    eligible = ["e1", "e2", "e3"]
    snap = snapshot([row(p) for p in active], [user(p) for p in active + eligible], eligible=eligible)
    roles = resolve(snap)
    assert fewer_than_five(roles, NONE).status is Status.FAIL
    assert cisa_range(roles, NONE).status is Status.FAIL


def test_finer_grained_roles_compare_global_admins_with_other_highly_privileged_users() -> None:
    snap = snapshot(
        [row("ada"), row("bo"), row("cy", role=EXCHANGE), row("bo", role=EXCHANGE)],
        [user("ada"), user("bo"), user("cy")],
    )
    roles = resolve(snap)
    finding = finer_grained(roles, NONE)  # 2 GAs vs 1 other (bo is counted as GA only)
    assert finding.status is Status.FAIL and finding.current == {"global_admins": 2, "other_highly_privileged_users": 1}
    overlapping = overlap(roles, NONE)
    assert overlapping.status is Status.FAIL
    assert overlapping.current == {"overlapping": {"bo@contoso.com (bo)": ["Exchange Administrator"]}}
