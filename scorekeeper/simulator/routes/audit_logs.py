"""Sign-in logs, directory audits and access review definitions (Microsoft Graph v1.0/beta), read-only.

Sign-ins are listed newest first, as Graph lists them, and need Entra ID P1 (the signIn resource
page). Directory audits hold the profile's history plus one entry per successful write the
simulator served (:mod:`scorekeeper.simulator.audit`), so "who changed what" is answerable.
"""

from __future__ import annotations

from typing import Any

from scorekeeper.simulator.audit import audits
from scorekeeper.simulator.errors import Area
from scorekeeper.simulator.licensing import require_premium
from scorekeeper.simulator.routes.entityset import entity_set, lookup
from scorekeeper.simulator.routing import RequestContext, RouteTable

table = RouteTable(Area.GRAPH)
LEARN = "https://learn.microsoft.com/graph/api"
#: signin-list / signin-get: "AuditLog.Read.All and Directory.Read.All", for delegated and application.
SIGN_INS_ALL_OF = (("AuditLog.Read.All", "Directory.Read.All"),)
#: directoryaudit-list / -get: AuditLog.Read.All (least), Directory.Read.All (higher).
AUDITS_READ = ("AuditLog.Read.All", "Directory.Read.All")
#: accessreviewset-list-definitions / accessreviewscheduledefinition-get.
REVIEWS_READ = ("AccessReview.Read.All", "AccessReview.ReadWrite.All")
#: signin-list's table of $filter attributes (the flat ones and the nested paths the parser reads).
SIGN_IN_FILTERS = (
    "id",
    "userId",
    "appId",
    "createdDateTime",
    "userDisplayName",
    "userPrincipalName",
    "appDisplayName",
    "ipAddress",
    "location/city",
    "location/state",
    "location/countryOrRegion",
    "status/errorCode",
    "clientAppUsed",
    "conditionalAccessStatus",
    "correlationId",
    "appliedConditionalAccessPolicies",  # appliedConditionalAccessPolicy.id "Supports $filter (eq)", through any()
)
#: The report-only results are members of an evolvable enum: Graph sends them only to a caller whose
#: ``Prefer`` header holds ``include-unknown-enum-members`` and ``unknownFutureValue`` to the others
#: (appliedConditionalAccessPolicy resource page).
EVOLVABLE_RESULTS = frozenset(
    {"reportOnlySuccess", "reportOnlyFailure", "reportOnlyNotApplied", "reportOnlyInterrupted"}
)
#: directoryAudit's properties that "Support $filter".
AUDIT_FILTERS = (
    "id",
    "activityDateTime",
    "activityDisplayName",
    "category",
    "correlationId",
    "loggedByService",
    "operationType",
    "result",
    "initiatedBy/user/id",
    "initiatedBy/user/displayName",
    "initiatedBy/user/userPrincipalName",
    "initiatedBy/app/appId",
    "initiatedBy/app/displayName",
)


def newest_first(items: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    return sorted(items, key=lambda item: str(item.get(key) or ""), reverse=True)


def wants_unknown_enum_members(ctx: RequestContext) -> bool:
    prefer = ctx.headers.get("prefer", "").replace(" ", "").lower()
    return "include-unknown-enum-members" in prefer.split(",")


def as_served(ctx: RequestContext, sign_in: dict[str, Any]) -> dict[str, Any]:
    """The sign-in as this caller sees it: report-only results hidden behind ``unknownFutureValue``
    unless the request asked for the evolvable enum's newer members."""
    if wants_unknown_enum_members(ctx):
        return sign_in
    applied = [
        {**entry, "result": "unknownFutureValue"} if entry.get("result") in EVOLVABLE_RESULTS else entry
        for entry in sign_in.get("appliedConditionalAccessPolicies") or []
    ]
    return {**sign_in, "appliedConditionalAccessPolicies": applied}


@table.get("/auditLogs/signIns", permissions=(), all_of=SIGN_INS_ALL_OF, doc=f"{LEARN}/signin-list", returns="signIn")
def list_sign_ins(ctx: RequestContext) -> dict[str, Any]:
    require_premium(ctx.state)
    served = [as_served(ctx, s) for s in ctx.state.get("signIns") or []]
    return ctx.collection(
        newest_first(served, "createdDateTime"),
        "auditLogs/signIns",
        type_name="signIn",
        filterable=SIGN_IN_FILTERS,
        page_size=1000,
        max_top=1000,
    )


@table.get(
    "/auditLogs/signIns/{id}", permissions=(), all_of=SIGN_INS_ALL_OF, doc=f"{LEARN}/signin-get", returns="signIn"
)
def get_sign_in(ctx: RequestContext) -> dict[str, Any]:
    require_premium(ctx.state)
    return ctx.entity(as_served(ctx, lookup(ctx, ctx.state.get("signIns") or [])), "auditLogs/signIns/$entity")


@table.get(
    "/auditLogs/directoryAudits", permissions=AUDITS_READ, doc=f"{LEARN}/directoryaudit-list", returns="directoryAudit"
)
def list_directory_audits(ctx: RequestContext) -> dict[str, Any]:
    return ctx.collection(
        newest_first(audits(ctx), "activityDateTime"),
        "auditLogs/directoryAudits",
        type_name="directoryAudit",
        filterable=AUDIT_FILTERS,
        page_size=1000,
        max_top=1000,
    )


@table.get(
    "/auditLogs/directoryAudits/{id}",
    permissions=AUDITS_READ,
    doc=f"{LEARN}/directoryaudit-get",
    returns="directoryAudit",
)
def get_directory_audit(ctx: RequestContext) -> dict[str, Any]:
    return ctx.entity(lookup(ctx, audits(ctx)), "auditLogs/directoryAudits/$entity")


entity_set(
    table,
    "/identityGovernance/accessReviews/definitions",
    key="accessReviewDefinitions",
    returns="accessReviewScheduleDefinition",
    permissions=REVIEWS_READ,
    pages=(f"{LEARN}/accessreviewset-list-definitions", f"{LEARN}/accessreviewscheduledefinition-get"),
    filterable=("id", "displayName", "status"),
    skip=True,
)
