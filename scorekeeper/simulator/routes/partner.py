"""GDAP in the partner's own tenant: ``/tenantRelationships/delegatedAdminRelationships`` and ``…Customers``.

A partner tenant (simulator/fleet.py ``build_partner_fleet``) holds one delegatedAdminRelationship
per customer and one delegatedAdminCustomer per customer with at least one active relationship;
any other tenant's lists are empty, as a tenant with no GDAP relationship sees them.

* tenantrelationship-list-delegatedadminrelationships and tenantrelationship-list-delegatedadmincustomers
  (v1.0): least privileged DelegatedAdminRelationship.Read.All, higher DelegatedAdminRelationship.ReadWrite.All,
  delegated (work or school) and application alike; ``$select``, ``$filter``, ``$top`` (up to 300),
  ``$orderby``, ``$count`` and ``$skipToken``.
* delegatedAdminRelationship: ``id``, ``displayName``, ``status`` (delegatedAdminRelationshipStatus:
  activating, active, approvalPending, approved, created, expired, expiring, terminated, terminating,
  terminationRequested), ``customer`` {``tenantId``, ``displayName``}, ``duration``,
  ``autoExtendDuration``, ``accessDetails`` {``unifiedRoles`` [{``roleDefinitionId``}]} and the
  created/activated/lastModified/end date-times. delegatedAdminCustomer: ``id``, ``tenantId``,
  ``displayName``.
"""

from __future__ import annotations

from typing import Any

from scorekeeper.simulator.errors import Area
from scorekeeper.simulator.routing import RequestContext, RouteTable, find

table = RouteTable(Area.GRAPH)
LEARN = "https://learn.microsoft.com/graph/api"
READ = ("DelegatedAdminRelationship.Read.All", "DelegatedAdminRelationship.ReadWrite.All")
RELATIONSHIPS = "/tenantRelationships/delegatedAdminRelationships"
CUSTOMERS = "/tenantRelationships/delegatedAdminCustomers"
RELATIONSHIP_FILTERS = ("id", "displayName", "status", "customer/tenantId", "customer/displayName")
CUSTOMER_FILTERS = ("id", "tenantId", "displayName")
#: "$top supports up to 300 objects" on both list pages.
MAX_TOP = 300


@table.get(RELATIONSHIPS, permissions=READ, doc=f"{LEARN}/tenantrelationship-list-delegatedadminrelationships")
def list_relationships(ctx: RequestContext) -> dict[str, Any]:
    return ctx.collection(
        list(ctx.state.get("delegatedAdminRelationships") or []),
        "tenantRelationships/delegatedAdminRelationships",
        type_name="delegatedAdminRelationship",
        filterable=RELATIONSHIP_FILTERS,
        sortable=("displayName", "status", "createdDateTime"),
        page_size=MAX_TOP,
        max_top=MAX_TOP,
    )


@table.get(f"{RELATIONSHIPS}/{{id}}", permissions=READ, doc=f"{LEARN}/delegatedadminrelationship-get")
def get_relationship(ctx: RequestContext) -> dict[str, Any]:
    found = find(ctx.state.get("delegatedAdminRelationships") or [], ctx.params["id"])
    if found is None:
        raise ctx.not_found(ctx.params["id"])
    return ctx.entity(found, "tenantRelationships/delegatedAdminRelationships/$entity")


@table.get(CUSTOMERS, permissions=READ, doc=f"{LEARN}/tenantrelationship-list-delegatedadmincustomers")
def list_customers(ctx: RequestContext) -> dict[str, Any]:
    return ctx.collection(
        list(ctx.state.get("delegatedAdminCustomers") or []),
        "tenantRelationships/delegatedAdminCustomers",
        type_name="delegatedAdminCustomer",
        filterable=CUSTOMER_FILTERS,
        sortable=("displayName",),
        page_size=MAX_TOP,
        max_top=MAX_TOP,
    )


@table.get(f"{CUSTOMERS}/{{id}}", permissions=READ, doc=f"{LEARN}/delegatedadmincustomer-get")
def get_customer(ctx: RequestContext) -> dict[str, Any]:
    found = find(ctx.state.get("delegatedAdminCustomers") or [], ctx.params["id"])
    if found is None:
        raise ctx.not_found(ctx.params["id"])
    return ctx.entity(found, "tenantRelationships/delegatedAdminCustomers/$entity")
