"""Write safety, the product's promise: one writer per tenant, the before-value first, stop on a signal, undo exactly.

``lease`` (one writer per tenant across processes), ``recorder`` (each change recorded before its
write; writes outside the plan refused), ``gate`` (no new write after a stop), ``signals``
(SIGINT/SIGTERM), ``verification`` and ``default_verify`` (did the write stick, by a read),
``restore`` (rollback to the recorded before-value, proven by a read). Internal.
"""
