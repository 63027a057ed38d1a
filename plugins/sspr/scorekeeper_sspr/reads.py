"""Every read the control needs, in about one round trip: one Graph ``$batch`` plus two portal GETs.

Assessment, remediation (for fresh before-values) and verification all call :func:`read_tenant`,
so the three phases see the tenant through exactly the same eyes.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from scorekeeper import GraphCallError
from scorekeeper.reads import Read, read_batch, secure_score_requests
from scorekeeper_sspr.config import SsprConfig, is_object_id
from scorekeeper_sspr.portal import read_onprem, read_policy
from scorekeeper_sspr.settings import CONTROL_ID

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from kiota_abstractions.request_information import RequestInformation

    from scorekeeper import TenantContext

__all__ = ["BETA_POLICY", "PAGED", "Read", "Snapshot", "read_graph", "read_tenant"]

#: Lists that Graph may page; their next pages are followed so that nothing is missed.
PAGED = ("device_configurations", "ca_policies", "group_settings", "registration_details", "named_locations")
#: The beta-only passkey-migration opt-out (concept-sms-voice-retirement): read beside the batch.
BETA_POLICY = "beta_methods_policy"
#: Settings Catalog policies (beta only), for Windows sign-in reset set through the catalog.
CATALOG = "settings_catalog"
#: Keys of the follow-up batch: ``members:<group id>`` and the sign-in logs.
MEMBERS, SIGN_INS = "members:", "sign_ins"


@dataclass(frozen=True)
class Snapshot:
    """What the tenant looked like: Graph reads by key, and the two portal objects.

    ``policy``/``onprem`` are ``None`` when there is no portal sign-in (``portal_unavailable``
    says why), as opposed to a :class:`Read` with an error when the portal refused.
    """

    graph: dict[str, Read]
    policy: Read | None
    onprem: Read | None
    portal_unavailable: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _requests(tenant: TenantContext, desired: SsprConfig) -> dict[str, RequestInformation]:
    """The Graph reads, built with the SDK's fluent builders (relative URLs, query parameters)."""
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph.generated.device_management.device_configurations.device_configurations_request_builder import (
        DeviceConfigurationsRequestBuilder,
    )
    from msgraph.generated.groups.groups_request_builder import GroupsRequestBuilder
    from msgraph.generated.organization.organization_request_builder import OrganizationRequestBuilder

    g = tenant.graph
    org_query = OrganizationRequestBuilder.OrganizationRequestBuilderGetQueryParameters(
        select=["id", "createdDateTime", "onPremisesSyncEnabled", "onPremisesLastSyncDateTime"]
    )
    configs_query = DeviceConfigurationsRequestBuilder.DeviceConfigurationsRequestBuilderGetQueryParameters(
        expand=["assignments"]
    )
    requests: dict[str, RequestInformation] = {
        "skus": g.subscribed_skus.to_get_request_information(),
        "organization": g.organization.to_get_request_information(RequestConfiguration(query_parameters=org_query)),
        "methods_policy": g.policies.authentication_methods_policy.to_get_request_information(),
        "authorization_policy": g.policies.authorization_policy.to_get_request_information(),
        "device_configurations": g.device_management.device_configurations.to_get_request_information(
            RequestConfiguration(query_parameters=configs_query)
        ),
        "ca_policies": g.identity.conditional_access.policies.to_get_request_information(),
        # Trusted named locations decide what "All trusted locations" excludes in the registration policy.
        "named_locations": g.identity.conditional_access.named_locations.to_get_request_information(),
        # Security defaults enforce MFA registration on tenants without Conditional Access.
        "security_defaults": g.policies.identity_security_defaults_enforcement_policy.to_get_request_information(),
        "group_settings": g.group_settings.to_get_request_information(),
        **secure_score_requests(tenant, CONTROL_ID),
        # Per-user registered methods: how many users keep an SSPR method once phones retire.
        "registration_details": g.reports.authentication_methods.user_registration_details.to_get_request_information(),
    }
    group = desired.windows_sign_in_group
    if group and not is_object_id(group):  # a display name: find its id in the same round trip
        query = GroupsRequestBuilder.GroupsRequestBuilderGetQueryParameters(
            filter=f"displayName eq '{_odata_quote(group)}'", select=["id", "displayName"]
        )
        requests["windows_group"] = g.groups.to_get_request_information(RequestConfiguration(query_parameters=query))
    return requests


def _odata_quote(value: str) -> str:
    """Escape a string literal for ``$filter`` (a single quote is doubled)."""
    return value.replace("'", "''")


async def _portal_read(call: Awaitable[Any]) -> Read:
    try:
        return Read(await call)
    except GraphCallError as exc:  # PortalError is a GraphCallError
        return Read.failed(exc)


async def read_graph(tenant: TenantContext, desired: SsprConfig) -> dict[str, Read]:
    """One ``$batch`` (scorekeeper's shared reader), every page of the lists that page."""
    return await read_batch(tenant, _requests(tenant, desired), paged=PAGED)


async def _beta_policy(tenant: TenantContext) -> Read:
    """The beta Authentication methods policy, for ``optOutSettings`` (absent from v1.0)."""
    try:
        return Read(await tenant.graph_request("GET", "policies/authenticationMethodsPolicy", version="beta"))
    except GraphCallError as exc:
        return Read.failed(exc)


async def _catalog(tenant: TenantContext) -> Read:
    """Settings Catalog policies with their settings and assignments (Graph beta configurationPolicies)."""
    try:
        return Read(
            await tenant.graph_request(
                "GET", "deviceManagement/configurationPolicies?$expand=settings,assignments", version="beta"
            )
        )
    except GraphCallError as exc:
        return Read.failed(exc)


async def read_tenant(tenant: TenantContext, desired: SsprConfig) -> Snapshot:
    """All Graph reads (one batch) concurrently with the beta policy read and both portal reads,
    then the reads that depend on them: targeted groups' members and the registration policy's
    report-only sign-in results (a second round trip only when there is something to read)."""
    portal = tenant.portal
    if portal is None:
        graph, beta, catalog = await asyncio.gather(read_graph(tenant, desired), _beta_policy(tenant), _catalog(tenant))
        graph[BETA_POLICY], graph[CATALOG] = beta, catalog
        snapshot = Snapshot(graph, None, None, tenant.portal_unavailable or "no portal sign-in")
    else:
        graph, beta, catalog, policy, onprem = await asyncio.gather(
            read_graph(tenant, desired),
            _beta_policy(tenant),
            _catalog(tenant),
            _portal_read(read_policy(portal)),
            _portal_read(read_onprem(portal)),
        )
        graph[BETA_POLICY], graph[CATALOG] = beta, catalog
        snapshot = Snapshot(graph, policy, onprem)
    await _follow_up(tenant, snapshot)
    return snapshot


def _groups_to_read(snapshot: Snapshot) -> list[str]:
    """Groups whose members decide someone's effective methods or SSPR scope."""
    from scorekeeper_sspr.effective import group_ids

    methods = snapshot.graph.get("methods_policy")
    found = group_ids(methods.value) if methods is not None and methods.ok else []
    policy = snapshot.policy.value if snapshot.policy is not None and snapshot.policy.ok else None
    if isinstance(policy, dict) and policy.get("enablementType") == 1:
        found += [str(g) for g in policy.get("passwordResetEnabledGroupIds") or [] if str(g) not in found]
    return found


def _follow_up_requests(tenant: TenantContext, groups: list[str], sign_ins: bool) -> dict[str, RequestInformation]:
    """Targeted groups' transitive members (ids only) and, when a registration policy is report-only,
    the sign-in logs whose ``appliedConditionalAccessPolicies`` hold its report-only results."""
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph.generated.audit_logs.sign_ins.sign_ins_request_builder import SignInsRequestBuilder
    from msgraph.generated.groups.item.transitive_members.transitive_members_request_builder import (
        TransitiveMembersRequestBuilder,
    )

    g = tenant.graph
    members = TransitiveMembersRequestBuilder.TransitiveMembersRequestBuilderGetQueryParameters(select=["id"], top=999)
    requests: dict[str, RequestInformation] = {
        f"{MEMBERS}{gid}": g.groups.by_group_id(gid).transitive_members.to_get_request_information(
            RequestConfiguration(query_parameters=members)
        )
        for gid in groups
    }
    if sign_ins:
        query = SignInsRequestBuilder.SignInsRequestBuilderGetQueryParameters(top=999)
        requests[SIGN_INS] = g.audit_logs.sign_ins.to_get_request_information(
            RequestConfiguration(query_parameters=query)
        )
        # Graph sends report-only results (reportOnlyFailure, ...) only to a caller that asks for the
        # evolvable enum's newer members; without this header every one reads unknownFutureValue.
        requests[SIGN_INS].headers.try_add("Prefer", "include-unknown-enum-members")
    return requests


async def _follow_up(tenant: TenantContext, snapshot: Snapshot) -> None:
    """The second round trip, as one ``$batch``, only when there is something to read."""
    from scorekeeper_sspr import graph_rules as rules

    groups = _groups_to_read(snapshot)
    ca = snapshot.graph.get("ca_policies")
    current = rules.registration_policy(ca.value) if ca is not None and ca.ok else None
    wants_sign_ins = bool(current and current.get("state") == "enabledForReportingButNotEnforced")
    requests = _follow_up_requests(tenant, groups, wants_sign_ins)
    reads = (
        await read_batch(tenant, requests, paged=tuple(k for k in requests if k.startswith(MEMBERS)))
        if requests
        else {}
    )
    members = {k[len(MEMBERS) :]: r for k, r in reads.items() if k.startswith(MEMBERS)}
    snapshot.extra["members"] = {g: frozenset(str(m.get("id")) for m in r.items) for g, r in members.items() if r.ok}
    snapshot.extra["members_unread"] = {g: r.error for g, r in members.items() if not r.ok}
    if SIGN_INS in reads:
        snapshot.extra["sign_ins"] = reads[SIGN_INS]
