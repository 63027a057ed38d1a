"""Every read the control needs, in about one round trip: the Graph ``$batch`` plus two portal GETs.

The v1.0 reads and the two beta-only reads (the methods policy's opt-out, Intune's Settings
Catalog) go in one call of :func:`~scorekeeper.reads.read_batch`: a v1.0 and a beta ``$batch``
sent at the same moment, beside the portal reads. A second round trip happens only for what the
first answers name: the members of a group the policies target that the configuration does not
name by id (a group named by id is read up front), and the report-only sign-ins, which are
answered without a round trip when another control (Conditional Access) read them already.

Assessment, remediation (for fresh before-values) and verification all call :func:`read_tenant`,
so the three phases see the tenant through exactly the same eyes.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from scorekeeper import GraphCallError
from scorekeeper.reads import (
    Read,
    get_request,
    read_batch,
    remembered_request,
    remembered_request_for_id,
    secure_score_requests,
    sign_ins_request,
)
from scorekeeper_sspr.config import SsprConfig, is_object_id
from scorekeeper_sspr.portal import read_onprem, read_policy
from scorekeeper_sspr.settings import CONTROL_ID

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from kiota_abstractions.request_information import RequestInformation
    from msgraph import GraphServiceClient

    from scorekeeper import TenantContext

__all__ = ["BETA_POLICY", "PAGED", "Read", "Snapshot", "read_graph", "read_tenant"]

#: The beta-only passkey-migration opt-out (concept-sms-voice-retirement): in the beta ``$batch``.
BETA_POLICY = "beta_methods_policy"
#: Settings Catalog policies (beta only), for Windows sign-in reset set through the catalog.
CATALOG = "settings_catalog"
#: Lists that Graph may page; their next pages are followed so that nothing is missed.
PAGED = ("device_configurations", "ca_policies", "group_settings", "registration_details", "named_locations", CATALOG)
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
    """The Graph reads, in the forms the SDK's fluent builders give (relative URLs, query parameters).

    Each form is built through the builder once per process (``scorekeeper.reads.remembered_request``):
    the same for every tenant, it costs a fleet nothing after its first tenant.
    """
    requests = {
        key: remembered_request(tenant, (__name__, key), partial(build, tenant.graph)) for key, build in _FIXED.items()
    }
    requests |= secure_score_requests(tenant, CONTROL_ID)  # remembered forms, as the shared reads build them
    # Per-user registered methods: how many users keep an SSPR method once phones retire.
    requests["registration_details"] = remembered_request(
        tenant, (__name__, "registration_details"), partial(_details, tenant)
    )
    # The beta-only rows ride in the same call: a beta $batch beside the v1.0 one.
    for key, path in _BETA.items():
        requests[key] = remembered_request(tenant, (__name__, key), partial(get_request, tenant, path, version="beta"))
    # A group the configuration names by id is the group the policy should target: its members are
    # read now, in the first round trip, instead of after the portal has named it.
    if desired.enablement == "selected" and desired.enablement_group and is_object_id(desired.enablement_group):
        requests |= _members_requests(tenant, [desired.enablement_group])
    group = desired.windows_sign_in_group
    if group and not is_object_id(group):  # a display name: find its id in the same round trip
        from kiota_abstractions.base_request_configuration import RequestConfiguration
        from msgraph.generated.groups.groups_request_builder import GroupsRequestBuilder

        query = GroupsRequestBuilder.GroupsRequestBuilderGetQueryParameters(
            filter=f"displayName eq '{_odata_quote(group)}'", select=["id", "displayName"]
        )
        requests["windows_group"] = tenant.graph.groups.to_get_request_information(
            RequestConfiguration(query_parameters=query)
        )
    return requests


def _organization(g: GraphServiceClient) -> RequestInformation:
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph.generated.organization.organization_request_builder import OrganizationRequestBuilder

    query = OrganizationRequestBuilder.OrganizationRequestBuilderGetQueryParameters(
        select=["id", "createdDateTime", "onPremisesSyncEnabled", "onPremisesLastSyncDateTime"]
    )
    return g.organization.to_get_request_information(RequestConfiguration(query_parameters=query))


def _device_configurations(g: GraphServiceClient) -> RequestInformation:
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph.generated.device_management.device_configurations.device_configurations_request_builder import (
        DeviceConfigurationsRequestBuilder,
    )

    query = DeviceConfigurationsRequestBuilder.DeviceConfigurationsRequestBuilderGetQueryParameters(
        expand=["assignments"]
    )
    return g.device_management.device_configurations.to_get_request_information(
        RequestConfiguration(query_parameters=query)
    )


#: The v1.0 reads every assessment makes, each built by the SDK's fluent builder (the first time).
_FIXED: dict[str, Callable[[GraphServiceClient], RequestInformation]] = {
    "skus": lambda g: g.subscribed_skus.to_get_request_information(),
    "organization": _organization,
    "methods_policy": lambda g: g.policies.authentication_methods_policy.to_get_request_information(),
    "authorization_policy": lambda g: g.policies.authorization_policy.to_get_request_information(),
    "device_configurations": _device_configurations,
    "ca_policies": lambda g: g.identity.conditional_access.policies.to_get_request_information(),
    # Trusted named locations decide what "All trusted locations" excludes in the registration policy.
    "named_locations": lambda g: g.identity.conditional_access.named_locations.to_get_request_information(),
    # Security defaults enforce MFA registration on tenants without Conditional Access.
    "security_defaults": lambda g: (
        g.policies.identity_security_defaults_enforcement_policy.to_get_request_information()
    ),
    "group_settings": lambda g: g.group_settings.to_get_request_information(),
}


#: The beta-only reads: the methods policy's opt-out, Intune's Settings Catalog.
_BETA = {
    BETA_POLICY: "policies/authenticationMethodsPolicy",
    CATALOG: "deviceManagement/configurationPolicies?$expand=settings,assignments",
}


def _details(tenant: TenantContext) -> RequestInformation:
    return tenant.graph.reports.authentication_methods.user_registration_details.to_get_request_information()


def _odata_quote(value: str) -> str:
    """Escape a string literal for ``$filter`` (a single quote is doubled)."""
    return value.replace("'", "''")


async def _portal_read(call: Awaitable[Any]) -> Read:
    try:
        return Read(await call)
    except GraphCallError as exc:  # PortalError is a GraphCallError
        return Read.failed(exc)


async def read_graph(tenant: TenantContext, desired: SsprConfig) -> dict[str, Read]:
    """One call of the shared reader (a v1.0 and a beta ``$batch`` at once), every page of the lists that page."""
    return await read_batch(tenant, _requests(tenant, desired), paged=(*PAGED, *_member_keys(desired)))


def _member_keys(desired: SsprConfig) -> tuple[str, ...]:
    group = desired.enablement_group
    return (f"{MEMBERS}{group}",) if desired.enablement == "selected" and group and is_object_id(group) else ()


async def read_tenant(tenant: TenantContext, desired: SsprConfig) -> Snapshot:
    """All Graph reads (v1.0 and beta, one call) concurrently with both portal reads, then the
    reads that depend on them: targeted groups' members not read yet and the registration policy's
    report-only sign-in results (a second round trip only when there is something to read)."""
    portal = tenant.portal
    if portal is None:
        graph = await read_graph(tenant, desired)
        snapshot = Snapshot(graph, None, None, tenant.portal_unavailable or "no portal sign-in")
    else:
        graph, policy, onprem = await asyncio.gather(
            read_graph(tenant, desired), _portal_read(read_policy(portal)), _portal_read(read_onprem(portal))
        )
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


def _members_requests(tenant: TenantContext, groups: list[str]) -> dict[str, RequestInformation]:
    """Groups' transitive members (ids only), keyed ``members:<group id>`` (one remembered form for every id)."""
    return {
        f"{MEMBERS}{gid}": remembered_request_for_id(tenant, (__name__, MEMBERS), gid, partial(_members, tenant))
        for gid in groups
    }


def _members(tenant: TenantContext, gid: str) -> RequestInformation:
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph.generated.groups.item.transitive_members.transitive_members_request_builder import (
        TransitiveMembersRequestBuilder,
    )

    members = TransitiveMembersRequestBuilder.TransitiveMembersRequestBuilderGetQueryParameters(select=["id"], top=999)
    return tenant.graph.groups.by_group_id(gid).transitive_members.to_get_request_information(
        RequestConfiguration(query_parameters=members)
    )


def _follow_up_requests(tenant: TenantContext, groups: list[str], sign_ins: bool) -> dict[str, RequestInformation]:
    """Targeted groups' transitive members (ids only) and, when a registration policy is report-only,
    the sign-in logs whose ``appliedConditionalAccessPolicies`` hold its report-only results: the
    last 30 days' newest sign-ins, the very request Conditional Access controls send
    (``scorekeeper.reads.sign_ins_request``), so an assessment of both reads them once."""
    requests = _members_requests(tenant, groups)
    if sign_ins:
        requests[SIGN_INS] = sign_ins_request(tenant)
    return requests


async def _follow_up(tenant: TenantContext, snapshot: Snapshot) -> None:
    """The second round trip, as one ``$batch``, only when there is something to read."""
    from scorekeeper_sspr import graph_rules as rules

    read_already = {k[len(MEMBERS) :]: r for k, r in snapshot.graph.items() if k.startswith(MEMBERS)}
    wanted = _groups_to_read(snapshot)
    groups = [g for g in wanted if g not in read_already]
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
    members |= {g: r for g, r in read_already.items() if g in wanted}
    snapshot.extra["members"] = {g: frozenset(str(m.get("id")) for m in r.items) for g, r in members.items() if r.ok}
    snapshot.extra["members_unread"] = {g: r.error for g, r in members.items() if not r.ok}
    if SIGN_INS in reads:
        snapshot.extra["sign_ins"] = reads[SIGN_INS]
