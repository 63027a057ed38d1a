"""A fleet's settings as distinct states: one per setting and value, with the tenants that share it.

An auditor reading 200 tenants asks two things of a fleet page: which tenants need attention
and where (the fleet grid and each tenant's section), and, for one setting, how the fleet stands
on it and who is in which state. The second is answered here. Tenants copied from a few
baselines share most of their findings: the benchmark's 200 tenants and 10,000 settings are 122
distinct states, and a page that shows each once, with the tenants in it, is 4 MB where one row
per tenant and setting was 13 MB (docs/reports.md, "Size and speed").

A **state** is what a row of the settings table shows in its columns: the setting, its status
(and whether an accepted risk covers it), its current and desired values and its stage. What
tenants in one state may still say differently — the reason, missing permissions, the exception,
the attestation, the evidence, the steps — is kept per tenant in :class:`Notes` groups, so
nothing a tenant's row said is lost. HTML-free: :mod:`scorekeeper.reports.staterows` renders it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from scorekeeper.domain.display import status_rank
from scorekeeper.reports.model import Report, SettingRow, TenantSection


@dataclass(frozen=True)
class Member:
    """A tenant in a state, with its own row (what it says beyond the shared values)."""

    tenant: str
    anchor: str  # the tenant's section on the page
    row: SettingRow


@dataclass
class Notes:
    """Tenants of one state that say the same beyond its values: one reason, exception, evidence…"""

    row: SettingRow  # the first member's row: the notes every member of this group shares
    members: list[Member] = field(default_factory=list)


@dataclass
class SettingState:
    """One distinct state of one setting across the fleet, and the tenants in it."""

    anchor: str  # "s12": the id of its row, linked from each tenant's section
    row: SettingRow  # the first member's row: title, status, values, stage, level and docs link
    groups: list[Notes] = field(default_factory=list)

    @property
    def members(self) -> list[Member]:
        return [m for g in self.groups for m in g.members]

    @property
    def attention(self) -> bool:
        return self.row.attention


@dataclass(frozen=True)
class ControlStates:
    """One control's settings across the fleet, each setting's states worst first."""

    id: str
    title: str
    plugin: str
    states: tuple[SettingState, ...]


@dataclass(frozen=True)
class FleetStates:
    """Every state of every setting, and where each tenant's row went."""

    controls: tuple[ControlStates, ...]
    of: dict[tuple[str, int], SettingState]  # (tenant name, id of its row) → the state its row is in

    def state(self, tenant: TenantSection, row: SettingRow) -> SettingState:
        return self.of[(tenant.name, id(row))]


def _value_key(value: Any) -> str:
    """A value as a key: equal values decoded from history have equal ``repr`` (their order is stored).

    ``repr`` keeps types apart (``"[]"`` and ``[]``, ``True`` and ``1``) and is several times
    faster than JSON for 10,000 rows whose values are equal but not the same objects.
    """
    return repr(value)


def state_key(row: SettingRow) -> tuple[Any, ...]:
    """What a settings row shows in its columns: rows with the same key are one state."""
    stage = row.stage.line() if row.stage is not None else ""
    return (
        row.control,
        row.setting,
        row.title,
        row.status,
        row.excepted,
        _value_key(row.current),
        _value_key(row.desired),
        stage,
        row.docs_url,
        row.level,
        row.baselines,
        row.level_source,
    )


def notes_key(row: SettingRow) -> tuple[Any, ...]:
    """What a row says beyond its values: tenants of one state with the same key share one note."""
    return (
        row.reason,
        row.remediation,
        row.missing_permissions,
        row.exception,
        row.attestation,
        _value_key(row.evidence),
        row.steps,
    )


def fleet_states(report: Report) -> FleetStates:
    """The report's settings grouped into states, controls in the fleet grid's order.

    Within a control, settings keep the plugin's order (first seen); a setting's states come
    worst status first, then the state most tenants are in. Rows the report model shares
    between tenants (``reports.build``) are keyed once.
    """
    keys: dict[int, tuple[tuple[Any, ...], tuple[Any, ...]]] = {}
    found: dict[str, dict[str, dict[tuple[Any, ...], SettingState]]] = {}
    notes: dict[tuple[tuple[Any, ...], tuple[Any, ...]], Notes] = {}
    of: dict[tuple[str, int], SettingState] = {}
    titles: dict[str, str] = {}
    for tenant in report.tenants:
        for control in tenant.controls:
            titles.setdefault(control.id, control.title)
            settings = found.setdefault(control.id, {})
            for row in control.settings:
                key = keys.get(id(row))
                if key is None:
                    key = keys[id(row)] = (state_key(row), notes_key(row))
                states = settings.setdefault(row.setting, {})
                state = states.get(key[0])
                if state is None:
                    state = states[key[0]] = SettingState(anchor="", row=row)
                group = notes.get(key)
                if group is None:
                    group = notes[key] = Notes(row)
                    state.groups.append(group)
                group.members.append(Member(tenant.name, tenant.anchor, row))
                of[(tenant.name, id(row))] = state
    controls = []
    n = 0
    for cid in _ordered(report.control_ids, found):
        ordered = []
        for states in found[cid].values():
            for state in sorted(states.values(), key=lambda s: (status_rank(s.row.status), -len(s.members))):
                n += 1
                state.anchor = f"s{n}"
                ordered.append(state)
        controls.append(ControlStates(cid, titles[cid], report.plugin_of.get(cid, ""), tuple(ordered)))
    return FleetStates(tuple(controls), of)


def _ordered(first: Iterable[str], found: dict[str, Any]) -> list[str]:
    """The fleet grid's control order, then any control it does not rank."""
    ranked = [c for c in first if c in found]
    return ranked + [c for c in found if c not in ranked]
