"""The HTML of the settings and ledger tables, built in Python because they are the report's bulk.

A fleet report of 200 tenants has ~5,000 setting rows; rendered through Jinja macros they took
seconds. These functions build the same markup directly with :func:`esc` (HTML escaping after
:func:`scorekeeper.safetext.clean`), which every piece of text passes through.

To keep a fleet report small without leaving anything out, a desired value equal to the
current one is shown as "= current"; in fleet reports a long desired object is shown as the
field changes it asks for, and a setting's documentation link, and the steps and evidence every
tenant shows alike, are in the settings catalogue once instead of in every tenant's row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape
from typing import Any

from markupsafe import Markup

from scorekeeper.model import Status
from scorekeeper.reports import values
from scorekeeper.reports.model import ControlSection, LedgerEntry, Report, SettingRow
from scorekeeper.safetext import clean

PREVIEW = 48

#: Status glyphs for the page. ``pending``'s ⧗ (U+29D7) is in none of Debian's stock fonts
#: (Chromium drew a box), so the page uses ◔ (U+25D4), which DejaVu and the usual system fonts have.
SYMBOLS = {s.value: s.symbol for s in Status} | {"pending": "◔", "excepted": "⚑"}


def esc(text: object) -> str:
    """Any text as inert HTML element content: controls stripped, ``& < >`` escaped."""
    return escape(clean(str(text)), quote=False)


def attr(text: object) -> str:
    """Any text as an inert double-quoted attribute value (quotes escaped too)."""
    return escape(clean(str(text)), quote=True)


def value_html(value: object, bare: bool = False) -> str:
    """A value in full: one line when short, folded as indented JSON when long.

    ``bare`` leaves a short value without its ``<code>`` element, for a cell styled as code.
    """
    text = values.compact(value)
    if len(text) <= values.FOLD_AT and "\n" not in text:
        return esc(text) if bare else f"<code>{esc(text)}</code>"
    preview = esc(text[:PREVIEW])
    return f"<details><summary><code>{preview}…</code></summary><pre>{esc(values.pretty(value))}</pre></details>"


@dataclass(frozen=True)
class Shared:
    """What one setting shows identically in every tenant of a fleet: listed once, in the catalogue."""

    steps: tuple[str, ...] = ()
    evidence: dict[str, Any] = field(default_factory=dict)


def shared_parts(report: Report) -> dict[tuple[str, str], Shared]:
    """Per setting, the guided steps and evidence entries that every tenant showing them has alike.

    Only for fleet reports: a plugin's notes ("this API is undocumented") and generic portal
    steps repeat in every tenant's row; said once, a 200-tenant report stays under 5 MB.
    Anything that differs between tenants (a group name, a domain) stays in the tenant's row.
    """
    if not report.fleet:
        return {}
    seen: dict[tuple[str, str], int] = {}
    steps: dict[tuple[str, str], set[tuple[str, ...]]] = {}
    evidence: dict[tuple[str, str], dict[str, tuple[set[str], int, Any]]] = {}
    for tenant in report.tenants:
        for s in tenant.settings:
            key = (s.control, s.setting)
            seen[key] = seen.get(key, 0) + 1
            if s.steps and s.status is not Status.PASS:
                steps.setdefault(key, set()).add(s.steps)
            entries = evidence.setdefault(key, {})
            for name, value in s.evidence.items():
                forms, n, first = entries.get(name, (set(), 0, value))
                forms.add(values.compact(value))
                entries[name] = (forms, n + 1, first)
    shared = {}
    for key, n in seen.items():
        same_steps = next(iter(steps[key])) if len(steps.get(key, ())) == 1 else ()
        same_evidence = {
            name: first
            for name, (forms, count, first) in evidence.get(key, {}).items()
            if len(forms) == 1 and count == n
        }
        if same_steps or same_evidence:
            shared[key] = Shared(same_steps, same_evidence)
    return shared


def setting_rows(
    control: ControlSection, fleet: bool = False, shared: dict[tuple[str, str], Shared] | None = None
) -> Markup:
    common = shared or {}
    html = "".join(_row(s, fleet, common.get((s.control, s.setting))) for s in control.settings)
    return Markup(html)


def _row(s: SettingRow, fleet: bool, shared: Shared | None) -> str:
    status = s.status.value
    excepted = '<br><span class="excepted">⚑ excepted</span>' if s.excepted else ""
    same = s.current == s.desired and s.current is not None
    if same:
        desired = '<span class="muted">= current</span>'
    elif fleet and _as_changes(s):
        desired = '<span class="muted">current, with the changes listed beside</span>'
    else:
        desired = value_html(s.desired, True)
    title = esc(s.title)
    if s.docs_url and not fleet:
        title = f'<a href="{attr(s.docs_url)}">{title}</a>'
    return (
        f'<tr data-s="{s.verdict}"><td><b>{title}</b><br><code>{esc(s.setting)}</code></td>'
        f'<td class="st {status}">{SYMBOLS[status]} {status.replace("_", " ")}{excepted}</td>'
        f'<td class="v">{value_html(s.current, True)}</td><td class="v">{desired}</td>'
        f"<td>{esc(s.reason)}{''.join(_details(s, shared))}</td></tr>"
    )


def _details(s: SettingRow, shared: Shared | None) -> Iterable[str]:
    if s.status not in (Status.PASS, Status.NOT_APPLICABLE):
        yield from _deltas(s)
    if s.missing_permissions:
        yield '<div class="note">Missing permissions: ' + ", ".join(
            f"<code>{esc(p)}</code>" for p in s.missing_permissions
        ) + "</div>"
    if s.exception:
        e = s.exception
        when = ""
        if e.expires is not None and e.days_left is not None:
            left = f"{e.days_left} days left" if e.days_left >= 0 else f"expired {-e.days_left} days ago"
            when = f" until {e.expires.isoformat()} ({left})"
        yield f'<div class="note excepted">Accepted risk{when}: {esc(e.text)}</div>'
    if s.attestation:
        a = s.attestation
        yield f'<div class="note">Attested by {esc(a.by)} on {a.at:%Y-%m-%d %H:%M} UTC: {esc(a.note)}</div>'
    common = shared or Shared()
    evidence = {k: v for k, v in s.evidence.items() if k not in common.evidence}
    if evidence:
        yield f"<details><summary>Evidence</summary><pre>{esc(values.pretty(evidence))}</pre></details>"
    if s.steps and s.status is not Status.PASS:
        if s.steps == common.steps:
            yield f'<div class="note"><a href="#cat">{s.remediation.value} steps</a></div>'
        else:
            steps = esc("\n".join(s.steps))
            yield f"<details><summary>Guided steps ({s.remediation.value})</summary><pre>{steps}</pre></details>"


def _as_changes(s: SettingRow) -> bool:
    """In a fleet report, a long desired object is shown as the field changes it asks for.

    Both values are objects, the desired one would be folded, and the changes are listed beside
    (``_deltas``): a desired object names only the fields it sets (``diff.field_changes``), so
    "current, with these changes" says all it says. A single-tenant report shows it whole; the
    JSON report always carries it whole.
    """
    return (
        isinstance(s.current, dict)
        and isinstance(s.desired, dict)
        and values.is_long(s.desired)
        and s.status not in (Status.PASS, Status.NOT_APPLICABLE)
        and bool(values.deltas(s.current, s.desired))
    )


def _deltas(s: SettingRow) -> Iterable[str]:
    found = values.deltas(s.current, s.desired)
    if not any(d.is_list for d in found) and not (values.is_long(s.current) or values.is_long(s.desired)):
        return  # both values are short and side by side: what differs is plain to see
    items = []
    for d in found:
        where = f"{esc(d.path)}: " if d.path else ""
        if d.is_list:
            items += [f'<li class="add">+ {where}{esc(values.compact(v))}</li>' for v in d.added]
            items += [f'<li class="rm">− {where}{esc(values.compact(v))}</li>' for v in d.removed]
        else:
            items.append(f"<li>{where}{esc(values.compact(d.before))} → {esc(values.compact(d.after))}</li>")
    yield '<ul class="d">' + "".join(items) + "</ul>"


def ledger_rows(entries: Iterable[LedgerEntry]) -> Markup:
    out = []
    for e in entries:
        created = f'<br><span class="note">created {esc(values.compact(e.resource))}</span>' if e.created else ""
        outcome_cls = "pass" if e.outcome == "applied" else "fail"
        notes = f'<div class="note">{esc(e.error)}</div>' if e.error else ""
        if e.rolled_back_by:
            notes += f'<div class="note">rolled back by run {e.rolled_back_by}</div>'
        if e.verified is None:
            verified = '<span class="muted">not verified</span>'
        elif e.verified:
            verified = '<span class="pass">✔ read back as intended</span>'
        else:
            verified = f'<span class="fail">✘ read back {esc(e.verified_status)}</span>'
        out.append(
            f"<tr><td><b>#{e.change_id or '?'}</b> <code>{esc(e.control)}/{esc(e.setting)}</code>{created}</td>"
            f"<td>{value_html(e.before)} → {value_html(e.after)}</td>"
            f'<td class="st {outcome_cls}">{esc(e.outcome)}{notes}</td><td>{verified}</td></tr>'
        )
    return Markup("".join(out))
