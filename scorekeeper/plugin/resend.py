"""The one rule for a write that got no answer: read it back, and send it again only when the read says it did not take.

A write whose answer was lost (a connection the server had just closed, a read timeout, a 5xx
from a gateway, a body that could not be read) may or may not have been applied. Declaring it
"outcome unknown" is honest but leaves the run failed for a write that, most of the time, can
be settled at once: read the resource back.

* the read shows what the write set: it took; the change is applied (its ``resource["attempts"]``
  says how that was proven);
* the read shows something else: it did not take; an idempotent ``PATCH`` or ``PUT`` — setting
  the same fields twice changes nothing — is sent again, at most :data:`RESEND_ATTEMPTS` times in
  all (the first included);
* the read fails too: nothing is proven; the change stays "outcome unknown" (the run fails, and
  rollback re-reads it).

A ``POST`` is never resent by this rule: the same ``POST`` twice makes two objects.
:meth:`scorekeeper.plugin.writes.Writer.create` resends a create only after listing its
collection proves no object carries the change's marker. A ``DELETE`` is not resent either:
rollback proves its deletes by reading (``safety/restore.py``).

Remediation writes and rollback's restores both go through :meth:`~scorekeeper.plugin.writes.Writer.write`,
which applies this rule; rollback reads once more afterwards as its own proof.
"""

from __future__ import annotations

from scorekeeper.domain.model import Outcome

#: How often an unanswered write is sent at most (the first time included). Under load, a
#: kept-alive connection the server had just closed failed one restore ``PATCH`` in four tenants
#: of a 200-tenant fleet (docs/performance.md, "Remediation and rollback in round trips"); a
#: second attempt went through every time, a third leaves room for a second such connection.
RESEND_ATTEMPTS = 3
#: The methods whose request may be sent twice with the effect of once.
IDEMPOTENT_METHODS = frozenset({"PATCH", "PUT"})


def provable(method: str) -> bool:
    """Whether a write of ``method`` whose answer was lost is read back (and possibly resent)."""
    return method.upper() in IDEMPOTENT_METHODS


def resend(method: str, outcome: Outcome, holds: bool, sent: int) -> bool:
    """Whether to send the same write again, after ``sent`` attempts whose last one ended ``outcome``.

    Only when the tenant gave no answer it vouches for (``ambiguous``), the proving read says the
    write did not take (``holds`` is false), the method is idempotent, and fewer than
    :data:`RESEND_ATTEMPTS` went out. A write answered with success that reads otherwise is not
    resent: someone else writes it, or the service did not keep it, and the same request again
    would not change that; a refused one (``failed``) is never resent.
    """
    return provable(method) and outcome is Outcome.AMBIGUOUS and not holds and sent < RESEND_ATTEMPTS
