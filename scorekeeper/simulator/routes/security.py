"""Secure Score: daily scores and control profiles (whose state an admin may update)."""

from __future__ import annotations

import copy
from typing import Any

from scorekeeper.simulator.errors import Area
from scorekeeper.simulator.routes.entityset import lookup
from scorekeeper.simulator.routing import Reply, RequestContext, RouteTable
from scorekeeper.simulator.securescore import history

table = RouteTable(Area.SECURITY)
LEARN = "https://learn.microsoft.com/graph/api"
READ = ("SecurityEvents.Read.All", "SecurityEvents.ReadWrite.All")
WRITE = ("SecurityEvents.ReadWrite.All",)
STATES = ("Default", "Ignored", "ThirdParty", "Reviewed")
PROFILES = "/security/secureScoreControlProfiles"


@table.get("/security/secureScores", permissions=READ, doc=f"{LEARN}/security-list-securescores")
def list_scores(ctx: RequestContext) -> dict[str, Any]:
    """Newest first; ``$top=1`` gives today's score, the whole list up to 90 daily entries."""
    return ctx.collection(
        history(ctx.state), "security/secureScores", type_name="secureScore", page_size=100, skip=True
    )


@table.get("/security/secureScores/{id}", permissions=READ, doc=f"{LEARN}/securescore-get")
def get_score(ctx: RequestContext) -> dict[str, Any]:
    return ctx.entity(lookup(ctx, history(ctx.state)), "security/secureScores/$entity")


@table.get(PROFILES, permissions=READ, doc=f"{LEARN}/security-list-securescorecontrolprofiles")
def list_profiles(ctx: RequestContext) -> dict[str, Any]:
    return ctx.collection(
        ctx.state["secureScoreControlProfiles"],
        "security/secureScoreControlProfiles",
        type_name="secureScoreControlProfile",
        filterable=("id", "controlCategory", "service"),
        skip=True,
    )


def _profile(ctx: RequestContext) -> dict[str, Any]:
    return lookup(ctx, ctx.state["secureScoreControlProfiles"])


@table.get(f"{PROFILES}/{{id}}", permissions=READ, doc=f"{LEARN}/securescorecontrolprofile-get")
def get_profile(ctx: RequestContext) -> dict[str, Any]:
    return ctx.entity(_profile(ctx), "security/secureScoreControlProfiles/$entity")


@table.patch(f"{PROFILES}/{{id}}", permissions=WRITE, doc=f"{LEARN}/securescorecontrolprofile-update")
def patch_profile(ctx: RequestContext) -> dict[str, Any] | Reply:
    """Records a control state update; ``vendorInformation`` is required, as documented.

    The update page answers 204, or 200 with the profile when the request says
    ``Prefer: return=representation``.
    """
    profile = _profile(ctx)
    body = ctx.json_body()
    unknown = sorted(set(body) - {"assignedTo", "comment", "state", "vendorInformation"})
    if unknown:
        raise ctx.bad_request(f"Property '{unknown[0]}' cannot be updated on a secureScoreControlProfile.")
    vendor = body.get("vendorInformation")
    if not isinstance(vendor, dict) or not vendor.get("provider") or not vendor.get("vendor"):
        raise ctx.bad_request("vendorInformation with provider and vendor is required.")
    ctx.validate("securityVendorInformation", vendor)
    for key in ("assignedTo", "comment", "state"):
        if key in body and not isinstance(body[key], str):
            raise ctx.bad_request(f"Cannot convert the literal '{body[key]}' to the expected type 'Edm.String'.")
    if "state" in body and body["state"] not in STATES:
        raise ctx.bad_request(f"Invalid value '{body['state']}' for property 'state'.")
    update = {
        "assignedTo": body.get("assignedTo", ""),
        "comment": body.get("comment", ""),
        "state": body.get("state", "Default"),
        "updatedBy": ctx.principal.claims.get("upn") or ctx.principal.claims.get("appid", ""),
        "updatedDateTime": ctx.now(),
    }
    profile.setdefault("controlStateUpdates", []).append(update)
    profile["lastModifiedDateTime"] = update["updatedDateTime"]
    if not ctx.prefers_representation():
        return ctx.no_content()
    return ctx.entity(copy.deepcopy(profile), "security/secureScoreControlProfiles/$entity", select=False)
