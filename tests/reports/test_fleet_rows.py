"""A fleet page shows each state of a setting once, with its tenants, and loses nothing that needs attention."""

from __future__ import annotations

import re
from dataclasses import replace

from scorekeeper.domain.display import level_label, stage_line
from scorekeeper.plugin.manager import load_plugins
from scorekeeper.reports import render, rows, values
from scorekeeper.reports.build import build_report, latest_assessments
from scorekeeper.reports.model import Report, SettingRow, TenantSection
from scorekeeper.reports.staterows import SAME, StateRows, shared_run
from scorekeeper.reports.states import Member, fleet_states
from tests.reports.conftest import History


def _build(history: History, runs: list[int]) -> Report:
    return build_report(
        history.store, runs, controls=load_plugins().controls, generator={"scorekeeper": "t"}, report_id="r"
    )


def _fleet(history: History) -> Report:
    runs = [history.first["contoso"], history.first["fabrikam"], *latest_assessments(history.store, ["fabrikam"])]
    return _build(history, runs)


def _two(history: History) -> Report:
    """A seeded fleet of three: contoso's first assessment (an exception, an attestation, failures), the same
    tenant after its remediation (staged rollouts) as "contoso-after", and fabrikam's latest (hardened)."""
    runs = [history.first["contoso"], history.latest["contoso"], history.latest["fabrikam"]]
    report = _build(history, runs)
    first, after, fabrikam = report.tenants
    return replace(report, tenants=(first, replace(after, name="contoso-after"), fabrikam))


def _copies(report: Report, n: int) -> Report:
    """The report's tenants, each copied ``n`` times under new names: a fleet made from a few baselines."""
    tenants = tuple(replace(t, name=f"{t.name}-{i:02d}") for i in range(n) for t in report.tenants)
    return replace(report, tenants=tenants)


def _unshared(report: Report) -> Report:
    """The same report with every row its own object (what rendering without sharing would see)."""
    tenants = tuple(
        replace(t, controls=tuple(replace(c, settings=tuple(replace(s) for s in c.settings)) for c in t.controls))
        for t in report.tenants
    )
    return replace(report, tenants=tenants)


def _state_row(html: str, anchor: str) -> str:
    found = re.search(rf'<tr data-s="[a-z_]+" id="{anchor}" data-n="\d+">.*?</tr>', html, re.S)
    assert found, anchor
    return found.group(0)


def _said_for(row_html: str, tenant: TenantSection) -> str:
    """What a state's row says for ``tenant``: what all its tenants share, and its own group's item."""
    link = f'href="#{tenant.anchor}"'
    if '<ul class="by">' not in row_html:
        return row_html
    before, by = row_html.split('<ul class="by">')
    items = [li for li in re.findall(r"<li>.*?</li>", by, re.S) if link in li]
    assert len(items) == 1, tenant.name
    # what every group's reason says alike is said once; SAME marks where it stands in each reason
    shared = re.search(rf'<p class="note">{re.escape(SAME)} below stands for: (.*?)</p>', before, re.S)
    item = items[0].replace(SAME, shared.group(1), 1) if shared else items[0]
    return before + item


def _says(said: str, reason: str) -> bool:
    """Whether ``said`` has ``reason`` (escaped) whole, whitespace aside (HTML collapses it)."""
    return " ".join(rows.esc(reason).split()) in " ".join(said.split())


def _index(html: str, tenant: TenantSection, control: str) -> str:
    start = html.index(f'id="{tenant.anchor}-{control}"')
    return html[start : html.index("</ul>", start)]


def test_equal_findings_share_one_row_and_render_exactly_as_unshared(history: History) -> None:
    report = _fleet(history)
    found = [s for t in report.tenants for s in t.settings]
    assert len({id(s) for s in found}) < len(found)  # fabrikam's two runs share the settings that stayed equal
    assert render(report, "html") == render(_unshared(report), "html")


def test_every_setting_is_named_by_its_tenant_and_every_one_needing_attention_is_shown_in_full(
    history: History,
) -> None:
    report = _two(history)
    html = render(report, "html")
    states = fleet_states(report)
    checked = {"attention": 0, "exception": 0, "attestation": 0, "evidence": 0, "steps": 0, "stage": 0}
    for tenant in report.tenants:
        for control in tenant.controls:
            index = _index(html, tenant, control.id)
            for s in control.settings:
                state = states.state(tenant, s)
                # named in the tenant's section under its verdict, linked to its state
                assert f'<a href="#{state.anchor}">{rows.esc(s.setting)}</a>' in index, (tenant.name, s.setting)
                row = _state_row(html, state.anchor)
                assert f'data-s="{s.verdict}"' in row and f"{rows.WORDS[s.status.value]}" in row
                assert f'<a href="#{tenant.anchor}">{rows.esc(tenant.name)}</a>' in row  # the tenant is in it
                assert rows.esc(values.words(s.current, s.wording)) in row  # the current value, whole
                if not s.attention:
                    continue
                checked["attention"] += 1
                said = _said_for(row, tenant)
                assert _says(said, s.reason), (tenant.name, s.setting)
                desired = rows.esc(values.words(s.desired, s.wording))
                assert desired in row or "= current" in row or "with the changes listed beside" in row
                if s.docs_url:
                    assert f'<a href="{rows.attr(s.docs_url)}">' in row
                if s.level is not None:
                    assert rows.esc(level_label(s.level, s.baselines)) in row
                if s.stage is not None and s.status.value == "staged":
                    assert rows.esc(stage_line(s.stage)) in row
                    checked["stage"] += 1
                if s.exception:
                    assert rows.esc(s.exception.text) in said and "⚑ excepted" in row
                    checked["exception"] += 1
                if s.attestation:
                    assert f"Attested by {rows.esc(s.attestation.by)}" in said and rows.esc(s.attestation.note) in said
                    checked["attestation"] += 1
                if s.evidence:
                    assert rows.esc(values.pretty(s.evidence)) in said
                    checked["evidence"] += 1
                if s.steps and s.status.value != "pass":
                    assert rows.esc("\n".join(s.steps)) in said
                    checked["steps"] += 1
                for permission in s.missing_permissions:
                    assert f"<code>{rows.esc(permission)}</code>" in said
    assert all(checked.values()), checked  # the seeded fleet has every kind of note (else this proves little)
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # tenant text inert
    # every tenant × setting is counted once: the rows stand for all of them
    assert sum(map(int, re.findall(r' data-n="(\d+)"', html))) == sum(len(t.settings) for t in report.tenants)


def test_a_setting_state_shared_by_tenants_is_one_row_naming_them(history: History) -> None:
    report = _copies(_two(history), 4)
    html = render(report, "html")
    states = fleet_states(report)
    for cs in states.controls:
        for state in cs.states:
            row = _state_row(html, state.anchor)
            assert html.count(f'id="{state.anchor}"') == 1
            for member in state.members:
                assert f'<a href="#{member.anchor}">{rows.esc(member.tenant)}</a>' in row
    assert any(len(s.members) > 6 for cs in states.controls for s in cs.states), "a state of eight tenants"
    assert '<details class="who"><summary>8 tenants</summary>' in html  # many tenants are folded behind their count


def test_the_fleet_page_is_a_fraction_of_one_row_per_tenant_and_setting(history: History) -> None:
    """The bound is a ratio of bytes on a seeded fleet of copies (ten tenants from each of two runs)."""
    report = _copies(_two(history), 10)
    page = render(report, "html")
    memo: rows.Memo = {}
    every_row = sum(len(rows._row(s, True, memo)) for t in report.tenants for s in t.settings)
    rest = len(page) - len(page[page.index('<section id="settings">') :].split("</section>", 1)[0])
    indexes = sum(len(m) for m in re.findall(r'<ul class="ids">.*?</ul>', page, re.S))
    before = rest - indexes + every_row  # the page with one row per tenant and setting, as it was
    assert len(page) < 0.5 * before, (len(page), before)
    assert every_row > 3 * (len(page) - rest)  # the settings themselves: a third of the rows' bytes at most


def test_a_fleet_names_each_settings_level_once_per_state(history: History) -> None:
    """The level is the plugin's declaration: in a fleet once per state of the setting, not per tenant."""
    report = _copies(_two(history), 3)
    html = render(report, "html")
    states = [s for cs in fleet_states(report).controls for s in cs.states]
    assert html.count('<span class="lvl ') == sum(s.row.level is not None for s in states)
    assert sum(s.level is not None for t in report.tenants for s in t.settings) > html.count('<span class="lvl ')
    single = render(build_report(history.store, [history.first["contoso"]], controls=load_plugins().controls), "html")
    assert single.count('<span class="lvl ') == sum(s.level is not None for s in report.tenants[0].settings)


def test_state_rows_read_the_same_with_or_without_the_shared_value_memo(history: History) -> None:
    report = _copies(_two(history), 2)
    states = fleet_states(report)
    once = StateRows(states)
    for cs in states.controls:
        assert str(once(cs)) == "".join(StateRows(states, {}).row(s) for s in cs.states), cs.id
    assert once.memo, "the sample fleet repeats folded values"


def test_the_one_tenant_report_carries_no_fleet_part(history: History) -> None:
    single = render(_build(history, [history.first["contoso"]]), "html")
    fleet = render(_two(history), "html")
    for part in ('<section id="settings">', '<ul class="ids">', "data-n=", ".who{", "recount"):
        assert part in fleet and part not in single, part
    assert '<section class="print-only">' in single and '<section class="print-only">' not in fleet
    rows_shown = re.findall(r'<tr data-s="[a-z_]+">', single)
    assert len(rows_shown) == len(_build(history, [history.first["contoso"]]).tenants[0].settings)


def test_a_fleet_shows_harmless_impacts_in_one_line_and_harmful_ones_in_full(history: History) -> None:
    report = _fleet(history)
    impacts = [s.impact for t in report.tenants for s in t.settings if s.impact is not None]
    assert any(i.harm.value == "none" for i in impacts), "the sample has a harmless impact (else this proves nothing)"
    fleet = render(report, "html")
    assert '<div class="impact none"' not in fleet
    assert fleet.count('<div class="impact ') == sum(
        i.harm.value != "none"
        for t in report.tenants
        for s in t.settings
        if (i := s.impact) and s.status.value != "pass" and not s.excepted
    )
    single = render(build_report(history.store, [history.first["contoso"]], controls=load_plugins().controls), "html")
    assert '<div class="impact none"' in single or not any(
        s.impact and s.impact.harm.value == "none" and s.status.value != "pass" for s in report.tenants[0].settings
    )


def test_a_passing_state_whose_tenants_say_different_things_shows_values_and_tenants(history: History) -> None:
    """Reasons that name the tenant make each passing tenant's note its own: the values and tenants stay."""
    base = _copies(_two(history), 2)

    def own(t: TenantSection) -> TenantSection:
        def mark(s: SettingRow) -> SettingRow:
            return replace(s, reason=f"{s.reason} [{t.name}]")

        return replace(t, controls=tuple(replace(c, settings=tuple(map(mark, c.settings))) for c in t.controls))

    report = replace(base, tenants=tuple(own(t) for t in base.tenants))
    html = render(report, "html")
    seen = {"attention": 0, "quiet": 0}
    for cs in fleet_states(report).controls:
        for state in cs.states:
            row = _state_row(html, state.anchor)
            if len(state.members) < 2:
                continue
            if state.attention:  # each tenant's own reason, beside its name; its steps and evidence said once
                assert all(_says(_said_for(row, _t(report, m)), m.row.reason) for m in state.members)
                for part in ("steps", "evidence"):
                    alike = {dict(rows.note_parts(m.row)).get(part) for m in state.members}
                    if len(alike) == 1 and None not in alike:
                        assert row.count(alike.pop() or "") == 1, (state.anchor, part)
                        seen[part] = seen.get(part, 0) + 1
                seen["attention"] += 1
            else:  # the values and the tenants, and where the reasons are
                assert "each tenant's own report has them" in row
                assert not any(rows.esc(m.row.reason) in row for m in state.members)
                assert all(f'href="#{m.anchor}"' in row for m in state.members)
                seen["quiet"] += 1
    assert seen["attention"] and seen["quiet"] and seen.get("steps") and seen.get("evidence"), seen


def _t(report: Report, member: Member) -> TenantSection:
    return next(t for t in report.tenants if t.name == member.tenant)


def test_what_every_reason_of_a_state_says_alike_is_said_once_and_each_reads_back_whole() -> None:
    """The longest run of sentences every group says is cut out once; each reason keeps SAME in its place."""
    common = "Trusted named locations (Head office) are not excluded: the template applies everywhere."
    note = "[advice (CIS 5.2.2.2), not among the selected requirements: shown, never failing]"
    reasons = [
        f"no policy does it (closest: 'A'). {common} {note} [tenant-a]",
        f"no policy does it (closest: 'B'; 'C'). {common} {note} [tenant-b]",
        f"no policy does it. {common} {note}",
    ]
    run, own = shared_run(reasons)
    assert run == f"{common} {note}"
    assert own == [
        f"no policy does it (closest: 'A'). {SAME} [tenant-a]",
        f"no policy does it (closest: 'B'; 'C'). {SAME} [tenant-b]",
        f"no policy does it. {SAME}",
    ]
    assert [o.replace(SAME, run) for o in own] == reasons  # nothing lost
    # nothing long enough in common, or one reason only: left as they are
    assert shared_run(["short. One.", "short. Two."]) == ("", ["short. One.", "short. Two."])
    assert shared_run([reasons[0]]) == ("", [reasons[0]])
    # a run must stand together in every reason: pieces in another order are not shared
    swapped = [f"{common} Middle one here. {note}", f"{note} Middle two here. {common}"]
    assert shared_run(swapped)[0] in ("", common, note)
