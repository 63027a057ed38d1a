"""The three controls as data: settings, permissions, levels and baseline references.

Facts from Microsoft's and the baselines' pages (read 2026-12-07; docs/controls/OneAdmin.md,
ManyAdmins.md and RoleOverlap.md cite each):

* Role membership is read from ``GET /roleManagement/directory/roleAssignments`` (unified role
  assignments, ``$filter`` on ``roleDefinitionId``, ``$expand=principal``; least privileged
  application permission ``RoleManagement.Read.Directory``, rbacapplication-list-roleassignments).
  A role definition id of a built-in role is its template id: Global Administrator is
  ``62e90394-69f5-4237-9190-012177145e10``.
* PIM-eligible assignments are ``GET /roleManagement/directory/roleEligibilitySchedules``
  (``RoleManagement.Read.Directory`` is among its permissions); Graph refuses them with
  ``AadPremiumLicenseRequired`` on a tenant without Microsoft Entra ID P2 (or ID Governance).
* Users are read with ``User.Read.All``; the members of a role-assignable group assigned to a role
  with ``GroupMember.Read.All`` (group-list-transitivemembers).
* CISA SCuBA (cisagov/ScubaGear baselines/aad.md): MS.AAD.7.1v1 "A minimum of two users and a
  maximum of eight users SHALL be provisioned with the Global Administrator role" (count eligible and
  active, users through groups, each user once); MS.AAD.7.2v1 "Privileged users SHALL be provisioned
  with finer-grained roles instead of Global Administrator" (Global Administrators / users of the
  other highly privileged roles ≤ 1). CIS Microsoft 365 Foundations 1.1.3 "Ensure that between two
  and four global admins are designated".
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from scorekeeper import Control, Level, RemediationKind, Setting
from scorekeeper.reads import secure_score_setting

GLOBAL_ADMIN = "62e90394-69f5-4237-9190-012177145e10"
#: CISA's "highly privileged roles" (ScubaGear aad.md), by built-in role template id.
HIGHLY_PRIVILEGED = {
    GLOBAL_ADMIN: "Global Administrator",
    "e8611ab8-c189-46e8-94e1-60213ab1f814": "Privileged Role Administrator",
    "fe930be7-5e62-47db-91af-98c3a49a38b1": "User Administrator",
    "f28a1f50-f6e7-4571-818b-6a12f2af6b6c": "SharePoint Administrator",
    "29232cdf-9323-42fd-ade2-1d097af3e4de": "Exchange Administrator",
    "8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2": "Hybrid Identity Administrator",
    "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3": "Application Administrator",
    "158c047a-c907-4556-b7ef-446551a6b5f7": "Cloud Application Administrator",
}
ONE_ADMIN, MANY_ADMINS, ROLE_OVERLAP = "OneAdmin", "ManyAdmins", "RoleOverlap"
LEARN = "https://learn.microsoft.com"
BEST_PRACTICES = f"{LEARN}/entra/identity/role-based-access-control/best-practices"
EMERGENCY_ACCESS = f"{LEARN}/entra/identity/role-based-access-control/security-emergency-access"
LEAST_PRIVILEGED_BY_TASK = f"{LEARN}/entra/identity/role-based-access-control/delegate-by-task"
LIST_ASSIGNMENTS = f"{LEARN}/graph/api/rbacapplication-list-roleassignments"
SCUBA_AAD = "https://github.com/cisagov/ScubaGear/blob/main/PowerShell/ScubaGear/baselines/aad.md"
CIS_M365 = "https://www.cisecurity.org/benchmark/microsoft_365"
#: What every setting reads, in the words ``scorekeeper permissions`` shows.
READ_API = (
    "Graph GET /roleManagement/directory/roleAssignments?$expand=principal, "
    "/roleManagement/directory/roleEligibilitySchedules, /roleManagement/directory/roleDefinitions, "
    "/users/{id}, /groups/{id}/transitiveMembers"
)
READS = ("RoleManagement.Read.Directory", "User.Read.All", "GroupMember.Read.All")


class AdminRolesConfig(BaseModel):
    """``[controls.OneAdmin]`` / ``ManyAdmins`` / ``RoleOverlap``: who the emergency access accounts are."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    break_glass: tuple[str, ...] = Field(
        default=(),
        description=(
            "Emergency access (break-glass) accounts, by object id or user principal name. They are never suggested "
            "for a narrower role, and OneAdmin's guidance names them as the second Global Administrator."
        ),
    )


def _setting(setting_id: str, title: str, level: Level, baselines: tuple[str, ...], source: str) -> Setting:
    return Setting(
        id=setting_id,
        title=title,
        remediation=RemediationKind.GUIDED,
        read_api=READ_API,
        read_permissions=READS,
        directory_roles=("Privileged Role Administrator",),
        docs_url=BEST_PRACTICES,
        level=level,
        baselines=baselines,
        level_source=source,
    )


MORE_THAN_ONE = _setting(
    "more_than_one_global_admin",
    "More than one enabled user holds Global Administrator",
    Level.CRITERION,
    ("CIS M365 1.1.3",),
    BEST_PRACTICES,
)
FEWER_THAN_FIVE = _setting(
    "fewer_than_five_global_admins",
    "Fewer than five users hold Global Administrator",
    Level.CRITERION,
    ("CIS M365 1.1.3",),
    BEST_PRACTICES,
)
CISA_RANGE = _setting(
    "cisa_global_admin_range",
    "Two to eight users hold Global Administrator, eligible ones included",
    Level.BASELINE,
    ("CISA MS.AAD.7.1v1",),
    SCUBA_AAD,
)
FINER_GRAINED = _setting(
    "finer_grained_roles",
    "Privileged users hold finer-grained roles rather than Global Administrator",
    Level.BASELINE,
    ("CISA MS.AAD.7.2v1",),
    SCUBA_AAD,
)
OVERLAP = _setting(
    "global_admins_without_overlapping_roles",
    "No Global Administrator also holds a narrower administrative role",
    Level.ADVICE,
    (),
    BEST_PRACTICES,
)

CONTROLS = {
    ONE_ADMIN: Control(
        id=ONE_ADMIN,
        title="Designate more than one global admin",
        settings=(MORE_THAN_ONE, secure_score_setting(ONE_ADMIN)),
        auth_flows=("app-only", "delegated"),
        config_model=AdminRolesConfig,
    ),
    MANY_ADMINS: Control(
        id=MANY_ADMINS,
        title="Designate less than 5 global admins",
        settings=(FEWER_THAN_FIVE, CISA_RANGE, secure_score_setting(MANY_ADMINS)),
        auth_flows=("app-only", "delegated"),
        config_model=AdminRolesConfig,
    ),
    ROLE_OVERLAP: Control(
        id=ROLE_OVERLAP,
        title="Use least privileged administrative roles",
        settings=(FINER_GRAINED, OVERLAP, secure_score_setting(ROLE_OVERLAP)),
        auth_flows=("app-only", "delegated"),
        config_model=AdminRolesConfig,
    ),
}
