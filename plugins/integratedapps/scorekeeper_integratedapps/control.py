"""What the control is: its settings, permissions, levels and desired values, as data.

Facts from Microsoft's pages (read 2026-12-07; docs/controls/IntegratedApps.md cites each):

* ``defaultUserRolePermissions.permissionGrantPoliciesAssigned`` (Graph v1.0, resource
  ``defaultUserRolePermissions``) holds ``managePermissionGrantsForSelf.{id}`` entries for user
  consent; none of them means user consent is disabled.
* "Configure how users consent to applications" (entra-docs ``configure-user-consent.md``) names
  ``microsoft-user-default-low`` and ``microsoft-user-default-legacy`` and says to keep the
  ``managePermissionGrantsForOwnedResource.*`` entries when changing the list.
* "Manage app consent policies" (``manage-app-consent-policies.md``, 2026-01-22) adds the
  Microsoft-managed ``microsoft-user-default-recommended`` ("Let Microsoft manage your consent
  settings", the default for a new tenant: any user-consentable delegated permission except a list
  of mail, files, chat and calendar permissions, from any publisher) and the mail-client policy
  ``microsoft-user-default-allow-consent-apps``.
* ``PATCH /policies/authorizationPolicy`` needs ``Policy.ReadWrite.Authorization``; the read
  needs ``Policy.Read.All``; a person doing it needs Privileged Role Administrator.
* The admin consent workflow is ``/policies/adminConsentRequestPolicy``: read with
  ``Policy.Read.All``, updated with ``PUT`` and ``Policy.ReadWrite.ConsentRequest``; reviewers are
  ``accessReviewReviewerScope`` objects such as ``{"query": "/users/{id}", "queryType": "MicrosoftGraph"}``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from scorekeeper import Control, Level, RemediationKind, Setting
from scorekeeper.reads import secure_score_setting

CONTROL_ID = "IntegratedApps"
POLICY_PATH = "/policies/authorizationPolicy"
WORKFLOW_PATH = "/policies/adminConsentRequestPolicy"
#: The prefix of the entries that govern *user* consent (compared case-insensitively: Graph
#: answers ``ManagePermissionGrantsForSelf.``, Microsoft's examples write ``managePermissionGrantsForSelf.``).
SELF_PREFIX = "managepermissiongrantsforself."
LOW_IMPACT = "ManagePermissionGrantsForSelf.microsoft-user-default-low"
LEGACY = "ManagePermissionGrantsForSelf.microsoft-user-default-legacy"
#: "Let Microsoft manage your consent settings": Microsoft updates what it allows.
RECOMMENDED = "ManagePermissionGrantsForSelf.microsoft-user-default-recommended"
#: The Microsoft-managed mail-client policy that comes with it on new tenants.
MAIL_APPS = "ManagePermissionGrantsForSelf.microsoft-user-default-allow-consent-apps"
MICROSOFT_MANAGED = (RECOMMENDED, MAIL_APPS)
DOCS = "https://learn.microsoft.com/entra/identity/enterprise-apps/configure-user-consent"
POLICIES_DOCS = "https://learn.microsoft.com/entra/identity/enterprise-apps/manage-app-consent-policies"
WORKFLOW_DOCS = "https://learn.microsoft.com/entra/identity/enterprise-apps/configure-admin-consent-workflow"
SCUBA_AAD = "https://github.com/cisagov/ScubaGear/blob/main/PowerShell/ScubaGear/baselines/aad.md"


class IntegratedAppsConfig(BaseModel):
    """``[controls.IntegratedApps]``: what remediation sets user consent and the admin consent workflow to."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    user_consent: Literal["disabled", "low_impact"] = Field(
        default="disabled",
        description=(
            "What remediation sets: 'disabled' (only administrators consent; CIS and CISA's baseline) or "
            "'low_impact' (Microsoft's microsoft-user-default-low policy). Both pass the assessment."
        ),
    )
    consent_reviewers: tuple[str, ...] = Field(
        default=(),
        description=(
            "Users (object ids or user principal names) who review admin consent requests. Without them the "
            "admin consent workflow is a guided step: scorekeeper never turns it on with nobody to review."
        ),
    )
    consent_request_days: int = Field(
        default=30, ge=1, description="How many days an admin consent request stays open before it expires."
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
        level=Level.CRITERION,
        baselines=("CISA MS.AAD.5.2v1", "CIS M365 5.1.5.1"),
        level_source=DOCS,
    ),
    Setting(
        id="admin_consent_workflow",
        title="Users can ask administrators to consent (admin consent workflow with reviewers)",
        remediation=RemediationKind.AUTOMATED,
        read_api=("Graph GET /policies/adminConsentRequestPolicy; GET /users/{id or UPN} for each configured reviewer"),
        write_api="Graph PUT /policies/adminConsentRequestPolicy",
        read_permissions=("Policy.Read.All", "User.Read.All"),
        write_permissions=("Policy.ReadWrite.ConsentRequest",),
        directory_roles=("Cloud Application Administrator", "Application Administrator"),
        docs_url=WORKFLOW_DOCS,
        level=Level.BASELINE,
        baselines=("CISA MS.AAD.5.3v1", "CIS M365 5.1.5.2"),
        level_source=SCUBA_AAD,
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
