"""The admin consent workflow: ``/policies/adminConsentRequestPolicy`` (Microsoft Graph v1.0/beta).

One object per tenant, in the core state under ``adminConsentRequestPolicy``. Microsoft's pages:

* resource — https://learn.microsoft.com/graph/api/resources/adminconsentrequestpolicy: ``isEnabled``,
  ``notifyReviewers``, ``remindersEnabled``, ``requestDurationInDays``, ``reviewers`` (a collection of
  ``accessReviewReviewerScope``: ``query``, ``queryType``, ``queryRoot``) and the read-only ``version``,
  which the service raises on every update;
* get — ``GET /policies/adminConsentRequestPolicy``: ``Policy.Read.All`` least privileged, also
  ``Policy.ReadWrite.ConsentRequest``, ``Directory.Read.All``, ``Directory.ReadWrite.All``;
* update — ``PUT /policies/adminConsentRequestPolicy`` with the whole object (the page lists
  ``isEnabled``, ``notifyReviewers``, ``remindersEnabled``, ``requestDurationInDays`` and ``reviewers``
  as required), ``204 No Content``; ``Policy.ReadWrite.ConsentRequest`` least privileged, also
  ``Directory.ReadWrite.All``.

What the pages leave open, and this simulator assumes (docs/controls/IntegratedApps.md lists it):
a tenant that never configured the workflow reads as :func:`default_policy` (off, no reviewers);
``PATCH`` is served too, merging like any Graph update, because msgraph-sdk's generated
``admin_consent_request_policy.patch`` sends one; a reviewer query naming ``/users/{id}`` must name a
user of the tenant (the admin center only offers existing users, groups and roles).
"""

from __future__ import annotations

import copy
import re
from typing import Any

from scorekeeper.simulator.errors import Area
from scorekeeper.simulator.routing import Reply, RequestContext, RouteTable, find, merge

table = RouteTable(Area.POLICY)
LEARN = "https://learn.microsoft.com/graph/api"

PATH = "/policies/adminConsentRequestPolicy"
STATE_KEY = "adminConsentRequestPolicy"
READ = ("Policy.Read.All", "Policy.ReadWrite.ConsentRequest", "Directory.Read.All", "Directory.ReadWrite.All")
WRITE = ("Policy.ReadWrite.ConsentRequest", "Directory.ReadWrite.All")
#: The properties an update sets; the update page marks each of them required for a PUT.
SETTABLE = ("isEnabled", "notifyReviewers", "remindersEnabled", "requestDurationInDays", "reviewers")
USER_QUERY = re.compile(r"^/(?:v1\.0/|beta/)?users/(?P<id>[^/]+)$", re.IGNORECASE)


def default_policy() -> dict[str, Any]:
    """What a tenant that never turned the workflow on reads (assumed: off, no reviewers, version 0)."""
    return {
        "id": "adminConsentRequestPolicy",
        "isEnabled": False,
        "notifyReviewers": False,
        "remindersEnabled": False,
        "requestDurationInDays": 0,
        "reviewers": [],
        "version": 0,
    }


def _current(ctx: RequestContext) -> dict[str, Any]:
    """The stored policy, or the default one (not stored: reading never changes a tenant)."""
    stored = ctx.state.get(STATE_KEY)
    return stored if isinstance(stored, dict) else default_policy()


def _check_reviewers(ctx: RequestContext, body: dict[str, Any]) -> None:
    for reviewer in body.get("reviewers") or []:
        if not isinstance(reviewer, dict) or not reviewer.get("query"):
            raise ctx.bad_request("Each reviewer needs a query, for example '/users/{id}'.")
        found = USER_QUERY.match(str(reviewer["query"]))
        if found and find(ctx.state.get("users") or [], found.group("id")) is None:
            raise ctx.bad_request(f"Reviewer '{reviewer['query']}' does not resolve to a user of this tenant.")


def _store(ctx: RequestContext, updated: dict[str, Any]) -> Reply:
    updated["version"] = int(updated.get("version") or 0) + 1
    ctx.state[STATE_KEY] = updated
    return ctx.no_content()


@table.get(PATH, permissions=READ, doc=f"{LEARN}/adminconsentrequestpolicy-get")
def get_policy(ctx: RequestContext) -> dict[str, Any]:
    return ctx.entity(_current(ctx), "policies/adminConsentRequestPolicy/$entity")


@table.put(PATH, permissions=WRITE, doc=f"{LEARN}/adminconsentrequestpolicy-update")
def put_policy(ctx: RequestContext) -> Reply:
    """The whole object: every settable property is required, ``version`` and ``id`` are refused."""
    body = ctx.validate("adminConsentRequestPolicy", writable=SETTABLE, required=SETTABLE)
    _check_reviewers(ctx, body)
    updated = copy.deepcopy(_current(ctx))
    for key in SETTABLE:
        updated[key] = copy.deepcopy(body[key])
    return _store(ctx, updated)


@table.patch(PATH, permissions=WRITE, doc=f"{LEARN}/adminconsentrequestpolicy-update")
def patch_policy(ctx: RequestContext) -> Reply:
    """Served because msgraph-sdk's generated update sends PATCH; the page documents PUT."""
    body = ctx.validate("adminConsentRequestPolicy", writable=SETTABLE)
    _check_reviewers(ctx, body)
    updated = copy.deepcopy(_current(ctx))
    merge(updated, copy.deepcopy(body))
    return _store(ctx, updated)
