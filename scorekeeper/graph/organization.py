"""The tenant's organisation identity — display name and primary domain — read once per assessment.

Reports name the tenant as its directory does, not only by its config key. Microsoft Graph's
``GET /organization`` (organization-list) answers with the one ``organization`` object; its
``displayName`` is the name, and the ``verifiedDomains`` entry with ``isDefault`` true is the
primary (default) domain. Permissions, as Microsoft's page lists them (least privileged first):
``Organization.Read.All`` for an application; ``User.Read`` for a delegated sign-in, which reads
exactly ``id``, ``displayName`` and ``verifiedDomains`` (every other property comes back null) —
the three this module asks for with ``$select``.

The request rides in the assessment's shared ``$batch`` (:class:`scorekeeper.graph.shared.SharedReads`)
beside the controls' reads, so it costs no round trip of its own. It never fails an assessment:
any refusal or error becomes :attr:`Organization.unread`, the one line a report shows instead of
the names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scorekeeper.domain.model import Organization

if TYPE_CHECKING:
    from msgraph import GraphServiceClient

#: Least-privileged permissions for ``GET /organization`` (Microsoft's organization-list page).
APPLICATION_PERMISSION = "Organization.Read.All"
DELEGATED_PERMISSION = "User.Read"
SELECT = ("id", "displayName", "verifiedDomains")
READ_API = "Graph GET /organization?$select=" + ",".join(SELECT)
DOCS_URL = "https://learn.microsoft.com/graph/api/organization-list"
WHY = "the tenant's display name and primary domain in reports"


def organization_from_graph(body: Any) -> Organization:
    """The names in a ``GET /organization`` answer (a collection holding one organization)."""
    items = [o for o in (body or {}).get("value") or [] if isinstance(o, dict)] if isinstance(body, dict) else []
    if not items:
        return Organization(unread="Graph returned no organization object")
    org = items[0]
    name = org.get("displayName")
    domains = [d for d in org.get("verifiedDomains") or [] if isinstance(d, dict)]
    default = next((d.get("name") for d in domains if d.get("isDefault") is True and d.get("name")), None)
    return Organization(
        display_name=str(name) if isinstance(name, str) and name else None,
        primary_domain=str(default) if default else None,
    )


def unread_reason(status: int, code: str, message: str) -> str:
    """The one line a report shows when the organisation could not be read."""
    if status == 403:
        return (
            f"Graph refused GET /organization (403 {code}): grant {APPLICATION_PERMISSION} (application) "
            f"or {DELEGATED_PERMISSION} (delegated) to record the display name and primary domain"
        )
    where = f"{status} {code}" if status else code
    return f"GET /organization failed ({where}: {message})"


async def read_organization(graph: GraphServiceClient, shared: Any) -> Organization:
    """The tenant's names, read through the assessment's shared reads; never raises an ``Exception``.

    Call it before anything else that waits, so that its request joins the controls' ``$batch``
    of this turn of the event loop (as :func:`scorekeeper.securescore.read.read_assessment_scores`).
    """
    from scorekeeper.graph.errors import describe_error

    try:
        request = _request(graph)
        item = (await shared.batch(graph, {"organization": request}))["organization"]
    except Exception as exc:
        failure = describe_error(exc)
        return Organization(unread=unread_reason(failure.status, failure.code, failure.message))
    if not item.ok:
        return Organization(unread=unread_reason(item.status, item.error_code or "error", item.error_message))
    return organization_from_graph(item.body)


def _request(graph: GraphServiceClient) -> Any:
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph.generated.organization.organization_request_builder import OrganizationRequestBuilder

    query = OrganizationRequestBuilder.OrganizationRequestBuilderGetQueryParameters(select=list(SELECT))
    return graph.organization.to_get_request_information(RequestConfiguration(query_parameters=query))


__all__ = ["APPLICATION_PERMISSION", "DELEGATED_PERMISSION", "organization_from_graph", "read_organization"]
