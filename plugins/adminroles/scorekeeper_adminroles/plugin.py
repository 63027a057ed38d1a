"""What scorekeeper loads through the ``scorekeeper`` entry point ``adminroles``: three controllers.

They share the reads and the people model, and send exactly the same requests (every role
assignment, not only Global Administrator's): the engine assesses a tenant's controls
concurrently and sends each distinct read once (``scorekeeper.graph.shared``), so the three cost
the round trips of one. None has a ``remediate``: every failing setting is a guided step, so the
engine never plans a write here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scorekeeper import Assessment, Controller, hookimpl
from scorekeeper_adminroles import evaluate, reads
from scorekeeper_adminroles.control import CONTROLS, MANY_ADMINS, ONE_ADMIN, ROLE_OVERLAP
from scorekeeper_adminroles.holders import resolve

if TYPE_CHECKING:
    from scorekeeper import Control, RegisterControl, TenantContext


class _AdminRoles(Controller):
    """Assess one of the three controls from the tenant's role assignments."""

    async def assess(self, tenant: TenantContext) -> Assessment:
        control: Control = self.control
        snapshot = await reads.read_tenant(tenant, control.id)
        findings, score = evaluate.evaluate(control.id, snapshot, resolve(snapshot), tenant.desired)
        tenant.report_findings(findings)
        return Assessment(findings=findings, score=score)


class OneAdmin(_AdminRoles):
    """``OneAdmin``: more than one Global Administrator."""

    control = CONTROLS[ONE_ADMIN]


class ManyAdmins(_AdminRoles):
    """``ManyAdmins``: fewer than five Global Administrators (and CISA's two to eight)."""

    control = CONTROLS[MANY_ADMINS]


class RoleOverlap(_AdminRoles):
    """``RoleOverlap``: least-privileged administrative roles."""

    control = CONTROLS[ROLE_OVERLAP]


@hookimpl
def scorekeeper_register_controls(register: RegisterControl) -> None:
    register(OneAdmin())
    register(ManyAdmins())
    register(RoleOverlap())
