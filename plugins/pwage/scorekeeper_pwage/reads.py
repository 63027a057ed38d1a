"""The reads, in one Graph ``$batch``: the domains, the tenant's latest Secure Score, the control profile."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scorekeeper import BatchItem, GraphCallError
from scorekeeper_pwage.control import CONTROL_ID

if TYPE_CHECKING:
    from scorekeeper import TenantContext

#: Only what the verdict needs: which domains carry their own policy (verified, managed, root) and its value.
DOMAIN_FIELDS = ["id", "isVerified", "isRoot", "authenticationType", "passwordValidityPeriodInDays"]


@dataclass(frozen=True)
class Read:
    """One read's JSON body, or the HTTP status and message explaining why there is none."""

    value: Any = None
    status: int = 200
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error

    @property
    def denied(self) -> bool:
        return self.status in (401, 403)

    @classmethod
    def of(cls, item: BatchItem) -> Read:
        if item.ok:
            return cls(item.body)
        return cls(None, item.status, f"HTTP {item.status} {item.error_code}: {item.error_message}")


def _requests(tenant: TenantContext) -> dict[str, Any]:
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph.generated.domains.domains_request_builder import DomainsRequestBuilder
    from msgraph.generated.security.secure_scores.secure_scores_request_builder import SecureScoresRequestBuilder

    graph = tenant.graph
    domains = DomainsRequestBuilder.DomainsRequestBuilderGetQueryParameters(select=DOMAIN_FIELDS)
    scores = SecureScoresRequestBuilder.SecureScoresRequestBuilderGetQueryParameters(top=1)
    profile = graph.security.secure_score_control_profiles.by_secure_score_control_profile_id(CONTROL_ID)
    return {
        "domains": graph.domains.to_get_request_information(RequestConfiguration(query_parameters=domains)),
        "secure_scores": graph.security.secure_scores.to_get_request_information(
            RequestConfiguration(query_parameters=scores)
        ),
        "score_profile": profile.to_get_request_information(),
    }


async def _rest_of_list(tenant: TenantContext, read: Read) -> Read:
    """Follow ``@odata.nextLink`` so a tenant with many domains is read whole."""
    if not read.ok:
        return read
    values = list(read.value.get("value") or [])
    link = read.value.get("@odata.nextLink")
    while link:
        url = urlsplit(link)
        version, _, path = url.path.lstrip("/").partition("/")
        try:
            page = await tenant.graph_request("GET", path + (f"?{url.query}" if url.query else ""), version=version)
        except GraphCallError as exc:
            return Read(None, exc.status, str(exc))
        values += page.get("value") or []
        link = page.get("@odata.nextLink")
    return Read({"value": values})


async def read_tenant(tenant: TenantContext, only: tuple[str, ...] = ()) -> dict[str, Read]:
    """Everything the control needs (or just the reads named in ``only``), in about one round trip."""
    requests = {key: request for key, request in _requests(tenant).items() if not only or key in only}
    try:
        items = await tenant.batch(requests)
    except GraphCallError as exc:
        return {key: Read(None, exc.status, str(exc)) for key in requests}
    reads = {key: Read.of(item) for key, item in items.items()}
    if "domains" in reads:
        reads["domains"] = await _rest_of_list(tenant, reads["domains"])
    return reads


async def read_domains(tenant: TenantContext) -> Read:
    """Just the domains: what remediation and verification need (no Secure Score permission)."""
    return (await read_tenant(tenant, only=("domains",)))["domains"]
