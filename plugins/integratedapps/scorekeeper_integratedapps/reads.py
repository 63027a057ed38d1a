"""The reads, in one Graph ``$batch``: the authorization policy, the latest Secure Score, the control profile."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scorekeeper.reads import Read, read_batch, secure_score_requests
from scorekeeper_integratedapps.control import CONTROL_ID

if TYPE_CHECKING:
    from scorekeeper import TenantContext

POLICY = "authorization_policy"


def _requests(tenant: TenantContext, with_score: bool) -> dict[str, Any]:
    requests: dict[str, Any] = {POLICY: tenant.graph.policies.authorization_policy.to_get_request_information()}
    if with_score:
        requests |= secure_score_requests(tenant, CONTROL_ID)
    return requests


async def read_tenant(tenant: TenantContext) -> dict[str, Read]:
    """Everything the control needs, in about one round trip."""
    return await read_batch(tenant, _requests(tenant, with_score=True))


async def read_policy(tenant: TenantContext) -> Read:
    """Just the authorization policy: what remediation needs right before it writes (no Secure Score permission)."""
    return (await read_batch(tenant, _requests(tenant, with_score=False)))[POLICY]


def assigned(policy: Read) -> list[str]:
    """``permissionGrantPoliciesAssigned`` as the tenant has it (``[]`` when the field is absent)."""
    permissions = (policy.value or {}).get("defaultUserRolePermissions") or {}
    return [str(entry) for entry in permissions.get("permissionGrantPoliciesAssigned") or []]
