"""The reads, in one Graph ``$batch``: the authorization policy, the admin consent workflow, each
configured reviewer, the latest Secure Score and the control profile."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scorekeeper.reads import Read, read_batch, secure_score_requests
from scorekeeper_integratedapps.control import CONTROL_ID

if TYPE_CHECKING:
    from scorekeeper import TenantContext

POLICY = "authorization_policy"
WORKFLOW = "admin_consent_request_policy"
#: Batch keys of the reviewer look-ups: ``reviewer:0``, ``reviewer:1``, … in config order.
REVIEWER = "reviewer:"
REVIEWER_FIELDS = ["id", "userPrincipalName", "displayName"]
#: The properties a PUT of the admin consent workflow carries (the update page requires them all).
WORKFLOW_FIELDS = ("isEnabled", "notifyReviewers", "remindersEnabled", "requestDurationInDays", "reviewers")


def _reviewer_requests(tenant: TenantContext, reviewers: tuple[str, ...]) -> dict[str, Any]:
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph.generated.users.item.user_item_request_builder import UserItemRequestBuilder

    query = UserItemRequestBuilder.UserItemRequestBuilderGetQueryParameters(select=REVIEWER_FIELDS)
    return {
        f"{REVIEWER}{n}": tenant.graph.users.by_user_id(key).to_get_request_information(
            RequestConfiguration(query_parameters=query)
        )
        for n, key in enumerate(reviewers)
    }


def _requests(tenant: TenantContext, *, with_score: bool, reviewers: tuple[str, ...]) -> dict[str, Any]:
    policies = tenant.graph.policies
    requests: dict[str, Any] = {
        POLICY: policies.authorization_policy.to_get_request_information(),
        WORKFLOW: policies.admin_consent_request_policy.to_get_request_information(),
    }
    requests |= _reviewer_requests(tenant, reviewers)
    if with_score:
        requests |= secure_score_requests(tenant, CONTROL_ID)
    return requests


async def read_tenant(tenant: TenantContext) -> dict[str, Read]:
    """Everything the control needs, in about one round trip."""
    reviewers = tuple(tenant.desired.consent_reviewers)
    return await read_batch(tenant, _requests(tenant, with_score=True, reviewers=reviewers))


async def read_policy(tenant: TenantContext) -> Read:
    """Just the authorization policy: what remediation needs right before it writes (no Secure Score permission)."""
    policy = tenant.graph.policies.authorization_policy.to_get_request_information()
    return (await read_batch(tenant, {POLICY: policy}))[POLICY]


async def read_workflow(tenant: TenantContext) -> Read:
    """Just the admin consent workflow, read again right before it is written."""
    workflow = tenant.graph.policies.admin_consent_request_policy.to_get_request_information()
    return (await read_batch(tenant, {WORKFLOW: workflow}))[WORKFLOW]


def assigned(policy: Read) -> list[str]:
    """``permissionGrantPoliciesAssigned`` as the tenant has it (``[]`` when the field is absent)."""
    permissions = (policy.value or {}).get("defaultUserRolePermissions") or {}
    return [str(entry) for entry in permissions.get("permissionGrantPoliciesAssigned") or []]


def workflow_settings(workflow: Read) -> dict[str, Any]:
    """The workflow's settable properties as read (``reviewers`` without ``@odata`` annotations)."""
    value = workflow.value or {}
    settings = {key: value.get(key) for key in WORKFLOW_FIELDS}
    settings["reviewers"] = [
        {k: v for k, v in reviewer.items() if not k.startswith("@")}
        for reviewer in value.get("reviewers") or []
        if isinstance(reviewer, dict)
    ]
    return settings


def reviewer_reads(reads: dict[str, Read]) -> list[Read]:
    """The reviewer look-ups, in config order."""
    keys = sorted((k for k in reads if k.startswith(REVIEWER)), key=lambda k: int(k[len(REVIEWER) :]))
    return [reads[k] for k in keys]
