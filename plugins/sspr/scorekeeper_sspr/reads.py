"""Every read the control needs, in about one round trip: one Graph ``$batch`` plus two portal GETs.

Assessment, remediation (for fresh before-values) and verification all call :func:`read_tenant`,
so the three phases see the tenant through exactly the same eyes.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scorekeeper import GraphCallError
from scorekeeper_sspr.config import SsprConfig, is_object_id
from scorekeeper_sspr.portal import read_onprem, read_policy
from scorekeeper_sspr.settings import CONTROL_ID

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from kiota_abstractions.request_information import RequestInformation

    from scorekeeper import BatchItem, TenantContext

#: Lists that Graph may page; their next pages are followed so that nothing is missed.
PAGED = ("device_configurations", "ca_policies", "group_settings", "registration_details")
#: The beta-only passkey-migration opt-out (concept-sms-voice-retirement): read beside the batch.
BETA_POLICY = "beta_methods_policy"


@dataclass(frozen=True)
class Read:
    """The outcome of one read: the JSON body, or why there is none."""

    value: Any = None
    status: int = 200
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error

    @property
    def denied(self) -> bool:
        return self.status in (401, 403)


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
    from msgraph.generated.security.secure_scores.secure_scores_request_builder import SecureScoresRequestBuilder

    g = tenant.graph
    org_query = OrganizationRequestBuilder.OrganizationRequestBuilderGetQueryParameters(
        select=["id", "createdDateTime", "onPremisesSyncEnabled", "onPremisesLastSyncDateTime"]
    )
    configs_query = DeviceConfigurationsRequestBuilder.DeviceConfigurationsRequestBuilderGetQueryParameters(
        expand=["assignments"]
    )
    scores_query = SecureScoresRequestBuilder.SecureScoresRequestBuilderGetQueryParameters(top=1)
    requests: dict[str, RequestInformation] = {
        "skus": g.subscribed_skus.to_get_request_information(),
        "organization": g.organization.to_get_request_information(RequestConfiguration(query_parameters=org_query)),
        "methods_policy": g.policies.authentication_methods_policy.to_get_request_information(),
        "authorization_policy": g.policies.authorization_policy.to_get_request_information(),
        "device_configurations": g.device_management.device_configurations.to_get_request_information(
            RequestConfiguration(query_parameters=configs_query)
        ),
        "ca_policies": g.identity.conditional_access.policies.to_get_request_information(),
        "group_settings": g.group_settings.to_get_request_information(),
        "secure_scores": g.security.secure_scores.to_get_request_information(
            RequestConfiguration(query_parameters=scores_query)
        ),
        "score_profile": g.security.secure_score_control_profiles.by_secure_score_control_profile_id(
            CONTROL_ID
        ).to_get_request_information(),
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


def _from_item(item: BatchItem) -> Read:
    if item.ok:
        return Read(item.body)
    return Read(None, item.status, f"HTTP {item.status} {item.error_code or 'error'}: {item.error_message}".strip())


async def _all_pages(tenant: TenantContext, read: Read) -> Read:
    """Follow ``@odata.nextLink`` so that a long list is read whole; a failed page fails the read."""
    if not read.ok or not isinstance(read.value, dict):
        return read
    values = list(read.value.get("value") or [])
    link = read.value.get("@odata.nextLink")
    while link:
        path = urlsplit(link)
        version, _, rest = path.path.lstrip("/").partition("/")
        relative = rest + (f"?{path.query}" if path.query else "")
        try:
            page = await tenant.graph_request("GET", relative, version=version or "v1.0")
        except GraphCallError as exc:
            return Read(None, exc.status, str(exc))
        values += page.get("value") or []
        link = page.get("@odata.nextLink")
    return Read({"value": values})


async def _portal_read(call: Awaitable[Any]) -> Read:
    try:
        return Read(await call)
    except GraphCallError as exc:  # PortalError is a GraphCallError
        return Read(None, exc.status, str(exc))


async def read_graph(tenant: TenantContext, desired: SsprConfig) -> dict[str, Read]:
    try:
        items = await tenant.batch(_requests(tenant, desired))
    except GraphCallError as exc:  # the batch itself could not be sent: every read shares the failure
        return {key: Read(None, exc.status, str(exc)) for key in _requests(tenant, desired)}
    reads = {key: _from_item(item) for key, item in items.items()}
    paged = await asyncio.gather(*(_all_pages(tenant, reads[key]) for key in PAGED if key in reads))
    reads.update(dict(zip([k for k in PAGED if k in reads], paged, strict=True)))
    return reads


async def _beta_policy(tenant: TenantContext) -> Read:
    """The beta Authentication methods policy, for ``optOutSettings`` (absent from v1.0)."""
    try:
        return Read(await tenant.graph_request("GET", "policies/authenticationMethodsPolicy", version="beta"))
    except GraphCallError as exc:
        return Read(None, exc.status, str(exc))


async def read_tenant(tenant: TenantContext, desired: SsprConfig) -> Snapshot:
    """All Graph reads (one batch) concurrently with the beta policy read and both portal reads."""
    portal = tenant.portal
    if portal is None:
        graph, beta = await asyncio.gather(read_graph(tenant, desired), _beta_policy(tenant))
        graph[BETA_POLICY] = beta
        return Snapshot(graph, None, None, tenant.portal_unavailable or "no portal sign-in")
    graph, beta, policy, onprem = await asyncio.gather(
        read_graph(tenant, desired),
        _beta_policy(tenant),
        _portal_read(read_policy(portal)),
        _portal_read(read_onprem(portal)),
    )
    graph[BETA_POLICY] = beta
    return Snapshot(graph, policy, onprem)
