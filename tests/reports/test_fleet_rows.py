"""A fleet report renders a setting row that tenants share once, and exactly as if it were not shared."""

from __future__ import annotations

import re
from dataclasses import replace

from markupsafe import escape

from scorekeeper.plugin.manager import load_plugins
from scorekeeper.reports import render, rows
from scorekeeper.reports.build import build_report, latest_assessments
from scorekeeper.reports.model import Report
from scorekeeper.reports.rows import shared_parts
from scorekeeper.reports.values import pretty
from tests.reports.conftest import History


def _fleet(history: History) -> Report:
    runs = [history.first["contoso"], history.first["fabrikam"], *latest_assessments(history.store, ["fabrikam"])]
    return build_report(
        history.store, runs, controls=load_plugins().controls, generator={"scorekeeper": "t"}, report_id="r"
    )


def _unshared(report: Report) -> Report:
    """The same report with every row its own object (what rendering without sharing would see)."""
    tenants = tuple(
        replace(t, controls=tuple(replace(c, settings=tuple(replace(s) for s in c.settings)) for c in t.controls))
        for t in report.tenants
    )
    return replace(report, tenants=tenants)


def test_equal_findings_share_one_row_and_render_exactly_as_unshared(history: History) -> None:
    report = _fleet(history)
    rows = [s for t in report.tenants for s in t.settings]
    assert len({id(s) for s in rows}) < len(rows)  # fabrikam's two runs share the settings that stayed equal
    assert render(report, "html") == render(_unshared(report), "html")


def test_evidence_alike_wherever_it_appears_is_in_the_catalogue_once_and_linked(history: History) -> None:
    report = _fleet(history)
    shared = {key: part for key, part in shared_parts(report).items() if part.evidence}
    assert shared, "the sample fleet has evidence that reads the same in every tenant that has it"
    html = render(report, "html")
    catalogue = html[html.index('<details id="cat">') : html.index("</details>\n</section>")]
    for (control, setting), part in shared.items():
        text = pretty(part.evidence)
        shown = str(escape(text))  # as the catalogue (Jinja) writes it: under each setting that has it
        assert shown in catalogue and html.count(shown) == catalogue.count(shown), (control, setting)
        assert html.count(rows.esc(text)) == 0  # and in no tenant's row (rows.esc)
        with_it = [s for t in report.tenants for s in t.settings if (s.control, s.setting) == (control, setting)]
        assert any(set(part.evidence) <= set(s.evidence) for s in with_it)
    linked = re.findall(r"<a href=\"#cat\">[^<]*shared evidence</a>", html)
    assert linked  # each row whose evidence moved says where it went


def test_values_rendered_once_per_text_read_as_when_rendered_each_time(history: History) -> None:
    """The per-render memo of folded values and differences changes nothing in the page."""
    report = _fleet(history)
    once = rows.SettingRows(report)
    for tenant in report.tenants:
        for control in tenant.controls:
            alone = "".join(
                rows._row(s, report.fleet, once.shared.get((s.control, s.setting)), None) for s in control.by_status
            )
            assert str(once(control)) == alone, (tenant.name, control.id)
    assert once._memo, "the sample fleet repeats folded values"


def test_a_fleet_names_each_settings_level_once_in_the_catalogue(history: History) -> None:
    """The level is the plugin's declaration, alike in every tenant: in a fleet once per setting, not per row."""
    report = _fleet(history)
    html = render(report, "html")
    catalogue = html[html.index('<details id="cat">') : html.index("</details>\n</section>")]
    settings = {(c.id, s.setting) for t in report.tenants for c in t.controls for s in c.settings}
    with_level = [s for t in report.tenants for s in t.settings if s.level is not None]
    assert with_level, "the installed plugins declare levels"
    assert catalogue.count('<span class="lvl ') == len({(s.control, s.setting) for s in with_level}) <= len(settings)
    assert html.count('<span class="lvl ') == catalogue.count('<span class="lvl ')  # none in the rows
    single = render(build_report(history.store, [history.first["contoso"]], controls=load_plugins().controls), "html")
    assert single.count('<span class="lvl ') == sum(s.level is not None for s in report.tenants[0].settings)


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
