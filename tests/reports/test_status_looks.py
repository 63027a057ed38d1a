"""The one table of how statuses, impacts, stages and levels read (domain/display.py), as every front end uses it."""

from __future__ import annotations

from scorekeeper import Affected, Harm, Impact, Level, Stage
from scorekeeper.domain.display import (
    STATUS_LOOK,
    STATUS_ORDER,
    TERMINAL_STYLE,
    Tone,
    impact_line,
    impact_lines,
    level_label,
    stage_moved_to,
    status_label,
    status_rank,
)
from scorekeeper.domain.model import Finding, Status
from scorekeeper.reports.rows import status_css
from scorekeeper.tui.format import STATUS_VARIABLE, TONE_VARIABLE

STAGE = Stage(("report-only", "enabled"), 0, next_desired="enabled", needs="7 days of sign-in results")


def test_every_status_has_one_look_and_every_front_end_a_colour_for_it() -> None:
    assert set(STATUS_LOOK) == set(Status)  # a new status cannot be forgotten
    assert set(TERMINAL_STYLE) == set(Tone) == set(TONE_VARIABLE)
    assert set(STATUS_VARIABLE) == set(Status)
    css = status_css()
    for status, look in STATUS_LOOK.items():
        assert look.glyph == status.symbol
        assert f"tr[data-s={status.value}]>td:nth-child(2){{color:var(--t-{look.tone.value})}}" in css
    assert [s for s, look in STATUS_LOOK.items() if look.failure] == [Status.FAIL]  # only fail fails


def test_advice_and_staged_sort_after_every_failure_and_before_passes() -> None:
    order = list(STATUS_ORDER)
    assert order[:4] == [Status.FAIL, Status.ERROR, Status.UNKNOWN, Status.MANUAL]
    assert max(status_rank(s) for s in order[:4]) < status_rank(Status.STAGED) < status_rank(Status.ADVICE)
    assert status_rank(Status.ADVICE) < status_rank(Status.PASS) < status_rank(Status.NOT_APPLICABLE)


def test_status_label_of_a_staged_setting_carries_its_stage_line() -> None:
    assert status_label(Status.STAGED) == "◐ staged"
    assert (
        status_label(Status.STAGED, STAGE)
        == "◐ staged: report-only → enabled; next stage needs 7 days of sign-in results"
    )
    assert status_label("advice") == "ℹ advice" and status_label(Status.NOT_APPLICABLE) == "– not applicable"


def test_impact_lines_name_people_up_to_a_limit_and_say_what_makes_it_safe() -> None:
    people = tuple(Affected(str(n), f"u{n}@x.example", detail="loses phone\x1b[31m") for n in range(7))
    impact = Impact(
        "7 users lose their last method", Harm.LOCKS_OUT, people, "enable Sms", ("userRegistrationDetails",)
    )
    lines = impact_lines(impact, limit=3)
    assert lines == [
        "⚠ locks out: 7 users lose their last method",
        "  u0@x.example — loses phone[31m",  # the escape character is removed, the rest is inert text
        "  u1@x.example — loses phone[31m",
        "  u2@x.example — loses phone[31m",
        "  … and 4 more",
        "To make it safe: enable Sms",
        "Computed from: userRegistrationDetails",
    ]
    assert impact_lines(impact, accepted=True)[0].startswith("⚠ locks out (accepted by [remediation] accept_impact)")
    assert impact_lines(Impact("nobody", Harm.NONE), accepted=True) == ["no harm: nobody"]  # only blocking is accepted
    assert (
        impact_line(impact, limit=2)
        == "⚠ locks out: 7 users lose their last method: u0@x.example, u1@x.example and 5 more"
    )
    device = Impact("1 device", Harm.DEGRADES, (Affected("d", "PC-1", kind="device"),))
    assert impact_lines(device)[1] == "  PC-1 (device)"


def test_level_labels_name_the_baselines() -> None:
    assert level_label(Level.CRITERION) == "criterion"
    assert level_label("criterion", ("CIS M365 5.2.4.1",)) == "criterion (also CIS M365 5.2.4.1)"
    assert level_label(Level.BASELINE, ("CISA MS.AAD.3.5v2", "CIS M365 5.2.3.7")) == (
        "baseline: CISA MS.AAD.3.5v2, CIS M365 5.2.3.7"
    )
    assert level_label(Level.ADVICE) == "advice"


def test_the_stage_a_change_moved_to() -> None:
    staged = Finding("C", "s", Status.STAGED, stage=STAGE)
    starting = Finding("C", "s", Status.FAIL, stage=STAGE)  # a rollout that starts: its first stage
    assert stage_moved_to(staged) == "enabled" and stage_moved_to(starting) == "report-only"
    assert stage_moved_to(Finding("C", "s", Status.FAIL)) is None
