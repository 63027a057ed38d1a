"""What a Conditional Access control reads, in one ``$batch``: the implementation behind
:mod:`scorekeeper.conditional_access` (see there for the whole story).

Every Conditional Access control reads the same things — the policies, security defaults, named
locations, subscriptions, recent sign-ins with their report-only results — so the URLs are built
here, identically for every control: the engine's shared reads then send each one once per
tenant however many controls ask (``scorekeeper.graph.shared``). A control adds only what its
template needs: the users who are not MFA-capable (MFA templates), the role assignments (role
templates), the configured break-glass accounts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from scorekeeper.plugin.reads import PROFILE, SCORES, Read, read_batch, secure_score_requests

if TYPE_CHECKING:
    from kiota_abstractions.request_information import RequestInformation

    from scorekeeper.plugin.ca_policy import Template
    from scorekeeper.plugin.context import TenantContext

POLICIES = "identity/conditionalAccess/policies"
#: How far back sign-ins are read for report-only results and for who would be affected.
SIGN_IN_DAYS = 30
#: The newest sign-ins read (one page: Graph's largest ``$top`` for signIns is 1000).
SIGN_IN_TOP = 999
#: Graph sends the report-only results (``reportOnlyFailure``…) of appliedConditionalAccessPolicy
#: only to a caller that asks for the evolvable enum's newer members (``unknownFutureValue`` otherwise).
PREFER_UNKNOWN_ENUMS = "include-unknown-enum-members"


@dataclass
class CaReads:
    """Every read one Conditional Access control needs, as :class:`Read` results."""

    skus: Read
    policies: Read
    security_defaults: Read
    named_locations: Read
    sign_ins: Read
    not_mfa_capable: Read | None = None
    role_assignments: Read | None = None
    break_glass: dict[str, Read] = field(default_factory=dict)
    scores: dict[str, Read] = field(default_factory=dict)


def _since(days: int) -> str:
    """The start of the sign-in window, to the day, so every control's URL is the same one."""
    start = datetime.now(UTC).date() - timedelta(days=days)
    return f"{start.isoformat()}T00:00:00Z"


def _requests(
    tenant: TenantContext, template: Template, break_glass: tuple[str, ...], control_id: str
) -> dict[str, RequestInformation]:
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph.generated.audit_logs.sign_ins.sign_ins_request_builder import SignInsRequestBuilder
    from msgraph.generated.reports.authentication_methods.user_registration_details.user_registration_details_request_builder import (  # noqa: E501
        UserRegistrationDetailsRequestBuilder,
    )
    from msgraph.generated.users.item.user_item_request_builder import UserItemRequestBuilder

    g = tenant.graph
    sign_in_query = SignInsRequestBuilder.SignInsRequestBuilderGetQueryParameters(
        top=SIGN_IN_TOP, filter=f"createdDateTime ge {_since(SIGN_IN_DAYS)}"
    )
    sign_ins = g.audit_logs.sign_ins.to_get_request_information(RequestConfiguration(query_parameters=sign_in_query))
    sign_ins.headers.try_add("Prefer", PREFER_UNKNOWN_ENUMS)
    requests: dict[str, RequestInformation] = {
        "skus": g.subscribed_skus.to_get_request_information(),
        "policies": g.identity.conditional_access.policies.to_get_request_information(),
        "security_defaults": g.policies.identity_security_defaults_enforcement_policy.to_get_request_information(),
        "named_locations": g.identity.conditional_access.named_locations.to_get_request_information(),
        "sign_ins": sign_ins,
        **secure_score_requests(tenant, control_id),
    }
    if "mfa" in template.grant:
        query = UserRegistrationDetailsRequestBuilder.UserRegistrationDetailsRequestBuilderGetQueryParameters(
            filter="isMfaCapable eq false"
        )
        requests["not_mfa_capable"] = (
            g.reports.authentication_methods.user_registration_details.to_get_request_information(
                RequestConfiguration(query_parameters=query)
            )
        )
    if template.for_roles:
        requests["role_assignments"] = g.role_management.directory.role_assignments.to_get_request_information()
    select = UserItemRequestBuilder.UserItemRequestBuilderGetQueryParameters(select=["id", "userPrincipalName"])
    for index, account in enumerate(break_glass):
        requests[f"break_glass:{index}"] = g.users.by_user_id(account).to_get_request_information(
            RequestConfiguration(query_parameters=select)
        )
    return requests


async def read_ca(tenant: TenantContext, template: Template, break_glass: tuple[str, ...], control_id: str) -> CaReads:
    """One ``$batch`` (shared with the other controls' identical reads), lists followed to the end."""
    requests = _requests(tenant, template, break_glass, control_id)
    paged = ("policies", "named_locations", "not_mfa_capable", "role_assignments")
    reads = await read_batch(tenant, requests, paged=tuple(k for k in paged if k in requests))
    return CaReads(
        skus=reads["skus"],
        policies=reads["policies"],
        security_defaults=reads["security_defaults"],
        named_locations=reads["named_locations"],
        sign_ins=reads["sign_ins"],
        not_mfa_capable=reads.get("not_mfa_capable"),
        role_assignments=reads.get("role_assignments"),
        break_glass={account: reads[f"break_glass:{i}"] for i, account in enumerate(break_glass)},
        scores={key: reads[key] for key in (SCORES, PROFILE)},
    )


async def read_policies(tenant: TenantContext) -> list[dict[str, Any]]:
    """Every Conditional Access policy, read fresh (for a write: never the plan's copy). Raises
    :class:`~scorekeeper.graph.errors.GraphCallError` when Graph refuses."""
    items: list[dict[str, Any]] = []
    page: Any = await tenant.graph_request("GET", POLICIES)
    items += list((page or {}).get("value") or [])
    while (page or {}).get("@odata.nextLink"):
        link = str(page["@odata.nextLink"]).split("/v1.0/", 1)[-1]
        page = await tenant.graph_request("GET", link)
        items += list((page or {}).get("value") or [])
    return items


async def resolve_accounts(tenant: TenantContext, accounts: tuple[str, ...]) -> list[str]:
    """The object ids of ``accounts`` (UPNs or ids), read fresh for a write."""
    ids = []
    for account in accounts:
        user = await tenant.graph_request("GET", f"users/{account}?$select=id")
        ids.append(str(user["id"]))
    return ids
