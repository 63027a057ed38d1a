"""Notification channels that ship with scorekeeper, as plugins of the ``scorekeeper_notify`` hook.

Each module (``log``, ``webhook``) is registered under the ``scorekeeper`` entry-point group like a
third-party plugin and is configured by its ``[notifications.<name>]`` table. Besides the hook,
each offers ``check_config(table) -> list[str]`` so the scheduler can refuse a bad table before
it starts rather than at the first event.

The vocabulary of events is defined here, below the scheduler that emits them, so channels
depend on nothing heavier than this module.
"""

from __future__ import annotations

#: Every ``kind`` an event may have.
EVENT_KINDS: tuple[str, ...] = ("drift", "run_failed", "run_recovered", "remediation", "exception_expired")
#: Every ``severity``, least to most severe.
SEVERITIES: tuple[str, ...] = ("info", "warning", "error")


def at_least(severity: str, minimum: str) -> bool:
    """True when ``severity`` is ``minimum`` or worse (unknown severities count as ``error``)."""
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    return rank.get(severity, len(SEVERITIES)) >= rank[minimum]


def check_kinds(kinds: list[str] | None) -> list[str] | None:
    """Validate a channel's ``kinds`` filter (a pydantic validator body): every entry a known kind."""
    if kinds is None:
        return None
    unknown = [k for k in kinds if k not in EVENT_KINDS]
    if unknown:
        raise ValueError(
            f"unknown event kind(s) {', '.join(map(repr, unknown))}; expected some of {', '.join(EVENT_KINDS)}"
        )
    return kinds
