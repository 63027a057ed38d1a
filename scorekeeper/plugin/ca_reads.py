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
from typing import TYPE_CHECKING, Any

from scorekeeper.plugin.reads import (  # the sign-in window and request are shared with other plugins (SSPR)
    PREFER_UNKNOWN_ENUMS as PREFER_UNKNOWN_ENUMS,
)
from scorekeeper.plugin.reads import (
    PROFILE,
    SCORES,
    Read,
    read_batch,
    secure_score_requests,
    sign_ins_request,
)
from scorekeeper.plugin.reads import SIGN_IN_DAYS as SIGN_IN_DAYS
from scorekeeper.plugin.reads import SIGN_IN_TOP as SIGN_IN_TOP

if TYPE_CHECKING:
    from kiota_abstractions.request_information import RequestInformation

    from scorekeeper.plugin.ca_policy import Template
    from scorekeeper.plugin.context import TenantContext

POLICIES = "identity/conditionalAccess/policies"


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


def _requests(
    tenant: TenantContext, template: Template, break_glass: tuple[str, ...], control_id: str
) -> dict[str, RequestInformation]:
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph.generated.reports.authentication_methods.user_registration_details.user_registration_details_request_builder import (  # noqa: E501
        UserRegistrationDetailsRequestBuilder,
    )
    from msgraph.generated.users.item.user_item_request_builder import UserItemRequestBuilder

    g = tenant.graph
    sign_ins = sign_ins_request(tenant)
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
