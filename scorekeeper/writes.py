"""The write helper: one call per tenant request, recorded before it leaves, classified when it returns.

Plugins write through :meth:`scorekeeper.TenantContext.write`, :meth:`~scorekeeper.TenantContext.write_together`
and :meth:`~scorekeeper.TenantContext.create`, which all end here. Each call is exactly one
request to the tenant and exactly one recorded change (``write_together``: one per setting the
single request moves). In order, it:

1. refuses to start when the engine asked for no new writes (:class:`scorekeeper.errors.WritesStopped`);
2. commits the change row — the before-value, the request, and for a create the *marker* the new
   object will carry — to history *before* the request leaves, so a crash mid-write is rollback-able;
3. sends the request through the tenant's own pipeline (msgraph-sdk middleware, the portal client);
4. classifies the answer: applied; failed (the tenant said no: a refused permission, named;
   throttled past retries; any other 4xx); or **ambiguous** (the request left and no trustworthy
   answer came back: connection reset, timeout, a truncated or malformed body, a 5xx from a
   gateway) — rollback treats an ambiguous change as possibly applied;
   an ambiguous ``PATCH``/``PUT`` is read back first (:mod:`scorekeeper.plugin.resend`, the rule
   rollback's restores follow too): the read shows it took — applied; shows it did not — the
   same request again, at most three times in all; the read fails — it stays ambiguous;
5. reports progress and returns the :class:`scorekeeper.Change`. It never raises for a tenant error.

What is recorded lets the engine roll back without plugin code: ``Change.before`` holds the
values the request replaces (for a ``PATCH``, its body's fields as they read before), and
``Change.resource["request"]`` / ``["read"]`` say where to send the restore and where to re-read.

This is the public face plugins import (the names stay stable across releases); the
implementation lives in :mod:`scorekeeper.plugin.writes`, which is internal and may move.
"""

from scorekeeper.plugin.writes import (
    AMBIGUOUS_STATUSES,
    SAME_AS_BODY,
    THROTTLED_STATUSES,
    Api,
    Failure,
    Method,
    Part,
    Request,
    Writer,
    classify,
    marked,
    marker_tag,
    one_line,
    project,
    same,
)

__all__ = [
    "AMBIGUOUS_STATUSES",
    "SAME_AS_BODY",
    "THROTTLED_STATUSES",
    "Api",
    "Failure",
    "Method",
    "Part",
    "Request",
    "Writer",
    "classify",
    "marked",
    "marker_tag",
    "one_line",
    "project",
    "same",
]
