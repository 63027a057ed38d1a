"""Who a change affects, computed by the plugin from the tenant's own data before anything is written.

A remediation that is exact at the wire can still leave people worse off: completing the
authentication-methods migration removes every method the legacy SSPR policy offered and the
methods policy does not; raising SSPR to two gates locks out users with one usable method. A
plugin therefore attaches an :class:`Impact` to the finding it plans from, naming the users or
devices concerned and how badly. The engine — not the plugin — decides what to do with it: a
change that :attr:`Harm.LOCKS_OUT` anyone is not planned as an automated write unless the
configuration explicitly accepts it; it becomes a guided step naming the people and the remedy.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any


class Harm(enum.StrEnum):
    """How a change leaves the people it affects."""

    NONE = "none"  # affected, not worse off (e.g. newly offered a method)
    DEGRADES = "degrades"  # worse off but not locked out (one method fewer, still able to reset)
    LOCKS_OUT = "locks_out"  # someone loses the last usable way to do something they could do before


@dataclass(frozen=True)
class Affected:
    """One principal a change affects, named as the tenant names it (UPN, device name, group name)."""

    id: str
    name: str
    kind: str = "user"  # "user", "device" or "group"
    #: What changes for this principal, in words: "loses mobile phone, their only reset method".
    detail: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name, "kind": self.kind, "detail": self.detail}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Affected:
        return cls(
            id=str(data.get("id", "")),
            name=str(data.get("name", "")),
            kind=str(data.get("kind", "user")),
            detail=str(data.get("detail", "")),
        )


@dataclass(frozen=True)
class Impact:
    """What a planned change does to people, from the tenant's data, and what would make it safe.

    ``summary`` is one sentence a person reads in the plan ("3 users can no longer reset their
    password"). ``affected`` names them. ``remedy`` says what to do first so the change harms no one
    ("enable Sms in the Authentication methods policy for them, or let them register Microsoft
    Authenticator"). ``sources`` lists the tenant data it was computed from
    ("userRegistrationDetails", "authenticationMethodsPolicy", ...), so a reader can tell a computed
    impact from a guess; an impact that could not be computed says so in ``summary`` and uses
    :attr:`Harm.LOCKS_OUT` — not knowing who is affected is never treated as nobody.
    """

    summary: str
    harm: Harm = Harm.NONE
    affected: tuple[Affected, ...] = ()
    remedy: str = ""
    sources: tuple[str, ...] = ()

    @property
    def blocks(self) -> bool:
        """Whether this impact keeps the change out of an automated plan unless accepted."""
        return self.harm is Harm.LOCKS_OUT

    def names(self, limit: int = 5) -> str:
        """The affected principals' names for one line: "ada@…, bo@…, cy@… and 4 more"."""
        shown = [a.name for a in self.affected[:limit]]
        rest = len(self.affected) - len(shown)
        return ", ".join(shown) + (f" and {rest} more" if rest > 0 else "")

    def line(self, limit: int = 5) -> str:
        """The summary with the first names, as a plan line shows it."""
        return f"{self.summary}: {self.names(limit)}" if self.affected else self.summary

    def to_dict(self) -> dict[str, Any]:
        return {
            "summary": self.summary,
            "harm": self.harm.value,
            "affected": [a.to_dict() for a in self.affected],
            "remedy": self.remedy,
            "sources": list(self.sources),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Impact:
        return cls(
            summary=str(data.get("summary", "")),
            harm=Harm(str(data.get("harm", Harm.NONE.value))),
            affected=tuple(Affected.from_dict(a) for a in data.get("affected") or () if isinstance(a, dict)),
            remedy=str(data.get("remedy", "")),
            sources=tuple(str(s) for s in data.get("sources") or ()),
        )
