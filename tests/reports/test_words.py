"""Reports speak to a person: values in words, Graph's JSON only in the evidence sections."""

from __future__ import annotations

import re

import pytest

from scorekeeper.domain.diff import MISSING
from scorekeeper.plugin.manager import load_plugins
from scorekeeper.reports import render
from scorekeeper.reports.build import build_report
from scorekeeper.reports.values import created_words, field_words, words
from tests.reports.conftest import History

#: The parts of a page that are not read as prose: the evidence (Graph's answer as it was), a
#: plugin's guided steps (which may quote the Graph request that does a step), and the page's
#: own script and style.
_NOT_PROSE = re.compile(
    r'<details class="(?:evidence|steps)">.*?</details>|<pre class="(?:evidence|steps)">.*?</pre>'
    r"|<script.*?</script>|<style.*?</style>",
    re.S,
)
#: "Raw Graph JSON": an object's opening (``{"``), a quoted key (``":``), or a camelCase property
#: name used as a key (``allowedToUseSSPR:``).
RAW_JSON = re.compile(r'\{"|":|\b[a-z]+[A-Z][A-Za-z0-9]*"?\s*:')


def prose(html: str) -> str:
    return _NOT_PROSE.sub("", html)


@pytest.mark.parametrize(
    ("value", "said"),
    [
        (True, "on"),
        (False, "off"),
        (None, "(none)"),
        ([], "(none)"),
        (["email", "mobilePhone"], "email, mobilePhone"),
        ("", "(empty)"),
        (3, "3"),
        (MISSING, "(absent)"),
        ({"allowedToUseSSPR": True, "userIds": []}, "allowed to use SSPR: on; user ids: (none)"),
        ({"policy": {"isEnabled": False}}, "policy: (is enabled: off)"),
    ],
)
def test_words_read_as_a_person_would_say_them(value: object, said: str) -> None:
    assert words(value) == said


def test_a_plugins_wording_wins_for_the_values_it_names() -> None:
    wording = ((True, "anyone may reset"), (1, "one method"))
    assert words(True, wording) == "anyone may reset"
    assert words(1, wording) == "one method"  # 1 == True in Python; the type must match too
    assert words(False, wording) == "off"


def test_field_words_keep_acronyms() -> None:
    assert field_words("isMFARegistrationRequired") == "is MFA registration required"
    assert field_words("notify_admins") == "notify admins"


def test_created_words_name_what_was_created() -> None:
    assert created_words({"type": "group", "id": "g1", "displayName": "SSPR pilot"}) == "created “SSPR pilot” (group)"
    assert created_words({"id": "abc"}) == "created “abc”"


def test_html_after_remediation_has_no_raw_graph_json_outside_evidence(history: History) -> None:
    controls = load_plugins().controls
    for run_id in (history.remediation_run, history.latest["contoso"]):
        report = build_report(history.store, [run_id], controls=controls)
        html = render(report, "html")
        assert 'class="evidence"' in html  # the evidence is still there, whole
        found = RAW_JSON.findall(prose(html))
        assert not found, f"run {run_id}: raw JSON outside the evidence: {found[:5]}"


def test_raw_json_check_catches_json(history: History) -> None:
    """The check above can fail: the same page with a value shown as JSON is caught."""
    assert RAW_JSON.search(prose('<td>{"allowedToUseSSPR":true}</td>'))
    assert RAW_JSON.search(prose("<td>allowedToUseSSPR: on</td>"))
    assert not RAW_JSON.search(prose('<details class="evidence"><pre>{"a": 1}</pre></details>'))


def test_sarif_rules_carry_security_severity_and_one_category_per_tenant(history: History) -> None:
    import json

    controls = load_plugins().controls
    per_tenant = {}
    for tenant in ("contoso", "fabrikam"):
        report = build_report(history.store, [history.latest[tenant]], controls=controls)
        [run] = json.loads(render(report, "sarif"))["runs"]
        per_tenant[tenant] = run["automationDetails"]["id"]
        severities = {r["properties"]["security-severity"] for r in run["tool"]["driver"]["rules"]}
        assert severities and all(0.0 <= float(v) <= 10.0 for v in severities)
        levels = {
            r["properties"].get("level"): r["properties"]["security-severity"] for r in run["tool"]["driver"]["rules"]
        }
        assert levels.get("criterion", "7.5") == "7.5" and levels.get("advice", "2.0") == "2.0"
    assert per_tenant == {"contoso": "scorekeeper/contoso/", "fabrikam": "scorekeeper/fabrikam/"}
    fleet = build_report(history.store, list(history.latest.values()), controls=controls)
    assert json.loads(render(fleet, "sarif"))["runs"][0]["automationDetails"]["id"] == "scorekeeper/fleet/"


def test_first_screen_after_remediation_shows_points_pending_the_refresh(history: History) -> None:
    report = build_report(history.store, [history.latest["contoso"]], controls=load_plugins().controls)
    [tenant] = report.tenants
    html = render(report, "html")
    assert "Points earned (these controls)" in html
    # The simulator's score lags the settings, as Microsoft's does: remediated controls are pending.
    assert tenant.counts.get("pending", 0) > 0 and tenant.pending_points > 0
    card = re.search(r"Pending Microsoft(?:&#39;|')s refresh<b>([0-9.]+)</b>", html)
    assert card is not None and float(card.group(1)) == tenant.pending_points


async def test_a_rolled_back_remediation_says_so_before_anything_else(tmp_path) -> None:
    from scorekeeper.store import HistoryStore
    from scorekeeper.testing import make_engine, simulator_for

    store = HistoryStore.open(str(tmp_path / "h.db"))
    engine = make_engine({"acme": simulator_for("weak-cloud")}, store, tmp_path)
    await engine.assess(["acme"])
    plan_run, plans = await engine.plan("acme")
    remediation = await engine.remediate("acme", plans, parent_run_id=plan_run.run_id)
    html = render(build_report(store, [remediation.run_id], controls=load_plugins().controls), "html")
    assert "Rolled back by run" not in html
    _tenant, back = engine.rollback_plans(remediation.run_id)
    rollback = await engine.rollback(remediation.run_id, back)
    html = render(build_report(store, [remediation.run_id], controls=load_plugins().controls), "html")
    banner = html.index(f"Rolled back by run {rollback.run_id}")
    assert banner < html.index("<h2>Summary</h2>") < html.index('class="chips"', banner)
    store.close()


def test_an_executive_summary_comes_first_in_words(history: History) -> None:
    controls = load_plugins().controls
    report = build_report(history.store, [history.latest["contoso"]], controls=controls)
    [tenant] = report.tenants
    html = render(report, "html")
    summary = re.search(r'<section id="exec".*?</section>', html, re.S)
    assert summary is not None and html.index('id="exec"') < html.index("<h2>Summary</h2>")
    text = re.sub(r"<[^>]+>", "", summary.group(0))
    assert f"{tenant.failing} setting(s) fail" in text and "points earned" in text
    assert "pending Microsoft" in text  # after the remediation, the earned-but-not-counted points
    fleet = render(build_report(history.store, list(history.latest.values()), controls=controls), "html")
    assert "2 tenants." in re.sub(r"<[^>]+>", "", re.search(r'<section id="exec".*?</section>', fleet, re.S).group(0))


def test_drift_against_the_baseline_reads_in_words_with_who() -> None:
    from scorekeeper.reports.build import _drift_line
    from scorekeeper.store.records import DriftEvent

    event = DriftEvent(
        "acme",
        "SelfServicePasswordReset",
        "setting_drifted",
        7,
        6,
        setting="enablement",
        detail={"baseline": {"allowedToUseSSPR": False}, "value": {"allowedToUseSSPR": True}, "who": "eve@acme"},
    )
    line = _drift_line(event)
    assert "allowed to use SSPR: off" in line and "allowed to use SSPR: on" in line and "who: eve@acme" in line
    assert not RAW_JSON.search(line)
