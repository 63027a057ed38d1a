"""What the control is: its settings, permissions and desired values, as data.

Facts from Microsoft's pages (read 2026-12-01):

* ``defaultUserRolePermissions.permissionGrantPoliciesAssigned`` (Graph v1.0, resource
  ``defaultUserRolePermissions``) holds ``managePermissionGrantsForSelf.{id}`` entries for user
  consent; an empty list (of such entries) means user consent is disabled.
* "Configure how users consent to applications" (entra-docs ``configure-user-consent.md``) names
  the built-in policies ``microsoft-user-default-low`` (verified publishers and your own tenant's
  apps, only permissions classified *low impact*) and ``microsoft-user-default-legacy`` (any app,
  any permission that does not need admin consent), and says to keep the
  ``managePermissionGrantsForOwnedResource.*`` entries when changing the list.
* ``PATCH /policies/authorizationPolicy`` needs ``Policy.ReadWrite.Authorization``; the read
  needs ``Policy.Read.All``; a person doing it needs Privileged Role Administrator.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from scorekeeper import Control, RemediationKind, Setting
from scorekeeper.reads import secure_score_setting

CONTROL_ID = "IntegratedApps"
POLICY_PATH = "/policies/authorizationPolicy"
#: The prefix of the entries that govern *user* consent (compared case-insensitively: Graph
#: answers ``ManagePermissionGrantsForSelf.``, Microsoft's examples write ``managePermissionGrantsForSelf.``).
SELF_PREFIX = "managepermissiongrantsforself."
LOW_IMPACT = "ManagePermissionGrantsForSelf.microsoft-user-default-low"
LEGACY = "ManagePermissionGrantsForSelf.microsoft-user-default-legacy"
DOCS = "https://learn.microsoft.com/entra/identity/enterprise-apps/configure-user-consent"


class IntegratedAppsConfig(BaseModel):
    """``[controls.IntegratedApps]``: what remediation sets user consent to."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    user_consent: Literal["disabled", "low_impact"] = Field(
        "disabled",
        description=(
            "What remediation sets: 'disabled' (only administrators consent; CIS and CISA's baseline) or "
            "'low_impact' (Microsoft's microsoft-user-default-low policy). Both pass the assessment."
        ),
    )


SETTINGS = (
    Setting(
        id="user_consent",
        title="Users cannot consent to unreliable applications",
        remediation=RemediationKind.AUTOMATED,
        read_api="Graph GET /policies/authorizationPolicy (defaultUserRolePermissions.permissionGrantPoliciesAssigned)",
        write_api=(
            "Graph PATCH /policies/authorizationPolicy defaultUserRolePermissions.permissionGrantPoliciesAssigned"
        ),
        read_permissions=("Policy.Read.All",),
        write_permissions=("Policy.ReadWrite.Authorization",),
        directory_roles=("Privileged Role Administrator",),
        docs_url=DOCS,
    ),
    secure_score_setting(CONTROL_ID),
)

CONTROL = Control(
    id=CONTROL_ID,
    title="Do not allow users to grant consent to unreliable applications",
    settings=SETTINGS,
    auth_flows=("app-only", "delegated"),
    config_model=IntegratedAppsConfig,
)
