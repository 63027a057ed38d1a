"""`score set-state`: planned, confirmed, recorded before the write, verified, rolled back, refused."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from scorekeeper.simulator import Simulator
from scorekeeper.store import HistoryStore

from .conftest import Served

CONTROLS = ("DLPEnabled", "IRMEnabled", "AnonymousCalendar")


def _effective(sim: Simulator) -> dict[str, tuple[str, str, str]]:
    """Each control profile's newest state update (state, comment, assignedTo)."""
    out = {}
    for profile in sim.tenant(sim.tenant_id).state["secureScoreControlProfiles"]:
        updates = profile["controlStateUpdates"]
        last = updates[-1] if updates else {}
        out[profile["id"]] = (last.get("state", "Default"), last.get("comment", ""), last.get("assignedTo", ""))
    return out


def _set(run: Callable, *args: str) -> dict:
    result = run("score", "set-state", *args, "--json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_several_controls_are_set_verified_recorded_and_rolled_back_exactly(
    served: Served, run: Callable, home: Path
) -> None:
    (home / "scorekeeper.toml").write_text(served.config("lab"))
    sim = served.sim
    before = _effective(sim)
    sim.mark()
    args = [f"--control={c}" for c in CONTROLS]
    done = _set(
        run,
        "--tenant",
        "lab",
        *args,
        "--state",
        "thirdParty",
        "--reason",
        "Reseller DLP (MSP-42)",
        "--assigned-to",
        "secops@contoso.com",
        "--yes",
    )
    [one] = done["runs"]
    assert one["status"] == "completed" and {c["setting"] for c in one["changes"]} == set(CONTROLS)
    assert all(c["outcome"] == "applied" for c in one["changes"])
    assert all(f["status"] == "pass" for f in one["verification"])  # read back
    after = _effective(sim)
    assert {c: after[c] for c in CONTROLS} == dict.fromkeys(
        CONTROLS, ("ThirdParty", "Reseller DLP (MSP-42)", "secops@contoso.com")
    )
    patches = [r for r in sim.writes() if r.method == "PATCH"]
    assert len(patches) == 3 and all(r.body["vendorInformation"]["provider"] == "SecureScore" for r in patches)
    assert {r.body["state"] for r in patches} == {"ThirdParty"}

    # History: who changed what and why (before → after, the reason as the comment), before the write.
    store = HistoryStore.open(str(home / "data" / "history.db"))
    try:
        recorded = store.get_run(one["run_id"])
        assert recorded is not None and recorded.kind == "remediate"
        by = {c.setting: c for c in recorded.changes}
        assert by["DLPEnabled"].before == {"state": "Default", "comment": "", "assignedTo": ""}
        assert by["DLPEnabled"].after["comment"] == "Reseller DLP (MSP-42)"
    finally:
        store.close()
    shown = json.loads(run("history", str(one["run_id"]), "--json").out)
    comments = {c["setting"]: c["after"]["comment"] for ctl in shown["controls"] for c in ctl["changes"]}
    assert comments == dict.fromkeys(CONTROLS, "Reseller DLP (MSP-42)")
    assert "by " in run("history", str(one["run_id"])).out.splitlines()[1]  # who: OS user and token identity

    rolled = run("rollback", str(one["run_id"]), "--yes", "--json")
    assert rolled.code == 0, rolled.err
    assert _effective(sim) == before  # every control back to its state, comment and assignee
    # Microsoft keeps every update: the only difference left is the history of state updates.
    assert {c.path.rsplit(".", 1)[-1] for c in sim.state_diff()} <= {"controlStateUpdates"}


def test_a_token_without_the_write_permission_is_refused_naming_it(served: Served, run: Callable, home: Path) -> None:
    (home / "scorekeeper.toml").write_text(served.config("lab", roles=["SecurityEvents.Read.All"]))
    refused = run(
        "score",
        "set-state",
        "--tenant",
        "lab",
        "--control",
        "DLPEnabled",
        "--state",
        "ignored",
        "--reason",
        "accepted",
        "--yes",
    )
    assert refused.code == 1 and "SecurityEvents.ReadWrite.All" in refused.err
    assert "Traceback" not in refused.err
    assert [r for r in served.sim.writes() if r.method == "PATCH"] == []


def test_one_confirmation_for_several_tenants_and_bad_input_is_one_line(run: Callable, home: Path) -> None:
    (home / "scorekeeper.toml").write_text(
        f'[tenants.a]\nsimulator = true\nprofile = "weak-cloud"\nstate = "{home / "a.json"}"\n'
        f'[tenants.b]\nsimulator = true\nprofile = "hardened"\nstate = "{home / "b.json"}"\n'
        '[groups.msp]\ntenants = ["a", "b"]\n'
    )
    done = _set(
        run, "--group", "msp", "--control", "DLPEnabled", "--state", "reviewed", "--reason", "quarterly review", "--yes"
    )
    assert [r["tenant"] for r in done["runs"]] == ["a", "b"] and all(r["status"] == "completed" for r in done["runs"])
    asked = run(
        "score", "set-state", "--group", "msp", "--control", "DLPEnabled", "--state", "ignored", "--reason", "x"
    )
    assert asked.code == 2 and "without confirmation" in asked.err  # not a terminal: nothing written
    unknown = run(
        "score",
        "set-state",
        "--tenant",
        "a",
        "--control",
        "NoSuchControl",
        "--state",
        "ignored",
        "--reason",
        "x",
        "--yes",
    )
    assert unknown.code == 2 and "NoSuchControl" in unknown.err and len(unknown.err.strip().splitlines()) == 1
    bad = run("score", "set-state", "--tenant", "a", "--control", "DLPEnabled", "--state", "resolved", "--reason", "x")
    assert bad.code == 2
    states = {c["id"]: c["state"] for c in json.loads(run("score", "--tenant", "a", "--json").out)["controls"]}
    assert states["DLPEnabled"]["state"] == "Reviewed" and states["DLPEnabled"]["comment"] == "quarterly review"
