"""A ready-made controller for a control that is one Conditional Access template: the implementation
behind :class:`scorekeeper.conditional_access.PolicyController`.

A plugin declares its :class:`~scorekeeper.domain.model.Control` (with :func:`policy_setting` and the
Secure Score setting), its :class:`~scorekeeper.plugin.ca_policy.Template`, and subclasses this
with both; assess, remediate, staging, impact and licence gating then follow the shared rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from scorekeeper.domain.levels import Level
from scorekeeper.domain.model import Finding, RemediationKind, Setting
from scorekeeper.plugin.ca_judge import (
    P2,
    READ_AUDIT,
    READ_DIRECTORY,
    READ_POLICIES,
    WRITE_POLICIES,
    held_roles,
    judge,
)
from scorekeeper.plugin.ca_policy import Template
from scorekeeper.plugin.ca_reads import POLICIES, read_ca
from scorekeeper.plugin.ca_write import write_policy
from scorekeeper.plugin.context import Assessment
from scorekeeper.plugin.controller import Controller
from scorekeeper.plugin.reads import secure_score, secure_score_finding

if TYPE_CHECKING:
    from scorekeeper.domain.model import Change, Control, Plan
    from scorekeeper.plugin.context import TenantContext


class PolicyConfig(BaseModel):
    """``[controls.<id>]`` of a Conditional Access control."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    break_glass: tuple[str, ...] = Field(
        default=(),
        description="Emergency-access accounts (UPNs or object ids) every policy excludes; required before a policy "
        "is enforced.",
    )
    display_name: str | None = Field(default=None, description="Name of a created policy (default: the template's).")


def policy_setting(
    setting_id: str,
    title: str,
    template: Template,
    *,
    level: Level = Level.CRITERION,
    baselines: tuple[str, ...] = (),
    level_source: str = "",
) -> Setting:
    """The declared setting of a Conditional Access control, with the permissions its reads and writes need.

    Reads (Microsoft's least-privileged application permissions): the policies, security defaults
    and named locations Policy.Read.All; sign-ins AuditLog.Read.All *and* Directory.Read.All
    (signin-list), and Directory.Read.All also reads subscribedSkus; the registration report
    AuditLog.Read.All; role assignments RoleManagement.Read.Directory, which Directory.Read.All also
    grants (rbacapplication-list-roleassignments), so only Directory.Read.All is declared. Writes
    (conditionalaccessroot-post-policies, conditionalaccesspolicy-update): Policy.Read.All and
    Policy.ReadWrite.ConditionalAccess. Resolving break-glass UPNs (GET /users/{upn}) needs User.Read.All,
    which Directory.Read.All (declared for the sign-ins) already grants, so nothing more is declared.
    """
    return Setting(
        id=setting_id,
        title=title,
        remediation=RemediationKind.AUTOMATED,
        read_api=f"Graph GET /{POLICIES}, /policies/identitySecurityDefaultsEnforcementPolicy, "
        "/identity/conditionalAccess/namedLocations, /subscribedSkus, /auditLogs/signIns"
        + (", /reports/authenticationMethods/userRegistrationDetails" if "mfa" in template.grant else "")
        + (", /roleManagement/directory/roleAssignments" if template.for_roles else ""),
        write_api=f"Graph POST /{POLICIES}, or PATCH /{POLICIES}/{{id}} state and conditions.users.excludeUsers",
        read_permissions=(READ_POLICIES, READ_AUDIT, READ_DIRECTORY),
        write_permissions=(READ_POLICIES, WRITE_POLICIES),
        licence=template.licence,
        docs_url=template.docs_url,
        level=level,
        baselines=baselines,
        level_source=level_source or template.docs_url,
    )


class PolicyController(Controller):
    """A control judged by one Conditional Access template: set ``control``, ``template`` and ``setting``."""

    template: ClassVar[Template]
    setting: ClassVar[str] = "ca_policy"
    #: Further settings whose planned change is this policy's write (a criterion that the policy
    #: brings about, such as MFARegistrationV2's ``mfa_registered``); each is recorded under its own id.
    also_written_by: ClassVar[tuple[str, ...]] = ()

    def extra_findings(self, tenant: TenantContext, reads: Any) -> list[Finding]:
        """More findings from the same reads (a control with a second setting overrides this)."""
        return []

    def _finding(self, reads: Any, desired: PolicyConfig) -> Finding:
        control: Control = self.control
        verdict = judge(self.template, reads, desired.break_glass)
        return Finding(
            control=control.id,
            setting=self.setting,
            title=control.setting(self.setting).title,
            status=verdict.status,
            reason=verdict.reason,
            current=verdict.current,
            desired=verdict.desired,
            remediation=verdict.remediation,
            stage=verdict.stage,
            impact=verdict.impact,
            missing_permissions=verdict.missing_permissions,
            steps=verdict.steps,
        )

    async def assess(self, tenant: TenantContext) -> Assessment:
        desired: PolicyConfig = tenant.desired
        reads = await read_ca(tenant, self.template, desired.break_glass, self.control.id)
        findings = [self._finding(reads, desired), *self.extra_findings(tenant, reads)]
        score = secure_score(reads.scores, self.control.id)
        findings.append(secure_score_finding(score, self.control.id))
        tenant.report_findings(findings)
        return Assessment(findings=findings, score=score.snapshot)

    async def remediate(self, tenant: TenantContext, plan: Plan) -> list[Change]:
        desired: PolicyConfig = tenant.desired
        changes: list[Change] = []
        for item in plan.automated:
            if item.setting != self.setting and item.setting not in self.also_written_by:
                continue
            change = await write_policy(
                tenant,
                item,
                self.template,
                desired.break_glass,
                control_id=self.control.id,
                display_name=desired.display_name,
                held_roles=self.template.required_roles,
            )
            if change is not None:
                changes.append(change)
        return changes


__all__ = ["P2", "PolicyConfig", "PolicyController", "held_roles", "policy_setting"]
