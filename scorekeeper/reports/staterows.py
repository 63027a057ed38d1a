"""The fleet page's settings: one row per distinct state with its tenants, and each tenant's settings by name.

:mod:`scorekeeper.reports.states` groups the fleet's rows; this renders them with the settings
table's own cells (:func:`scorekeeper.reports.rows.head`), so a state reads like the row each of
its tenants had in a one-tenant report. The last cell holds the reason, the differences and the
notes, then the tenants in the state. What all of a state's tenants say alike is said once;
what differs (a reason naming the tenant, an exception, an attestation, their own evidence) is
listed per group of tenants that say the same, their names first. A passing or not-applicable
state whose tenants differ names what differs and where it is instead: the tenants' own reports
(and the JSON and CSV reports of the same run) have each reason and piece of evidence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from markupsafe import Markup

from scorekeeper.reports import rows
from scorekeeper.reports.model import ControlSection, SettingRow, TenantSection
from scorekeeper.reports.rows import SYMBOLS, WORDS, attr, esc
from scorekeeper.reports.states import ControlStates, FleetStates, Member, SettingState

#: Up to this many tenants are named in the row; more are folded behind their count.
WHO_INLINE = 6
#: Where a reason is cut into pieces (sentences, ``[notes]``) to find the run of them every group says.
_PIECE = re.compile(r"(?<=[.;])\s+(?=[A-Z\[(])|\s+(?=\[)")
#: Stands in a group's reason for the run of pieces every group of the state says alike.
SAME = "[…]"
#: A shared run shorter than this is left in place: saying it once would not be shorter.
MIN_SHARED = 40

#: What a row says beyond its values, in the order a row says it (``rows.note_parts`` and the reason).
NOTES = ("reason", "permissions", "exception", "attestation", "evidence", "steps")
#: Where what a passing state's tenants say differently is.
OWN_REPORT = "each tenant's own report has them"
#: How the page names a note that differs between the tenants of a passing state.
NOTE_WORDS = {
    "reason": "reasons",
    "permissions": "missing permissions",
    "exception": "accepted risks",
    "attestation": "attestations",
    "evidence": "evidence",
    "steps": "guided steps",
}


class StateRows:
    """The fleet page's settings tables: a state's row is built once per render."""

    def __init__(self, states: FleetStates, memo: rows.Memo | None = None) -> None:
        self.states = states
        self.memo: rows.Memo = {} if memo is None else memo
        self._said: dict[int, tuple[SettingRow, dict[str, str]]] = {}  # row kept alive: its id stays its own

    def __call__(self, control: ControlStates) -> Markup:
        return Markup("".join(self.row(s) for s in control.states))

    def row(self, state: SettingState) -> str:
        """A state as the settings table's row, with the tenants in it (``data-n``: how many).

        What every tenant of the state says alike (the reason, the evidence, the steps…) is said
        once, in the order a one-tenant row says it; what differs is listed per group of tenants
        that say the same — or, for a passing or not-applicable state, named as differing.
        """
        s = state.row
        members = state.members
        opening, v = rows.head(s, True, self.memo, f' id="{state.anchor}" data-n="{len(members)}"')
        said = [(g.members, self._notes(g.row)) for g in state.groups]
        first = said[0][1]
        same = [n for n in NOTES if all(parts.get(n, "") == first.get(n, "") for _, parts in said[1:])]
        differ = [n for n in NOTES if n not in same]
        cell = first.get("reason", "") if "reason" in same else ""
        cell += "".join(rows.value_parts(s, v, self.memo, fleet=True))
        cell += "".join(first.get(n, "") for n in same if n != "reason")
        if not differ:
            cell += who(members)
        elif state.attention:
            reasons = [parts.get("reason", "") for _, parts in said]
            run, own = shared_run(reasons) if "reason" in differ else ("", reasons)
            if run:  # what every group's reason says alike, said once; […] marks where it stands
                cell += f'<p class="note">{SAME} below stands for: {run}</p>'
            by: dict[str, list[Member]] = {}
            for (group, parts), reason in zip(said, own, strict=True):
                told = "".join(reason if n == "reason" else parts.get(n, "") for n in differ)
                by.setdefault(told, []).extend(group)
            items = "".join(f"<li>{who(ms, lead=True)}{html}</li>" for html, ms in by.items())
            cell += f'<ul class="by">{items}</ul>'
        else:
            differing = ", ".join(NOTE_WORDS[n] for n in differ)
            cell += f'<p class="note muted">These tenants differ in {differing}: {OWN_REPORT}.</p>'
            cell += who(members)
        return f"{opening}<td>{cell}</td></tr>"

    def _notes(self, row: SettingRow) -> dict[str, str]:
        """A row's reason and notes as HTML by name, made once per row object."""
        done = self._said.get(id(row))
        if done is None:
            done = self._said[id(row)] = (row, {"reason": esc(row.reason), **dict(rows.note_parts(row, self.memo))})
        return done[1]

    def index(self, tenant: TenantSection, control: ControlSection) -> Markup:
        """One tenant's settings of one control by name, grouped by verdict, each linked to its state."""
        by: dict[str, list[str]] = {}
        for s in control.by_status:
            state = self.states.state(tenant, s)
            by.setdefault(s.verdict, []).append(f'<a href="#{state.anchor}">{esc(s.setting)}</a>')
        items = "".join(
            f'<li><span class="{v}">{SYMBOLS[v]} {len(links)} {WORDS[v]}</span> {" ".join(links)}</li>'
            for v, links in by.items()
        )
        return Markup(f'<ul class="ids">{items}</ul>')


def shared_run(reasons: Sequence[str]) -> tuple[str, list[str]]:
    """The longest run of pieces (sentences, ``[notes]``) every reason has, and each reason with it cut.

    A fleet's tenants often say the same sentences around what is their own (a policy's name, a
    user, a count): a state whose reasons differ would list those sentences once per tenant. The
    run is said once instead and each reason keeps :data:`SAME` where it stood, so a reason is
    read back whole by putting the run in its place. ``("", reasons)`` when no run of at least
    :data:`MIN_SHARED` characters is in every one of them, contiguous.
    """
    if len(reasons) < 2:
        return "", list(reasons)
    split = [_PIECE.split(r) for r in reasons]
    first = split[0]
    common = set(first).intersection(*split[1:])  # pieces every reason has, wherever they stand
    stretches, i = [], 0
    while i < len(first):  # first's stretches of such pieces: a shared run lies within one
        j = i
        while j < len(first) and first[j] in common:
            j += 1
        if j > i:
            stretches.append((i, j))
        i = j + 1
    runs = sorted(
        (first[a:b] for start, end in stretches for a in range(start, end) for b in range(a + 1, end + 1)),
        key=lambda run: -len(" ".join(run)),
    )
    best: list[str] = []
    for run in runs:  # the longest first: most runs are checked once
        if len(" ".join(run)) < MIN_SHARED:
            break
        if all(_contains(pieces, run) for pieces in split[1:]):
            best = run
            break
    if not best:
        return "", list(reasons)
    return " ".join(best), [_cut(pieces, best) for pieces in split]


def _contains(pieces: Sequence[str], run: Sequence[str]) -> bool:
    n = len(run)
    return any(list(pieces[k : k + n]) == list(run) for k in range(len(pieces) - n + 1))


def _cut(pieces: Sequence[str], run: Sequence[str]) -> str:
    """``pieces`` joined again, with the first occurrence of ``run`` replaced by :data:`SAME`."""
    n = len(run)
    at = next(k for k in range(len(pieces) - n + 1) if list(pieces[k : k + n]) == list(run))
    return " ".join([*pieces[:at], SAME, *pieces[at + n :]])


def who(members: Sequence[Member], *, lead: bool = False) -> str:
    """The tenants in a state (or a group of it), each linked to its section; folded when many.

    ``lead``: the names open a group's item and what the group says follows them
    ("tenant-a, tenant-b: reason"), as a list of who says what reads.
    """
    links = ", ".join(f'<a href="#{attr(m.anchor)}">{esc(m.tenant)}</a>' for m in members)
    label = f"{len(members)} tenant{'' if len(members) == 1 else 's'}"
    if len(members) > WHO_INLINE:
        return f'<details class="who"><summary>{label}</summary>{links}</details>'
    if lead:
        return f"<b>{links}:</b> "  # styled as .who by ul.by>li>b (fleet.css): one class less per item
    return f'<p class="who">{label}: {links}</p>'
