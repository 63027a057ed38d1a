"""`assess` names the baselines behind each setting (issue 29): in text when it fails, in --json always."""

from __future__ import annotations

from collections.abc import Callable

from scorekeeper.domain.levels import selects
from scorekeeper.plugin.manager import load_plugins

from .contract import validated


def test_assess_json_gives_every_installed_setting_its_level_and_baselines(run: Callable) -> None:
    declared = load_plugins().controls
    result = run("assess", "--tenant", "demo", "--json")
    assert result.code == 3, result.err
    assessed = validated("assess", result.out)
    seen = 0
    for control in assessed["controls"]:
        for finding in control["findings"]:
            setting = declared[control["control"]].setting(finding["setting"])
            assert finding["level"] == setting.level.value
            assert finding["baselines"] == list(setting.baselines)
            seen += 1
    assert seen
    cisa = [
        (c["control"], f["setting"])
        for c in assessed["controls"]
        for f in c["findings"]
        if f["status"] in ("fail", "advice") and any(b.startswith("CISA ") for b in f["baselines"])
    ]
    assert ("BlockLegacyAuthentication", "ca_policy") in cisa
    # what a user selecting "CISA" in [remediation] requirements gets to fail the tenant
    failing = next(
        f for c in assessed["controls"] for f in c["findings"] if c["control"] == "BlockLegacyAuthentication"
    )
    assert selects(["CISA"], declared["BlockLegacyAuthentication"].setting("ca_policy").level, failing["baselines"])


def _reason(out: str, setting: str) -> str:
    """The reason cell of ``setting``'s row, its folded lines joined: the table's third column."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"│ {setting} "))
    cells: list[str] = []
    for line in lines[start:]:
        parts = line.split("│")
        if len(parts) < 4 or (cells and parts[1].strip()):  # the table's end, or the next setting's row
            break
        cells.append(parts[3].strip())
    return " ".join(cells)


def test_assess_text_tags_a_failing_setting_with_its_baselines(run: Callable) -> None:
    result = run("assess", "--tenant", "demo", "--control", "PWAgePolicyNew")
    assert result.code == 3, result.err
    assert _reason(result.out, "password_expiry").endswith("[CISA MS.AAD.6.1v1, CIS M365 1.3.1]")
    assert "[" not in _reason(result.out, "secure_score")  # a setting no baseline cites gets no tag
