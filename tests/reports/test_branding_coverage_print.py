"""Issue 28/29's last report items: the operator's name and logo, coverage, and a short printed report."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path

import pytest

from scorekeeper.config.model import LOGO_MAX_BYTES, Config, parse_config
from scorekeeper.domain.coverage import category_line, coverage_line, fleet_totals, judge_coverage
from scorekeeper.errors import ConfigError
from scorekeeper.plugin.manager import load_plugins
from scorekeeper.reports import render
from scorekeeper.reports.branding import branding_of
from scorekeeper.reports.build import build_report
from scorekeeper.reports.model import Branding, Report
from scorekeeper.securescore.history import secure_score_overviews
from tests.conftest import Result
from tests.reports.conftest import History

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"></svg>'


def _report(history: History, run_ids: list[int], branding: Branding | None = None) -> Report:
    return build_report(history.store, run_ids, controls=load_plugins().controls, branding=branding)


def _config(tmp_path: Path, reports: dict[str, object]) -> Config:
    return parse_config({"reports": reports}, tmp_path / "scorekeeper.toml", data_dir=tmp_path)


def _problems(tmp_path: Path, reports: dict[str, object]) -> str:
    with pytest.raises(ConfigError) as raised:
        _config(tmp_path, reports)
    return str(raised.value)


# ------------------------------------------------------------------ [reports] configuration
def test_operator_and_logo_are_in_the_header_summary_and_footer(history: History, tmp_path: Path) -> None:
    (tmp_path / "logo.png").write_bytes(PNG)
    config = _config(tmp_path, {"operator": "Contoso MSP", "logo": "logo.png"})  # relative to the config file
    branding = branding_of(config.reports)
    html = render(_report(history, [history.latest["contoso"]], branding), "html")

    header = html.split("</header>")[0]
    assert '<span class="operator">Contoso MSP</span>' in header
    src = re.search(r'<img class="logo" src="data:image/png;base64,([^"]+)"', header)
    assert src is not None and base64.b64decode(src.group(1)) == PNG  # embedded: the file stays one file
    summary = html.split('<section id="exec"')[1].split("</section>")[0]
    assert "Prepared by Contoso MSP" in summary
    assert "Report by Contoso MSP" in html.split("<footer")[1]
    assert "Prepared by Contoso MSP" in render(_report(history, [history.latest["contoso"]], branding), "md")
    document = json.loads(render(_report(history, [history.latest["contoso"]], branding), "json"))
    assert document["operator"] == "Contoso MSP" and document["schema_version"] == "1.4"


def test_svg_logo_is_embedded_with_its_type(tmp_path: Path) -> None:
    (tmp_path / "logo.svg").write_bytes(SVG)
    branding = branding_of(_config(tmp_path, {"logo": str(tmp_path / "logo.svg")}).reports)
    assert branding.logo.startswith("data:image/svg+xml;base64,")
    assert branding.operator == ""


def test_without_reports_section_the_report_names_no_operator(history: History) -> None:
    html = render(_report(history, [history.latest["contoso"]]), "html")
    assert 'class="brand"' not in html and "Prepared by" not in html


def test_logo_problems_are_one_line_naming_the_key(tmp_path: Path) -> None:
    (tmp_path / "logo.gif").write_bytes(b"GIF89a")
    (tmp_path / "fake.png").write_bytes(b"not a png at all")
    (tmp_path / "big.png").write_bytes(PNG + b"\x00" * LOGO_MAX_BYTES)
    cases = {
        "missing.png": "cannot read",
        "logo.gif": "is not a .png, .jpg, .jpeg or .svg file",
        "fake.png": "does not hold image/png data",
        "big.png": "a logo may be at most 512 KB",
    }
    for logo, expected in cases.items():
        text = _problems(tmp_path, {"logo": logo})
        assert "reports.logo: " in text and expected in text, text
        assert len(text.splitlines()) == 1


def test_unknown_reports_key_is_refused(tmp_path: Path) -> None:
    assert "reports.operater" in _problems(tmp_path, {"operater": "Contoso MSP"})


# ------------------------------------------------------------------ coverage
def test_coverage_card_and_column_say_what_domain_coverage_judges(history: History) -> None:
    controls = load_plugins().controls
    report = _report(history, [history.latest["contoso"]])
    overview = secure_score_overviews(history.store, ["contoso"])["contoso"]
    newest = history.store.latest_run_ids(["contoso"])["contoso"]
    statuses = history.store.finding_statuses([newest])[newest]  # guided settings judged by the tenant's findings
    expected = judge_coverage(overview.controls, controls, statuses=statuses)  # the one judgement, independently
    assert report.tenants[0].coverage == expected
    totals = expected.totals
    assert totals.covered > 0 and totals.automated > 0
    html = render(report, "html")
    line = (
        f"plugins cover {totals.covered:g} of {totals.points:g} points; "
        f"automated remediation covers {totals.automated:g}"
    )
    if totals.not_applicable:  # the risk policies: this tenant holds no P2
        line += f" ({totals.not_applicable:g} more where its settings do not apply here, usually for a licence)"
    assert line == coverage_line(totals)  # the one wording score and the dashboard use
    document = json.loads(render(report, "json"))  # machines read the same judgement
    assert document["tenants"][0]["coverage"] == json.loads(json.dumps(expected.to_dict()))
    assert document["coverage"] == totals.to_dict()
    import jsonschema

    schema = Path(__file__).parents[2] / "docs" / "report-schema.json"
    jsonschema.validate(document, json.loads(schema.read_text()))
    assert html.count(line) == 2  # the executive summary and the coverage card
    assert f"Secure Score coverage: {line}" in render(report, "md")
    identity = expected.by_category["Identity"]
    assert category_line("Identity", identity) in html  # the one wording score prints too
    if identity.not_applicable:
        assert f"({identity.not_applicable:g} more n/a here)" in category_line("Identity", identity)
    assert "<th>Remediation</th>" in html
    words = {"automated": "automated", "guided": "guided", "assess-only": "read", "not-applicable": "n/a here"}
    profiles = html.split('<table class="sum prof">')[1].split("</table>")[0]
    for judged in expected.controls:
        row = re.search(rf"<code>{re.escape(judged.id)}</code>.*?</tr>", profiles)
        assert row is not None
        if judged.remediation is None:
            assert row.group(0).endswith('<td><span class="muted">—</span></td></tr>')
        else:
            assert row.group(0).endswith(f"<td>{words[judged.remediation.value]}</td></tr>")


def test_fleet_report_shows_fleet_totals(history: History) -> None:
    controls = load_plugins().controls
    tenants = ["contoso", "fabrikam"]
    report = _report(history, [history.latest[t] for t in tenants])
    overviews = secure_score_overviews(history.store, tenants)
    newest = history.store.latest_run_ids(tenants)
    statuses = history.store.finding_statuses(newest.values())
    totals = fleet_totals(
        judge_coverage(o.controls, controls, statuses=statuses[newest[t]]) for t, o in overviews.items()
    )
    html = render(report, "html")
    assert f"Fleet coverage: {coverage_line(totals)}." in html
    assert f"automated remediation covers {totals.automated:g}" in coverage_line(totals)


# ------------------------------------------------------------------ print
def _print_css() -> str:
    css = files("scorekeeper.reports").joinpath("templates", "report.css").read_text(encoding="utf-8")
    blocks = re.findall(r"@media print\{(.*?)\n\}", css, re.S)
    return "\n".join(blocks)


def test_print_stylesheet_hides_evidence_tables_and_charts_and_shows_the_words() -> None:
    css = _print_css()
    hidden = ",".join(re.findall(r"([^\n{}]*)\{display:none!important\}", css)).replace(" ", "").split(",")
    for selector in (".evidence", "article[data-c]", ".chart", ".print-omit", ".steps"):
        assert selector in hidden
    assert ".print-only{display:block!important}" in css
    assert "details-content" not in css  # folded values print as their one-line summary, never opened
    script = files("scorekeeper.reports").joinpath("templates", "report.js").read_text(encoding="utf-8")
    assert "beforeprint" not in script


def test_printed_settings_are_words_without_evidence(history: History) -> None:
    report = _report(history, [history.latest["contoso"]])
    html = render(report, "html")
    printed = html.split('<section class="print-only">')[1].split("</section>")[0]
    assert "evidence" not in printed and "<table" not in printed and "<details" not in printed
    tenant = report.tenants[0]
    for control in tenant.controls:
        quiet = sum(
            s.status.value in ("pass", "not_applicable") and not s.excepted and s.attestation is None
            for s in control.settings
        )
        if quiet:
            assert f"{quiet} other setting(s) pass or do not apply." in printed
    acting = [s for s in tenant.settings if s.failing or s.staged or s.advice]
    assert acting
    for s in acting:
        assert f"<b>{s.title}</b>" in printed or s.title not in html  # titles with markup come out escaped
    attested = [s for s in tenant.settings if s.attestation]
    for s in attested:
        assert f"attested by {s.attestation.by}" in printed  # type: ignore[union-attr]


# ------------------------------------------------------------------ through the CLI
def test_report_command_brands_the_file_and_refuses_a_bad_logo_in_one_line(
    run: Callable[..., Result], home: Path
) -> None:
    (home / "logo.svg").write_bytes(SVG)
    (home / "scorekeeper.toml").write_text('[reports]\noperator = "Fabrikam IT"\nlogo = "logo.svg"\n')
    assert run("assess", "--tenant", "demo", "--json").code in (0, 1, 3)
    written = run("report", "--tenant", "demo", "-o", "r.html")
    assert written.code == 0, written.err
    html = (home / "r.html").read_text()
    assert '<span class="operator">Fabrikam IT</span>' in html and 'src="data:image/svg+xml;base64,' in html

    (home / "scorekeeper.toml").write_text('[reports]\nlogo = "logo.bmp"\n')
    refused = run("report", "--tenant", "demo", "-o", "r2.html")
    assert refused.code == 2
    assert "reports.logo:" in refused.err and "Traceback" not in refused.err
    assert len(refused.err.strip().splitlines()) == 1
    assert not (home / "r2.html").exists()
