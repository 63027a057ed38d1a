"""Guidance that closes: each guided item names the command that records it, and an attestation shows.

The loop this guards against (issue 28): the plan said "attest helpdesk_link", attest refused
("automated: remediate"), remediate had nothing to do without the configured helpdesk address.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from rich.console import Console

from scorekeeper.cli.render import VERIFICATION_WORDS, closing_commands, print_plans
from scorekeeper.domain.model import Control, Plan, PlanItem, RemediationKind, Setting, Verification

CONTROL = Control(
    "SelfServicePasswordReset",
    "SSPR",
    (
        Setting("helpdesk_link", "Customise the helpdesk link", RemediationKind.AUTOMATED),
        Setting("phone_retirement", "Users keep a method", RemediationKind.GUIDED),
    ),
)


def printed(plan: Plan) -> str:
    out = Console(width=200, record=True)
    print_plans(out, [plan], controls={CONTROL.id: CONTROL})
    return out.export_text()


def test_a_guided_step_of_an_automated_setting_leads_to_config_and_remediate_never_attest() -> None:
    item = PlanItem("helpdesk_link", {}, {}, RemediationKind.GUIDED, title="Customise the helpdesk link")
    text = printed(Plan("acme", CONTROL.id, (item,)))
    assert "in [controls.SelfServicePasswordReset] of the configuration, then: scorekeeper remediate" in text
    assert "--tenant acme --control SelfServicePasswordReset --setting helpdesk_link" in text
    assert "attest" not in text


def test_a_guided_setting_names_the_whole_attest_command() -> None:
    item = PlanItem("phone_retirement", {}, {}, RemediationKind.GUIDED, title="Users keep a method")
    text = printed(Plan("acme", CONTROL.id, (item,)))
    assert "scorekeeper attest --tenant acme --control SelfServicePasswordReset --setting phone_retirement --by" in text
    assert closing_commands("acme", CONTROL.id, "phone_retirement", attestable=True)[0] in text


def test_the_read_back_is_worded_for_a_person() -> None:
    assert VERIFICATION_WORDS[Verification.STUCK] == "confirmed"
    assert VERIFICATION_WORDS[Verification.NOT_STUCK] == "did not take effect"
    assert set(VERIFICATION_WORDS) == set(Verification)


def finding(document: dict, setting: str) -> dict:
    return next(f for c in document["controls"] for f in c["findings"] if f["setting"] == setting)


def test_an_attested_guided_setting_passes_in_assess_and_leaves_the_plan(run: Callable) -> None:
    args = ("--tenant", "demo", "--control", "SelfServicePasswordReset")
    before = finding(json.loads(run("assess", *args, "--json").out), "phone_retirement")
    assert before["status"] != "pass"
    recorded = run("attest", *args, "--setting", "phone_retirement", "--by", "Ada Admin", "--note", "ticket 42")
    assert recorded.code == 0, recorded.err
    after = finding(json.loads(run("assess", *args, "--json").out), "phone_retirement")
    assert after["status"] == "pass"
    assert after["reason"].startswith("attested by Ada Admin on ") and "ticket 42" in after["reason"]
    planned = json.loads(run("plan", *args, "--json").out)
    assert "phone_retirement" not in [i["setting"] for c in planned["controls"] for i in c["items"]]
