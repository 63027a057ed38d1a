"""``scorekeeper permissions --format manifest``: the app registration's ``requiredResourceAccess``."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from scorekeeper.engine.permission_ids import GRAPH_APP_ID, IDS
from scorekeeper.engine.permissions import MissingPermissionIdError, required_resource_access

from .contract import validated

GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _report(run: Callable, *args: str) -> dict:
    result = run("permissions", *args, "--json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def _ids(manifest: dict) -> list[tuple[str, str]]:
    [graph] = manifest["requiredResourceAccess"]
    assert graph["resourceAppId"] == GRAPH_APP_ID
    return [(a["id"], a["type"]) for a in graph["resourceAccess"]]


def test_the_id_table_holds_one_well_formed_guid_per_permission_and_kind() -> None:
    assert all(GUID.match(guid) for guid in IDS.values())
    assert len(set(IDS.values())) == len(IDS), "two permissions share an id: a transcription slip"
    assert IDS[("Policy.ReadWrite.Authorization", "Application")] == "fb221be6-99f2-473f-bd32-01c6a0e9ca3b"


@pytest.mark.parametrize("phase", ["assess", "remediate"])
def test_manifest_grants_exactly_the_union_the_report_lists(run: Callable, phase: str) -> None:
    result = run("permissions", "--format", "manifest", "--phase", phase)
    assert result.code == 0, result.err
    manifest = validated("permissions-manifest", result.out)
    union = _report(run)["all"][phase]
    assert _ids(manifest) == [(IDS[(name, "Application")], "Role") for name in union]
    with_all = run("permissions", "--all", "--format", "manifest", "--phase", phase)
    assert _ids(manifest) == _ids(validated("permissions-manifest", with_all.out))


def test_manifest_for_one_control_names_only_its_permissions(run: Callable) -> None:
    result = run("permissions", "--control", "IntegratedApps", "--format", "manifest")
    assert result.code == 0, result.err
    wanted = _report(run, "--control", "IntegratedApps")["all"]["remediate"]
    assert "Policy.ReadWrite.Authorization" in wanted
    assert _ids(validated("permissions-manifest", result.out)) == [(IDS[(n, "Application")], "Role") for n in wanted]
    everything = {i for i, _ in _ids(json.loads(run("permissions", "--format", "manifest").out))}
    # Every assessment's own organisation read: Organization.Read.All here, covered by Directory.Read.All in --all.
    own = {IDS[("Organization.Read.All", "Application")]}
    assert own <= {i for i, _ in _ids(json.loads(result.out))} and not own <= everything
    # IntegratedApps' reviewer look-ups need User.Read.All, which --all folds into Directory.Read.All.
    folded = {IDS[("User.Read.All", "Application")]}
    assert {i for i, _ in _ids(json.loads(result.out))} - own - folded < everything


def test_every_assessments_own_reads_are_listed_and_granted(run: Callable) -> None:
    """The organisation read (display name, primary domain) is the engine's, not a control's: listed apart."""
    report = _report(run, "--control", "IntegratedApps")
    [org] = report["engine"]
    assert org["read"].startswith("Graph GET /organization") and org["required"] is False
    assert (org["application"], org["delegated"]) == ("Organization.Read.All", "User.Read")  # least privileged
    assert "Organization.Read.All" in report["all"]["assess"] and "Organization.Read.All" in report["all"]["remediate"]
    assert not any("Organization.Read.All" in c["assess"]["graph"] for c in report["controls"])
    everything = _report(run)["all"]["assess"]
    assert "Directory.Read.All" in everything and "Organization.Read.All" not in everything  # covered, not twice
    shown = run("permissions", "--control", "IntegratedApps")
    assert shown.code == 0 and "Every assessment also reads" in shown.out and "User.Read (delegated)" in shown.out


def test_a_missing_id_is_named_rather_than_left_out_of_the_manifest(run: Callable) -> None:
    report = _report(run)
    table = dict(IDS)
    del table[("Policy.ReadWrite.Authorization", "Application")]
    with pytest.raises(MissingPermissionIdError) as caught:
        required_resource_access(report, "remediate", table)
    assert caught.value.missing == ["Policy.ReadWrite.Authorization (application)"]
    assert "\n" not in str(caught.value)


def test_delegated_graph_permissions_become_scopes_and_the_portal_sign_in_stays_out() -> None:
    report = {"all": {"remediate": ["Directory.Read.All"], "delegated": ["User.Read", "delegated portal sign-in (x)"]}}
    assert _ids(required_resource_access(report)) == [
        (IDS[("Directory.Read.All", "Application")], "Role"),
        (IDS[("User.Read", "Delegated")], "Scope"),
    ]


@pytest.mark.parametrize(
    "args", [("--control", "IntegratedApps", "--all"), ("--format", "manifest", "--json")], ids=["all", "json"]
)
def test_contradictory_options_are_one_line_usage_errors(run: Callable, args: tuple[str, ...]) -> None:
    result = run("permissions", *args)
    assert result.code == 2 and result.out == ""
    assert len(result.err.strip().splitlines()) == 1


def test_the_command_exits_1_naming_the_permission_whose_id_is_unknown(
    run: Callable, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(IDS, ("Domain.ReadWrite.All", "Application"))
    result = run("permissions", "--format", "manifest")
    assert result.code == 1 and result.out == ""
    [line] = result.err.strip().splitlines()
    assert "Domain.ReadWrite.All (application)" in line
    assert run("permissions", "--format", "manifest", "--phase", "assess").code == 0  # assess needs no Domain write


def test_a_read_permission_is_dropped_when_its_readwrite_twin_is_granted() -> None:
    from scorekeeper.engine.permissions import smallest_grant

    assert smallest_grant(["Directory.Read.All", "Directory.ReadWrite.All", "Policy.Read.All"]) == [
        "Directory.ReadWrite.All",
        "Policy.Read.All",  # no Policy.ReadWrite.All exists: the narrow ReadWrite forms do not cover it
    ]
    assert smallest_grant(["Policy.Read.All", "Policy.ReadWrite.ConditionalAccess"]) == [
        "Policy.Read.All",
        "Policy.ReadWrite.ConditionalAccess",
    ]


def test_the_remediate_union_never_asks_for_a_read_and_its_readwrite_twin(run: Callable) -> None:
    union = set(_report(run)["all"]["remediate"])
    twins = {p for p in union if ".Read." in p and p.replace(".Read.", ".ReadWrite.", 1) in union}
    assert not twins
    assert "Directory.ReadWrite.All" in union and "Directory.Read.All" not in union


def test_permissions_never_opens_the_history_database(run: Callable, tmp_path: Path) -> None:
    broken = tmp_path / "history.db"
    broken.write_bytes(b"not a database at all" * 100)
    result = run("--db", str(broken), "permissions", "--json")
    assert result.code == 0, result.err
    assert broken.read_bytes() == b"not a database at all" * 100


def test_permissions_a_configured_key_needs_are_listed_and_join_the_sets_only_when_set(
    run: Callable, tmp_path: Path
) -> None:
    """``Setting.when_configured``: shown before the key is set; counted in the grant once it is."""
    plain = _report(run, "--control", "SelfServicePasswordReset")
    [control] = plain["controls"]
    conditional = {c["key"]: c for c in control["when_configured"]}
    intune = conditional["windows_sign_in_group"]
    assert intune["write"] == ["DeviceManagementConfiguration.ReadWrite.All"] and not intune["configured"]
    assert "DeviceManagementConfiguration.ReadWrite.All" not in control["remediate"]["graph"]
    config = tmp_path / "scorekeeper.toml"
    config.write_text(
        '[tenants.contoso]\ntenant_id = "00000000-0000-0000-0000-000000000001"\n'
        '[tenants.contoso.controls.SelfServicePasswordReset]\nwindows_sign_in_group = "Windows pilot"\n'
    )
    result = run("--config", str(config), "permissions", "--control", "SelfServicePasswordReset", "--json")
    assert result.code == 0, result.err
    [configured] = json.loads(result.out)["controls"]
    assert {c["key"]: c["configured"] for c in configured["when_configured"]}["windows_sign_in_group"] is True
    assert "DeviceManagementConfiguration.ReadWrite.All" in configured["remediate"]["graph"]
    table = run("--config", str(config), "permissions", "--control", "SelfServicePasswordReset")
    words = " ".join(table.out.split())  # rich folds lines at the terminal's width
    assert "windows_sign_in_group is set, windows_sign_in_reset also needs" in words
    assert "set in your config: included above" in words
