"""The HTML report, checked structurally on a real history (the screenshots are in docs/reports.md)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

from scorekeeper import __version__
from scorekeeper.plugin.manager import load_plugins
from scorekeeper.reports import render
from scorekeeper.reports.build import build_report, latest_assessments
from scorekeeper.reports.chart import trend_svg
from scorekeeper.reports.model import Report, ScorePoint, ScoreSeries
from tests.reports.conftest import HOSTILE, History


def _report(history: History, run_ids: list[int]) -> Report:
    return build_report(history.store, run_ids, controls=load_plugins().controls, generator={"scorekeeper": "9.9"})


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def test_single_tenant_report_has_header_summary_and_every_setting(history: History) -> None:
    run_id = history.latest["contoso"]
    report = _report(history, [run_id])
    html = render(report, "html")
    assert f"assess run {run_id}" in html and report.report_id in html
    assert "UTC" in html and "scorekeeper 9.9" in html
    tenant = report.tenants[0]
    assert tenant.display_name == HOSTILE and tenant.primary_domain == "contoso.onmicrosoft.com"  # GET /organization
    assert f"<dt>Primary domain</dt><dd>{tenant.primary_domain}</dd>" in html
    assert "<dt>Tenant</dt><dd>contoso — &lt;script&gt;alert(1)&lt;/script&gt;" in html  # the name, inert
    assert "Not recorded</dt>" not in html and "Name unknown" not in html  # everything in the header was recorded
    versions = report.tenants[0].run.versions
    assert versions and versions["scorekeeper"] == __version__  # what the run used, not the renderer's 9.9
    assert "<dt>Versions at run</dt><dd>" in html and f"scorekeeper {__version__}" in html
    assert "scorekeeper-m365-sspr" in versions and "scorekeeper-m365-sspr " + versions["scorekeeper-m365-sspr"] in html
    assert report.tenants[0].tenant_id and report.tenants[0].tenant_id in html  # the directory the run read
    assert report.tenants[0].run.actor and "Run by</dt>" in html
    for heading in ("Summary", "Since the previous run", "Microsoft changes ahead", "Secure Score trend"):
        assert f"<h2>{heading}</h2>" in html or f"<h3>{heading}</h3>" in html
    rows = [a for t, a in tags(html) if t == "tr" and "data-s" in a]
    assert len(rows) == sum(len(c["findings"]) for c in history.assessed[run_id]["controls"])
    # self-contained: no external stylesheet, script or image
    assert not [a for t, a in tags(html) if t in ("link", "img") or (t == "script" and a.get("src"))]
    assert (
        "prefers-color-scheme:dark" in html
        and "@media print" in html
        and ".print-only{display:block!important}" in html
    )
    assert 'id="filters" class="filters" hidden' in html  # shown only by the script
    # seen in Chromium at 1280 px: without fixed widths the ledger's first column took two thirds
    assert "table.led{table-layout:fixed}" in html and "th{overflow-wrap:normal}" in html
    assert html.count('role="img"') == html.count("<svg") and 'id="chart-title"' not in html  # no repeated ids


def test_exception_attestation_and_full_values(history: History) -> None:
    html = render(_report(history, [history.first["contoso"]]), "html")
    assert re.search(r"Accepted risk until \d{4}-\d{2}-\d{2} \(30 days left\)", html)
    assert "Attested by Ada Admin on" in html and "ticket CHG-1" in html
    # long values are whole (folded), never cut at a few dozen characters, and in words
    assert "password reset enabled group ids: " in html


def test_lists_show_as_added_and_removed_against_desired() -> None:
    from scorekeeper.domain.model import RemediationKind, Status
    from scorekeeper.reports.model import SettingRow
    from scorekeeper.reports.rows import _row

    current = {"excludeApps": ["ManagePermissionGrantsForSelf.microsoft-user-default-low", "Legacy.app"], "on": True}
    desired = {
        "excludeApps": [
            "ManagePermissionGrantsForSelf.microsoft-user-default-low",
            "ManagePermissionGrantsForSelf.microsoft-all-application-permissions-verified",
        ],
        "on": True,
    }
    row = SettingRow("C", "s", "S", Status.FAIL, current, desired, "differs", RemediationKind.AUTOMATED)
    html = _row(row, False, None)
    added = "ManagePermissionGrantsForSelf.microsoft-all-application-permissions-verified"
    assert f'<li class="add">+ exclude apps: {added}</li>' in html
    assert '<li class="rm">− exclude apps: Legacy.app</li>' in html
    assert html.count("ManagePermissionGrantsForSelf.microsoft-user-default-low") == 2  # whole in both values


def test_remediation_ledger_with_verification_and_rollback_command(history: History) -> None:
    html = render(_report(history, [history.remediation_run]), "html")
    assert "<h3>Remediation ledger</h3>" in html
    assert "✔ read back as intended" in html
    assert f"scorekeeper rollback {history.remediation_run}" in html


def test_trend_is_oldest_left_dated_and_tabled(history: History) -> None:
    html = render(_report(history, [history.latest["contoso"]]), "html")
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert (
        re.search(r"<path class=\"pt s0\" d=\"(M\d+ \d+h0)+\"", svg)
        and 'class="max' in svg
        and re.search(r">\d{4}-\d{2}-\d{2}", svg)
    )
    assert "The trend as a table" in html


def test_chart_scale_and_direction() -> None:
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    full = ScoreSeries("A", "A", tuple(ScorePoint(t0 + timedelta(days=d), 8.0, 8.0) for d in range(3)))
    empty = ScoreSeries("B", "B", tuple(ScorePoint(t0 + timedelta(days=d), 0.0, 8.0) for d in range(3)))
    rising = ScoreSeries("C", "C", (ScorePoint(t0, 1.0, 8.0), ScorePoint(t0 + timedelta(days=9), 7.0, 8.0)))
    svg = trend_svg([full, empty, rising])
    lines = re.findall(r'<polyline class="line (s\d)" points="([^"]+)"', svg)
    points = {cls: [tuple(map(float, p.split(","))) for p in pts.split()] for cls, pts in lines}
    assert points["s0"][0][1] < points["s1"][0][1]  # 8 of 8 is drawn above 0 of 8
    first, last = points["s2"]
    assert first[0] < last[0] and first[1] > last[1]  # oldest left, and a rise goes up
    assert "2026-11-01" in svg and "2026-11-10" in svg


def test_fleet_page_ranks_tenants_and_links_their_sections(history: History) -> None:
    report = _report(history, latest_assessments(history.store, ["fabrikam", "contoso"]))
    html = render(report, "html")
    grid = html[html.index('<table class="grid">') : html.index("</table>", html.index('<table class="grid">'))]
    links = re.findall(r'<a href="#(t-[^"]+)">', grid)
    assert links == [t.anchor for t in report.ranked_tenants]
    assert all(f'id="{anchor}"' in html for anchor in links)
    available = [t.points_available for t in report.ranked_tenants]
    assert available == sorted(available, reverse=True)


def test_whole_tenant_secure_score_section(history: History) -> None:
    report = _report(history, [history.latest["contoso"]])
    ss = report.tenants[0].secure_score
    assert ss is not None and ss.current is not None and ss.controls  # recorded by the assessments
    available = [c.available or 0.0 for c in ss.controls]
    assert available == sorted(available, reverse=True)
    html = render(report, "html")
    assert "<h3>The tenant's whole Secure Score</h3>" in html
    assert f"{ss.current:g} / {ss.max_score:g} points" in html
    assert all(c.id in html for c in ss.controls)  # a single-tenant report lists every profile
    assert "scorekeeper plugin sspr" in html  # the profile a plugin covers says so
