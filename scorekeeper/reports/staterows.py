"""The fleet page's settings: one row per distinct state with its tenants, and each tenant's settings by name.

:mod:`scorekeeper.reports.states` groups the fleet's rows; this renders them with the settings
table's own cells (:func:`scorekeeper.reports.rows.head`), so a state reads like the row each of
its tenants had in a one-tenant report. The last cell holds the reason, the differences and the
notes, then the tenants in the state; where tenants in one state say different things (a
reason naming the tenant, an exception, an attestation, their own evidence), each group of
tenants is listed with what it says. A passing or not-applicable state whose tenants say
different things shows the values and the tenants only: the tenants' own reports (and the JSON
and CSV reports of the same run) have each reason and piece of evidence.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup

from scorekeeper.reports import rows
from scorekeeper.reports.model import ControlSection, TenantSection
from scorekeeper.reports.rows import SYMBOLS, WORDS, attr, esc
from scorekeeper.reports.states import ControlStates, FleetStates, Member, SettingState

#: Up to this many tenants are named in the row; more are folded behind their count.
WHO_INLINE = 6

#: Said once per passing state whose tenants differ in what they say (the values are the same).
QUIET_NOTES = (
    '<p class="note muted">Reasons and evidence differ between these tenants: each tenant\'s own report has them.</p>'
)


class StateRows:
    """The fleet page's settings tables: a state's row is built once per render."""

    def __init__(self, states: FleetStates, memo: rows.Memo | None = None) -> None:
        self.states = states
        self.memo: rows.Memo = {} if memo is None else memo

    def __call__(self, control: ControlStates) -> Markup:
        return Markup("".join(self.row(s) for s in control.states))

    def row(self, state: SettingState) -> str:
        """A state as the settings table's row, with the tenants in it (``data-n``: how many)."""
        s = state.row
        members = state.members
        opening, v = rows.head(s, True, self.memo, f' id="{state.anchor}" data-n="{len(members)}"')
        cell = "".join(rows.value_parts(s, v, self.memo, fleet=True))
        if len(state.groups) == 1:
            cell = esc(s.reason) + cell + "".join(rows.notes(s)) + who(members)
        elif state.attention:
            by = "".join(
                f"<li>{esc(g.row.reason)}{''.join(rows.notes(g.row))}{who(g.members)}</li>" for g in state.groups
            )
            cell += f'<ul class="by">{by}</ul>'
        else:
            cell += QUIET_NOTES + who(members)
        return f"{opening}<td>{cell}</td></tr>"

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


def who(members: Sequence[Member]) -> str:
    """The tenants in a state (or a group of it), each linked to its section; folded when many."""
    links = ", ".join(f'<a href="#{attr(m.anchor)}">{esc(m.tenant)}</a>' for m in members)
    label = f"{len(members)} tenant{'' if len(members) == 1 else 's'}"
    if len(members) <= WHO_INLINE:
        return f'<p class="who">{label}: {links}</p>'
    return f'<details class="who"><summary>{label}</summary>{links}</details>'
