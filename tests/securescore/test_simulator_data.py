"""Every simulated profile carries a whole, consistent Secure Score built from the package's data files."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from scorekeeper.simulator import Simulator
from scorekeeper.simulator.profiles import profile_names
from scorekeeper.simulator.securescore import catalogue, history, sources, status_for

SSPR, PWAGE = "SelfServicePasswordReset", "PWAgePolicyNew"


def _state(profile: str) -> dict:
    sim = Simulator.from_profiles(profile, extensions=[])
    return sim.tenant(sim.tenant_id).state


def test_the_catalogue_has_forty_real_controls_of_every_category_each_with_a_documented_source() -> None:
    rows = catalogue()
    assert len(rows) >= 40 and len({r["id"] for r in rows}) == len(rows)
    assert {"Identity", "Data", "Device", "Apps"} <= set(Counter(r["controlCategory"] for r in rows))
    assert {r["source"] for r in rows} <= set(sources())
    assert all(r["maxScore"] > 0 and r["title"] and r["service"] for r in rows)


@pytest.mark.parametrize("profile", profile_names())
def test_every_profile_scores_every_control_with_consistent_totals_and_90_days(profile: str) -> None:
    state = _state(profile)
    profiles = state["secureScoreControlProfiles"]
    maxima = {p["id"]: p["maxScore"] for p in profiles}
    assert {r["id"] for r in catalogue()} <= set(maxima)
    days = history(state)
    assert len(days) == 90
    assert [date.fromisoformat(d["createdDateTime"][:10]) for d in days] == sorted(
        {date.fromisoformat(d["createdDateTime"][:10]) for d in days}, reverse=True
    )
    for day in days:
        assert {c["controlName"] for c in day["controlScores"]} == set(maxima)
        assert day["currentScore"] == pytest.approx(sum(c["score"] for c in day["controlScores"]))
        assert day["maxScore"] == pytest.approx(sum(maxima.values()))
        assert all(0 <= c["score"] <= maxima[c["controlName"]] for c in day["controlScores"])
    assert days[-1]["currentScore"] <= days[0]["currentScore"]  # the tenant was hardened over time


@pytest.mark.parametrize(("profile", "sspr", "pwage"), [("weak-cloud", 0.0, 0.0), ("hardened", 1.0, 8.0)])
def test_plugin_controls_keep_the_scores_their_plugins_assess(profile: str, sspr: float, pwage: float) -> None:
    today = {c["controlName"]: c["score"] for c in _state(profile)["secureScores"][0]["controlScores"]}
    assert (today[SSPR], today[PWAGE]) == (sspr, pwage)
    for day in history(_state(profile)):  # constant over history: the plugins' view never contradicts it
        scores = {c["controlName"]: c["score"] for c in day["controlScores"]}
        assert (scores[SSPR], scores[PWAGE]) == (sspr, pwage)


def test_every_profile_resolves_a_status_and_refresh_keeps_the_total_the_sum() -> None:
    for name in profile_names():
        assert 0.0 <= status_for(name)["default"] <= 1.0
    named = {"weak-cloud", "hybrid-writeback-off", "o365-only", "large", "hardened", "modern-cloud"}
    assert named <= set(profile_names())  # each of these has its own entry in profiles.json
    sim = Simulator.from_profiles("weak-cloud", extensions=[])
    state = sim.tenant(sim.tenant_id).state
    state["portal"]["passwordResetPolicies"]["enablementType"] = 2
    latest = sim.refresh_secure_score()
    assert latest["currentScore"] == pytest.approx(sum(c["score"] for c in latest["controlScores"]))
    assert history(state)[0]["id"] == latest["id"] and len(history(state)) == 90
    assert sim.state_diff() == [] or all(c.path.startswith(("secureScores", "portal")) for c in sim.state_diff())


def test_recorded_control_states_carry_who_and_why() -> None:
    profiles = {p["id"]: p for p in _state("weak-cloud")["secureScoreControlProfiles"]}
    [update] = profiles["MDMAlphaPW"]["controlStateUpdates"]
    assert update["state"] == "ThirdParty" and update["updatedBy"] == "admin@contoso.onmicrosoft.com"
    assert profiles["DLPEnabled"]["controlStateUpdates"] == []


async def test_control_state_updates_round_trip_through_the_sdk_models() -> None:
    from msgraph.generated.models.secure_score_control_profile import SecureScoreControlProfile
    from msgraph.generated.models.security_vendor_information import SecurityVendorInformation

    from tests.simulator.test_behaviour import graph_client

    sim = Simulator.from_profiles("weak-cloud", extensions=[])
    graph = graph_client(sim)
    builder = graph.security.secure_score_control_profiles.by_secure_score_control_profile_id("DLPEnabled")
    # The update page's body fields (assignedTo, comment, state) are not properties of the SDK's
    # model: they travel in additional_data beside the modelled vendorInformation.
    body = SecureScoreControlProfile(
        vendor_information=SecurityVendorInformation(provider="SecureScore", vendor="Microsoft"),
        additional_data={"assignedTo": "secops@contoso.com", "comment": "DLP by the reseller", "state": "ThirdParty"},
    )
    await builder.patch(body)
    profile = await builder.get()
    [update] = profile.control_state_updates
    assert (update.state, update.comment, update.assigned_to) == (
        "ThirdParty",
        "DLP by the reseller",
        "secops@contoso.com",
    )
    assert update.updated_by and update.updated_date_time is not None
    listed = await graph.security.secure_score_control_profiles.get()
    assert len(listed.value) == len(catalogue()) and not any(p.additional_data for p in listed.value)
    scores = await graph.security.secure_scores.get()
    assert len(scores.value) == 90 and scores.value[0].current_score == pytest.approx(
        sum(c.score for c in scores.value[0].control_scores)
    )


def test_days_read_one_at_a_time_or_by_slice_are_the_days_of_the_whole_history() -> None:
    """``$top=1`` expands one day, not ninety; whatever is read, it is what the full expansion holds."""
    sim = Simulator.from_profiles("weak-cloud", extensions=[])
    state = sim.tenant(sim.tenant_id).state
    sim.refresh_secure_score()  # an explicit day besides the trend's
    days = history(state)
    whole = list(days)
    assert len(whole) == len(days) == 90 and len({d["id"] for d in whole}) == 90
    assert days[0] is state["secureScores"][0], "explicit days are the state's own entries"
    assert days[1:3] == whole[1:3] and days[-1] == whole[-1] and days[89] == whole[89]
    assert days[85:200] == whole[85:] and days[::30] == whole[::30]
    with pytest.raises(IndexError):
        days[90]
