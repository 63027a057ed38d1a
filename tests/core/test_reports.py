"""Reports render every finding, change and score from a run, escaping what a tenant returned."""

from __future__ import annotations

from datetime import UTC, datetime

from scorekeeper.model import (
    Change,
    ControlResult,
    Finding,
    Outcome,
    RemediationKind,
    RunResult,
    SecureScore,
    Status,
)
from scorekeeper.reports import render_report

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def sample_run() -> RunResult:
    findings = (
        Finding("Ctl", "a", Status.PASS, current=True, desired=True, reason="on", title="Setting A"),
        Finding("Ctl", "b", Status.FAIL, current="<script>x</script>", desired="y", reason="differs | badly"),
        Finding(
            "Ctl",
            "c",
            Status.MANUAL,
            reason="no API",
            remediation=RemediationKind.GUIDED,
            steps=("1. Open the portal.",),
        ),
    )
    changes = (Change("b", before="old", after="y", outcome=Outcome.APPLIED, id=7),)
    control = ControlResult("Ctl", "A control", findings, changes, SecureScore("Ctl", 0.5, 1.0, T0))
    return RunResult(12, "contoso", "remediate", (control,), T0, T0)


def test_html_report_has_every_finding_and_escapes_tenant_values() -> None:
    html = render_report(
        sample_run(), "html", score_history={"Ctl": [SecureScore("Ctl", 0.5, 1.0), SecureScore("Ctl", 0.0, 1.0)]}
    )
    assert "Remediate run 12 — tenant contoso" in html
    assert "0.5 / 1" in html
    assert "&lt;script&gt;" in html and "<script>x" not in html
    assert "1. Open the portal." in html
    assert "<polyline" in html  # the trend of two snapshots
    for status in ("✔ pass", "✘ fail", "✋ manual"):
        assert status in html


def test_markdown_report_is_a_valid_table() -> None:
    md = render_report(sample_run(), "md")
    rows = [line for line in md.splitlines() if line.startswith(("| `", "| 7 |"))]
    assert len(rows) == 4  # three findings and one change
    assert "| 7 | `b` | `old` | `y` | applied |" in md
    assert "differs \\| badly" in md
    assert all(row.count(" | ") >= 4 for row in rows)


def test_json_report_is_the_run() -> None:
    import json

    data = json.loads(render_report(sample_run(), "json"))
    assert data["run_id"] == 12 and data["controls"][0]["changes"][0]["before"] == "old"
