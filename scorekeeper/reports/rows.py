"""The HTML of the settings and ledger tables, built in Python because they are the report's bulk.

A fleet report of 200 tenants has ~10,000 setting rows; rendered through Jinja macros they took
seconds. These functions build the same markup directly with :func:`esc` (HTML escaping after
:func:`scorekeeper.util.safetext.clean`), which every piece of text passes through.

A desired value equal to the current one is shown as "= current". A row is built from parts
(:func:`head`, :func:`value_parts`, :func:`notes`) so that the fleet page
(:mod:`scorekeeper.reports.staterows`) shows a state several tenants share with the same cells,
and what its tenants say differently beside it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from html import escape
from typing import Any

from markupsafe import Markup

from scorekeeper.domain.display import STATUS_LOOK, harm_label, impact_line, impact_lines, level_label, stage_line
from scorekeeper.domain.impact import Impact
from scorekeeper.domain.model import Status
from scorekeeper.reports import values
from scorekeeper.reports.model import ControlSection, LedgerEntry, Report, SettingRow
from scorekeeper.util.safetext import clean

#: How much of a folded value its summary shows (a fleet report's rows are many: less).
PREVIEW = 40
FLEET_PREVIEW = 24

#: Status glyphs for the page (:data:`scorekeeper.domain.display.STATUS_LOOK`). ``pending``'s ⧗
#: (U+29D7) is in none of Debian's stock fonts (Chromium drew a box), so the page uses ◔ (U+25D4),
#: which DejaVu and the usual system fonts have.
SYMBOLS = {s.value: look.glyph for s, look in STATUS_LOOK.items()} | {"pending": "◔", "excepted": "⚑"}
#: Status words for the page ("not applicable").
WORDS = {s.value: look.word for s, look in STATUS_LOOK.items()} | {"excepted": "excepted"}


def status_css() -> str:
    """Each status's colour on the page: its tone (domain/display.py) as the stylesheet's ``--t-<tone>``."""
    rules = []
    for status, look in STATUS_LOOK.items():
        colour = f"color:var(--t-{look.tone.value})"
        rules.append(f".{status.value}{{{colour}}}tr[data-s={status.value}]>td:nth-child(2){{{colour}}}")
    return "\n".join(rules)


def esc(text: object) -> str:
    """Any text as inert HTML element content: controls stripped, ``& < >`` escaped."""
    return escape(clean(str(text)), quote=False)


def attr(text: object) -> str:
    """Any text as an inert double-quoted attribute value (quotes escaped too)."""
    return escape(clean(str(text)), quote=True)


def value_html(value: object, bare: bool = False, wording: Any = ()) -> str:
    """A value in full, in words (``values.words``: never JSON): one line when short, folded when long.

    ``bare`` leaves a short value without its ``<code>`` element, for a cell styled as code.
    """
    text = values.words(value, wording)
    if len(text) <= values.FOLD_AT and "\n" not in text:
        return esc(text) if bare else f"<code>{esc(text)}</code>"
    preview = esc(text[:PREVIEW])
    return f"<details><summary><code>{preview}…</code></summary><p>{esc(text)}</p></details>"


class SettingRows:
    """The settings tables of a one-tenant report render; a row object is rendered once.

    Rows are looked up by identity and kept alive here for the render, so an id cannot be reused
    by another row; folded values and lists of differences are rendered once per distinct value
    text (``Memo``), which the fleet page's state rows share too.
    """

    def __init__(self, report: Report) -> None:
        self.fleet = report.fleet
        self._done: dict[int, tuple[SettingRow, str]] = {}
        self.memo: Memo = {}

    def __call__(self, control: ControlSection) -> Markup:
        return Markup("".join(self._row(s) for s in control.by_status))

    def _row(self, s: SettingRow) -> str:
        done = self._done.get(id(s))
        if done is None:
            done = self._done[id(s)] = (s, _row(s, self.fleet, self.memo))
        return done[1]


@dataclass
class _Values:
    """A row's current and desired values with their one-line forms and differences, worked out once."""

    current: Any
    desired: Any
    wording: Any = ()

    def __post_init__(self) -> None:
        # In words (values.words), as a person reads them; the JSON is in the JSON report.
        self.current_text = values.words(self.current, self.wording)
        self.desired_text = values.words(self.desired, self.wording)
        self.long = _long(self.current_text) or _long(self.desired_text)
        self._deltas: list[values.Delta] | None = None

    @property
    def deltas(self) -> list[values.Delta]:
        if self._deltas is None:
            self._deltas = values.deltas(self.current, self.desired)
        return self._deltas


def _long(text: str) -> bool:
    return len(text) > values.FOLD_AT or "\n" in text


#: Per render: HTML already made for a value's one-line text (and whether the value is a string,
#: which alone can share its text with a list or object), or for a pair of them.
Memo = dict[tuple[Any, ...], str]


def _cell(value: Any, text: str, preview: int = PREVIEW, memo: Memo | None = None) -> str:
    """A value in a settings cell (monospace by the stylesheet): whole, folded when long."""
    if not _long(text):
        return esc(text)
    key = ("cell", text, isinstance(value, str), preview)
    if memo is not None and key in memo:
        return memo[key]
    html = f"<details><summary>{esc(text[:preview])}…</summary><p>{esc(text)}</p></details>"
    if memo is not None:
        memo[key] = html
    return html


def _row(s: SettingRow, fleet: bool, memo: Memo | None = None) -> str:
    """One setting's row: its cells, then the reason, the values' differences and the notes."""
    open_, v = head(s, fleet, memo)
    return f"{open_}<td>{esc(s.reason)}{''.join(value_parts(s, v, memo, fleet=fleet))}{''.join(notes(s))}</td></tr>"


def head(s: SettingRow, fleet: bool, memo: Memo | None = None, attrs: str = "") -> tuple[str, _Values | None]:
    """The row's opening tag and its first four cells (setting, status, current, desired).

    Returns the worked-out values too, for :func:`value_parts` (``None`` for a pass or a
    not-applicable setting, whose differences are not listed). ``attrs`` is added to the
    ``<tr>`` (the fleet page's state rows carry an id and how many tenants they stand for).
    """
    status = s.status.value
    preview = FLEET_PREVIEW if fleet else PREVIEW
    v = _Values(s.current, s.desired, s.wording)
    assessed = s.status not in (Status.PASS, Status.NOT_APPLICABLE)
    if s.current == s.desired and s.current is not None:
        desired = "<i>= current</i>"
    elif fleet and assessed and _as_changes(s, v, memo):
        desired = "<i>current, with the changes listed beside</i>"
    else:
        desired = _cell(s.desired, v.desired_text, preview, memo)
    title = esc(s.title)
    if s.docs_url:
        title = f'<a href="{attr(s.docs_url)}">{title}</a>'
    # Status colour and the value cells' font come from the stylesheet (tr[data-s], column):
    # a class only where the verdict (excepted) is not the status.
    cls = f' class="{status}"' if s.excepted else ""
    excepted = '<br><span class="excepted">⚑ excepted</span>' if s.excepted else ""
    open_ = (
        f'<tr data-s="{s.verdict}"{attrs}><td>{title}<code>{esc(s.setting)}</code>{level_badge(s)}</td>'
        f"<td{cls}>{SYMBOLS[status]} {WORDS[status]}{excepted}</td>"
        f"<td>{_cell(s.current, v.current_text, preview, memo)}</td><td>{desired}</td>"
    )
    return open_, v if assessed else None


def level_badge(s: SettingRow) -> str:
    """The verdict level as a badge, linked to the page it follows.

    Under the setting's name: in a fleet report once per state of the setting, not per tenant
    (it is the plugin's declaration, the same in every tenant: 10,000 badges were 1.3 MB).
    """
    if s.level is None:
        return ""
    text = esc(level_label(s.level, s.baselines))
    if s.level_source:
        text = f'<a href="{attr(s.level_source)}">{text}</a>'
    return f'<span class="lvl {s.level.value}">{text}</span>'


def impact_html(impact: Impact, limit: int = 50, *, accepted: bool = False) -> str:
    """An impact as a block: harm and summary, the people it affects, what makes it safe, its sources.

    The wording is :func:`scorekeeper.domain.display.impact_lines`' (the same as the CLI's and the
    dashboard's): its first line is the heading, indented lines the affected principals.
    """
    head, *rest = impact_lines(impact, limit, accepted=accepted)
    people = "".join(f"<li>{esc(line.strip())}</li>" for line in rest if line.startswith("  "))
    notes = "".join(f"<p>{esc(line)}</p>" for line in rest if not line.startswith("  "))
    return (
        f'<div class="impact {attr(impact.harm.value)}" title="{attr(harm_label(impact.harm))}">'
        f"<b>{esc(head)}</b>{f'<ul>{people}</ul>' if people else ''}{notes}</div>"
    )


def value_parts(s: SettingRow, v: _Values | None, memo: Memo | None = None, *, fleet: bool = False) -> Iterable[str]:
    """What the row's values say beyond the cells: the stage line, the impact and what differs.

    In a fleet the impact is left out: each tenant's "Impact of the planned changes" has it in full.
    """
    if s.stage is not None and s.status is Status.STAGED:
        yield f'<p class="stage">{SYMBOLS["staged"]} {esc(stage_line(s.stage))}</p>'
    if s.impact is not None and s.status is not Status.PASS and not fleet:  # in full under "Impact of …"
        yield f'<p class="impact {attr(s.impact.harm.value)}">{esc(impact_line(s.impact))}</p>'
    if v is not None:
        key = ("deltas", v.current_text, isinstance(v.current, str), v.desired_text, isinstance(v.desired, str))
        html = memo.get(key) if memo is not None else None
        if html is None:
            html = "".join(_deltas(v))
            if memo is not None:
                memo[key] = html
        if html:
            yield html


def notes(s: SettingRow) -> Iterable[str]:
    """What one tenant's row says beyond its values: permissions, accepted risk, attestation, evidence, steps."""
    return (html for _, html in note_parts(s))


def note_parts(s: SettingRow, memo: Memo | None = None) -> list[tuple[str, str]]:
    """:func:`notes` by name (``permissions``, ``exception``, ``attestation``, ``evidence``, ``steps``).

    Named so that the fleet page can say once what every tenant of a state says alike and list
    per tenant only what differs; ``memo`` makes equal evidence's HTML once per render.
    """
    parts = []
    if s.missing_permissions:
        listed = ", ".join(f"<code>{esc(p)}</code>" for p in s.missing_permissions)
        parts.append(("permissions", f"<p>Missing permissions: {listed}</p>"))
    if s.exception:
        e = s.exception
        when = ""
        if e.expires is not None and e.days_left is not None:
            left = f"{e.days_left} days left" if e.days_left >= 0 else f"expired {-e.days_left} days ago"
            when = f" until {e.expires.isoformat()} ({left})"
        parts.append(("exception", f'<p class="excepted">Accepted risk{when}: {esc(e.text)}</p>'))
    if s.attestation:
        a = s.attestation
        parts.append(("attestation", f"<p>Attested by {esc(a.by)} on {a.at:%Y-%m-%d %H:%M} UTC: {esc(a.note)}</p>"))
    if s.evidence:
        key = ("evidence", repr(s.evidence))  # tenants' equal evidence: made once per render (``memo``)
        html = memo.get(key) if memo is not None else None
        if html is None:
            # The one place a row shows what Graph returned, as it returned it.
            pre = esc(values.pretty(s.evidence))
            html = f'<details class="evidence"><summary>Evidence</summary><pre>{pre}</pre></details>'
            if memo is not None:
                memo[key] = html
        parts.append(("evidence", html))
    if s.steps and s.status is not Status.PASS:
        steps = esc("\n".join(s.steps))
        # A plugin's steps may quote the Graph request that does a step: a how-to, kept as written.
        summary = f"Guided steps ({s.remediation.value})"
        parts.append(("steps", f'<details class="steps"><summary>{summary}</summary><pre>{steps}</pre></details>'))
    return parts


def _as_changes(s: SettingRow, v: _Values, memo: Memo | None = None) -> bool:
    """In a fleet report, a long desired object is shown as the field changes it asks for.

    Both values are objects, the desired one would be folded, and the changes are listed beside
    (``_deltas``): a desired object names only the fields it sets (``diff.field_changes``), so
    "current, with these changes" says all it says. A single-tenant report shows it whole; the
    JSON report always carries it whole.
    """
    if not (isinstance(s.current, dict) and isinstance(s.desired, dict) and _long(v.desired_text)):
        return False
    key = ("changes", v.current_text, v.desired_text)  # both objects: their texts decide
    if memo is None:
        return bool(v.deltas)
    if key not in memo:
        memo[key] = "y" if v.deltas else ""
    return bool(memo[key])


def _deltas(v: _Values) -> Iterable[str]:
    found = v.deltas
    if not v.long and not any(d.is_list for d in found):
        return  # both values are short and side by side: what differs is plain to see
    items = []
    for d in found:
        where = f"{esc(values.field_words(d.path))}: " if d.path else ""
        if d.is_list:
            items += [f'<li class="add">+ {where}{esc(values.words(x))}</li>' for x in d.added]
            items += [f'<li class="rm">− {where}{esc(values.words(x))}</li>' for x in d.removed]
        else:
            items.append(f"<li>{where}{esc(values.words(d.before))} → {esc(values.words(d.after))}</li>")
    yield '<ul class="d">' + "".join(items) + "</ul>"


def ledger_rows(entries: Iterable[LedgerEntry]) -> Markup:
    out = []
    for e in entries:
        created = f'<br><span class="note">{esc(values.created_words(e.resource))}</span>' if e.created else ""
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
        if e.stage:
            created += f'<br><span class="note stage">{SYMBOLS["staged"]} moved to stage {esc(e.stage)}</span>'
        impact = impact_html(e.impact, accepted=e.accepted) if e.impact else ""
        out.append(
            f"<tr><td><b>#{e.change_id or '?'}</b> <code>{esc(e.control)}/{esc(e.setting)}</code>{created}</td>"
            f"<td>{value_html(e.before)} → {value_html(e.after)}{impact}</td>"
            f'<td class="st {outcome_cls}">{esc(e.outcome)}{notes}</td><td>{verified}</td></tr>'
        )
    return Markup("".join(out))


#: How much of a value the printed summary shows: a person reads the words, the file has the rest.
PRINT_CHARS = 160


def _clip(text: str, limit: int = PRINT_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def print_rows(control: ControlSection) -> Markup:
    """The printed version of one control: each setting to act on in words, passes as a count.

    Failing, staged, advice, manual and unreadable settings get a line with current → desired
    (``values.words``, clipped), the impact and any attestation or accepted risk; passing and
    not-applicable settings are one count. No evidence and no tables: the screen's settings table
    is hidden in print (``report.css``), so three controls print on a few pages.
    """
    items = []
    quiet = 0
    for s in control.by_status:
        if not s.attention:
            quiet += 1
            continue
        status = s.status.value
        verdict = " · excepted" if s.excepted else ""
        if s.current == s.desired and s.current is not None:
            change = f"{esc(_clip(s.current_words))}"
        else:
            change = f"{esc(_clip(s.current_words))} → {esc(_clip(s.desired_words))}"
        notes = []
        if s.reason:
            notes.append(esc(_clip(s.reason, 240)))
        if s.impact is not None and s.status is not Status.PASS:
            notes.append(esc(impact_line(s.impact)))
        if s.attestation:
            a = s.attestation
            notes.append(f"attested by {esc(a.by)} on {a.at:%Y-%m-%d}: {esc(_clip(a.note, 120))}")
        if s.exception:
            notes.append(f"accepted risk: {esc(_clip(s.exception.text, 160))}")
        items.append(
            f'<li><b>{esc(s.title)}</b> <span class="{status}">{SYMBOLS[status]} {WORDS[status]}{verdict}</span>'
            f'<br><span class="chg">{change}</span>'
            + "".join(f'<br><span class="note">{n}</span>' for n in notes)
            + "</li>"
        )
    if quiet:
        items.append(f'<li class="muted">{quiet} other setting(s) pass or do not apply.</li>')
    return Markup("".join(items))
