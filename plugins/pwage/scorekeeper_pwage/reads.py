"""The reads, in one Graph ``$batch``: the domains (every page), the organization's creation date, the
latest Secure Score and the control profile."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from scorekeeper.reads import Read, read_batch, remembered_request, secure_score_requests
from scorekeeper_pwage.control import CONTROL_ID

if TYPE_CHECKING:
    from scorekeeper import TenantContext

#: Only what the verdict needs: which domains carry their own policy (verified, managed, root) and its value.
DOMAIN_FIELDS = ["id", "isVerified", "isRoot", "authenticationType", "passwordValidityPeriodInDays"]
#: When the tenant was created decides what an unset expiry means (Entra: before 2021, 90 days).
ORGANIZATION_FIELDS = ["id", "createdDateTime"]

__all__ = ["DOMAIN_FIELDS", "ORGANIZATION_FIELDS", "Read", "read_domains", "read_tenant"]


def _requests(tenant: TenantContext, only: tuple[str, ...]) -> dict[str, Any]:
    """The reads (all, or those named in ``only``), each in the form the SDK's fluent builder gives,
    built through the builder once per process (``scorekeeper.reads.remembered_request``; the
    Secure Score's two are remembered by ``secure_score_requests`` itself)."""
    requests = {
        "domains": remembered_request(tenant, (__name__, "domains"), partial(_domains, tenant)),
        "organization": remembered_request(tenant, (__name__, "organization"), partial(_organization, tenant)),
    }
    if not only or set(only) - {"domains", "organization"}:
        requests |= secure_score_requests(tenant, CONTROL_ID)
    return {key: request for key, request in requests.items() if not only or key in only}


def _domains(tenant: TenantContext) -> Any:
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph.generated.domains.domains_request_builder import DomainsRequestBuilder

    query = DomainsRequestBuilder.DomainsRequestBuilderGetQueryParameters(select=DOMAIN_FIELDS)
    return tenant.graph.domains.to_get_request_information(RequestConfiguration(query_parameters=query))


def _organization(tenant: TenantContext) -> Any:
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph.generated.organization.organization_request_builder import OrganizationRequestBuilder

    query = OrganizationRequestBuilder.OrganizationRequestBuilderGetQueryParameters(select=ORGANIZATION_FIELDS)
    return tenant.graph.organization.to_get_request_information(RequestConfiguration(query_parameters=query))


async def read_tenant(tenant: TenantContext, only: tuple[str, ...] = ()) -> dict[str, Read]:
    """Everything the control needs (or just the reads named in ``only``), in about one round trip."""
    return await read_batch(tenant, _requests(tenant, only), paged=("domains",))


async def read_domains(tenant: TenantContext) -> Read:
    """Just the domains: what remediation needs (no Secure Score permission)."""
    return (await read_tenant(tenant, only=("domains",)))["domains"]


async def read_domains_and_organization(tenant: TenantContext) -> tuple[Read, Read]:
    """The domains and the creation date: what verification judges with."""
    reads = await read_tenant(tenant, only=("domains", "organization"))
    return reads["domains"], reads["organization"]
