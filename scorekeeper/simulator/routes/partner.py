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

from scorekeeper.simulator.errors import Area
from scorekeeper.simulator.routes.entityset import entity_set
from scorekeeper.simulator.routing import RouteTable

table = RouteTable(Area.GRAPH)
LEARN = "https://learn.microsoft.com/graph/api"
READ = ("DelegatedAdminRelationship.Read.All", "DelegatedAdminRelationship.ReadWrite.All")
RELATIONSHIPS = "/tenantRelationships/delegatedAdminRelationships"
CUSTOMERS = "/tenantRelationships/delegatedAdminCustomers"
RELATIONSHIP_FILTERS = ("id", "displayName", "status", "customer/tenantId", "customer/displayName")
CUSTOMER_FILTERS = ("id", "tenantId", "displayName")
#: "$top supports up to 300 objects" on both list pages.
MAX_TOP = 300


entity_set(
    table,
    RELATIONSHIPS,
    key="delegatedAdminRelationships",
    returns="delegatedAdminRelationship",
    permissions=READ,
    pages=(
        f"{LEARN}/tenantrelationship-list-delegatedadminrelationships",
        f"{LEARN}/delegatedadminrelationship-get",
    ),
    filterable=RELATIONSHIP_FILTERS,
    sortable=("displayName", "status", "createdDateTime"),
    page_size=MAX_TOP,
    max_top=MAX_TOP,
)
entity_set(
    table,
    CUSTOMERS,
    key="delegatedAdminCustomers",
    returns="delegatedAdminCustomer",
    permissions=READ,
    pages=(f"{LEARN}/tenantrelationship-list-delegatedadmincustomers", f"{LEARN}/delegatedadmincustomer-get"),
    filterable=CUSTOMER_FILTERS,
    sortable=("displayName",),
    page_size=MAX_TOP,
    max_top=MAX_TOP,
)
