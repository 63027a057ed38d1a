"""The contract suite catches what plugin authors get wrong (issue 27), and passes a plugin that is right.

``tests/fixtures/blocklegacy_plugin`` is a third-party-style Conditional Access control
(BlockLegacyAuthentication) written only against the public API, with its own one-line
contract subclass and fixtures where the policy already exists. Its suite runs here unchanged
(:class:`TestTheCorrectSampleContract`: every test of every state passes). Each other test plants
one realistic bug in a copy of the controller, runs the contract test that should catch it on
the state where it shows, and asserts that it fails with a message naming the problem — in
version-2 words (``Controller.remediate``, ``tenant.write``), never "wrote nothing".
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from scorekeeper import (
    Change,
    Finding,
    Plan,
    PlanItem,
    RemediationKind,
    Restoration,
    RestoreStatus,
    TenantContext,
    hookimpl,
)
from scorekeeper.testing import ContractState, ControlContract

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "blocklegacy_plugin"
if str(FIXTURE) not in sys.path:
    sys.path.insert(0, str(FIXTURE))

from scorekeeper_blocklegacy import plugin as sample  # noqa: E402 - importable once its folder is on the path
from scorekeeper_blocklegacy.control import (  # noqa: E402
    CONTROL,
    POLICIES,
    READ_POLICIES,
    READ_USERS,
    SETTING,
    SETTINGS,
)
from scorekeeper_blocklegacy.evaluate import the_policy  # noqa: E402
from scorekeeper_blocklegacy.plugin import (  # noqa: E402
    BlockLegacyAuthentication,
    read_list,
    resolve_break_glass,
    template,
)


def _load_sample_tests() -> Any:
    """The sample's own tests/test_contract.py, under a name of its own (not another ``test_contract``)."""
    spec = importlib.util.spec_from_file_location("blocklegacy_sample_contract", FIXTURE / "tests" / "test_contract.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SAMPLE_TESTS = _load_sample_tests()
SAMPLE_CONTRACT: type[ControlContract] = SAMPLE_TESTS.TestBlockLegacyAuthenticationContract
BREAK_GLASS_ID = SAMPLE_TESTS.BREAK_GLASS_ID
#: What the suite raises: a failed assert, or pytest.fail for a problem found before asserting.
CONTRACT_FAILURE = (AssertionError, pytest.fail.Exception)


@pytest.fixture(autouse=True)
def only_the_sample_plugin(monkeypatch: pytest.MonkeyPatch) -> None:
    """Load no installed plugin beside the sample: a shipped one may declare the same control id."""
    monkeypatch.setenv("SCOREKEEPER_LOAD_PLUGINS", "blocklegacy")


class TestTheCorrectSampleContract(SAMPLE_CONTRACT):  # type: ignore[valid-type,misc]
    """The sample's own contract class, unchanged but for registering the (not installed) plugin."""

    extra_plugins = (("blocklegacy", sample),)


class Registrar:
    """A plugin object registering one controller, as a plugin module's hook would."""

    def __init__(self, controller: BlockLegacyAuthentication) -> None:
        self.controller = controller

    @hookimpl
    def scorekeeper_register_controls(self, register: Any) -> None:
        register(self.controller)


def contract_with(controller: BlockLegacyAuthentication) -> ControlContract:
    """The sample's contract suite over ``controller`` instead of the correct one."""
    cls = type("PlantedBugContract", (SAMPLE_CONTRACT,), {"extra_plugins": (("blocklegacy", Registrar(controller)),)})
    return cls()


def state(contract: ControlContract, name: str) -> ContractState:
    return next(s for s in contract.states() if s.name == name)


def assert_api_two_words(message: str) -> None:
    """Failure messages speak the current hook contract: no version-1 hook names, no "wrote nothing"."""
    for stale in ("wrote nothing", "record_change", "scorekeeper_controls", "remediate hook", "assess hook"):
        assert stale not in message, f"{stale!r} in:\n{message}"


# ---------------------------------------------------------------------- the planted bugs
class WritesAroundTheHelper(BlockLegacyAuthentication):
    """Creates the policy with a raw request: nothing recorded, nothing to verify or roll back."""

    async def remediate(self, tenant: TenantContext, plan: Plan) -> list[Change]:
        if the_policy(await read_list(tenant, POLICIES, READ_POLICIES)) is None:
            body = template(tenant.desired.display_name, tenant.desired.state, [])
            await tenant.graph_request("POST", POLICIES, body)
        return []


class NeedsAnUndeclaredWritePermission(BlockLegacyAuthentication):
    """Declares Policy.Read.All for its writes but not Policy.ReadWrite.ConditionalAccess."""

    control = replace(CONTROL, settings=(replace(SETTINGS[0], write_permissions=(READ_POLICIES,)),))


class NeedsAnUndeclaredReadPermission(BlockLegacyAuthentication):
    """Reads the subscriptions without declaring LicenseAssignment.Read.All."""

    control = replace(CONTROL, settings=(replace(SETTINGS[0], read_permissions=(READ_POLICIES,)),))


class DeletesTheWrongPolicy(BlockLegacyAuthentication):
    """A hand-written rollback that deletes the first policy listed instead of the one it created."""

    async def rollback(self, tenant: TenantContext, change: Change) -> Restoration | None:
        if not change.created:
            return None
        victim = (await read_list(tenant, POLICIES, READ_POLICIES))[0]  # meant: change.resource["id"]
        await tenant.graph_request("DELETE", f"{POLICIES}/{victim['id']}")
        return Restoration(change, RestoreStatus.RESTORED, f"deleted {victim['id']}")


class WritesWhileAssessing(BlockLegacyAuthentication):
    """ "Tidies up" while reading: turns a disabled policy on to report-only during assess."""

    async def assess(self, tenant: TenantContext) -> list[Any]:
        findings = await super().assess(tenant)
        policy = the_policy(await read_list(tenant, POLICIES, READ_POLICIES))
        if policy is not None and policy.get("state") == "disabled":
            await tenant.graph_request("PATCH", f"{POLICIES}/{policy['id']}", {"state": tenant.desired.state})
        return findings


class CreatesItEnabled(BlockLegacyAuthentication):
    """Creates the policy enforced although the plan (and the configuration) said report-only."""

    async def block(self, tenant: TenantContext, item: PlanItem) -> Change:
        if the_policy(await read_list(tenant, POLICIES, READ_POLICIES)) is not None:
            return await super().block(tenant, item)
        body = template(tenant.desired.display_name, "enabled", list(item.desired["excludeUsers"]))
        return await tenant.create(SETTING, POLICIES, body, after={"state": "enabled"})


class DropsExclusionsOnEdit(BlockLegacyAuthentication):
    """On edit, writes the configured break-glass list in place of the policy's own exclusions."""

    async def edit(self, tenant: TenantContext, policy: dict[str, Any], state: str, exclude: list[str]) -> Change:
        configured = await resolve_break_glass(tenant, tenant.desired.break_glass)
        return await super().edit(tenant, policy, state, configured)


class DeclaresTheConditionalPermissionAlways(BlockLegacyAuthentication):
    """Declares User.Read.All as always needed, though only a break-glass configuration needs it."""

    control = replace(
        CONTROL,
        settings=(
            replace(SETTINGS[0], write_permissions=(*SETTINGS[0].write_permissions, READ_USERS), when_configured=()),
        ),
    )


class DoesNotDeclareTheConditionalPermission(BlockLegacyAuthentication):
    """Resolves break-glass accounts (User.Read.All) without declaring it anywhere."""

    control = replace(CONTROL, settings=(replace(SETTINGS[0], when_configured=()),))


class GuidedOnly(BlockLegacyAuthentication):
    """The same control offered as guided steps only: no write_api, no write permission."""

    control = replace(
        CONTROL,
        settings=(replace(SETTINGS[0], remediation=RemediationKind.GUIDED, write_api="", write_permissions=()),),
    )
    steps: tuple[str, ...] = ("1. Entra admin center → Conditional Access → New policy from template.",)

    async def assess(self, tenant: TenantContext) -> list[Finding]:
        findings = await super().assess(tenant)
        return [replace(f, remediation=RemediationKind.GUIDED, steps=self.steps) for f in findings]


class GuidedWithoutSteps(GuidedOnly):
    steps = ()


# ---------------------------------------------------------------------- the suite catches each
async def test_a_write_outside_the_helper_fails(sk_store: Any, tmp_path: Path) -> None:
    contract = contract_with(WritesAroundTheHelper())
    with pytest.raises(CONTRACT_FAILURE) as failure:
        await contract.test_remediation_writes_through_the_helper_and_sticks(
            state(contract, "weak-cloud"), sk_store, tmp_path
        )
    message = str(failure.value)
    assert "POST /v1.0/identity/conditionalAccess/policies reached the tenant" in message
    assert "a write outside the helper" in message
    assert "tenant.write / tenant.write_together / tenant.create" in message
    assert_api_two_words(message)


async def test_a_write_outside_the_helper_is_left_behind_by_rollback(sk_store: Any, tmp_path: Path) -> None:
    contract = contract_with(WritesAroundTheHelper())
    with pytest.raises(CONTRACT_FAILURE) as failure:
        await contract.test_rollback_restores_the_tenant_exactly(state(contract, "weak-cloud"), sk_store, tmp_path)
    assert "created and still there" in str(failure.value)


async def test_an_undeclared_write_permission_fails() -> None:
    contract = contract_with(NeedsAnUndeclaredWritePermission())
    with pytest.raises(CONTRACT_FAILURE) as failure:
        await contract.test_declared_write_permissions_are_enough_and_each_is_named_when_missing()
    message = str(failure.value)
    assert "these writes did not apply; declare what they need in Setting.write_permissions" in message
    assert f"{SETTING}: failed permission refused" in message
    assert_api_two_words(message)


async def test_an_undeclared_read_permission_fails() -> None:
    contract = contract_with(NeedsAnUndeclaredReadPermission())
    with pytest.raises(CONTRACT_FAILURE) as failure:
        await contract.test_declared_permissions_are_enough_and_necessary()
    message = str(failure.value)
    assert "declare them in Setting.read_permissions" in message
    assert f"{SETTING}: LicenseAssignment.Read.All" in message


async def test_a_rollback_deleting_the_wrong_policy_fails(sk_store: Any, tmp_path: Path) -> None:
    contract = contract_with(DeletesTheWrongPolicy())
    with pytest.raises(CONTRACT_FAILURE) as failure:
        await contract.test_rollback_restores_the_tenant_exactly(state(contract, "weak-cloud"), sk_store, tmp_path)
    message = str(failure.value)
    assert "rollback of weak-cloud did not leave the tenant as it was before remediation" in message
    assert "Require MFA for administrators" in message and "now missing" in message  # the policy it deleted
    assert "created and still there" in message  # the policy it should have deleted
    assert_api_two_words(message)


async def test_a_write_during_assess_fails(sk_store: Any, tmp_path: Path) -> None:
    contract = contract_with(WritesWhileAssessing())
    with pytest.raises(CONTRACT_FAILURE) as failure:
        await contract.test_assess_makes_no_writes_and_every_finding_is_valid(
            state(contract, "disabled-policy-with-break-glass"), sk_store, tmp_path
        )
    message = str(failure.value)
    assert "Controller.assess wrote to the disabled-policy-with-break-glass tenant" in message
    assert "PATCH /v1.0/identity/conditionalAccess/policies/" in message
    assert "move the write into Controller.remediate" in message
    assert_api_two_words(message)


async def test_a_policy_created_enabled_where_the_plan_said_report_only_fails(sk_store: Any, tmp_path: Path) -> None:
    contract = contract_with(CreatesItEnabled())
    weak = state(contract, "weak-cloud")
    # The write stuck and the control passes: only the comparison with the plan sees the bug.
    await contract.test_remediation_writes_through_the_helper_and_sticks(weak, sk_store, tmp_path)
    with pytest.raises(CONTRACT_FAILURE) as failure:
        await contract.test_writes_match_the_plan(weak, sk_store, tmp_path)
    message = str(failure.value)
    assert f"{SETTING}: the plan said it would become" in message
    assert "'state': 'enabledForReportingButNotEnforced'" in message
    assert "it reads {'state': 'enabled'" in message
    assert_api_two_words(message)


async def test_a_break_glass_exclusion_dropped_on_edit_fails(sk_store: Any, tmp_path: Path) -> None:
    contract = contract_with(DropsExclusionsOnEdit())
    existing = state(contract, "disabled-policy-with-break-glass")
    with pytest.raises(CONTRACT_FAILURE) as failure:
        await contract.test_writes_match_the_plan(existing, sk_store, tmp_path)
    message = str(failure.value)
    assert f"'excludeUsers': ['{BREAK_GLASS_ID}']" in message  # what the plan showed
    assert "'excludeUsers': []" in message  # what the edit left
    assert "a fresh read merged with it, for lists others edit" in message


async def test_a_permission_needed_only_with_break_glass_is_not_reported_unused() -> None:
    # The correct sample declares User.Read.All with WhenConfigured: both permission tests pass
    # (the suite checks it on the fixture that configures break_glass) ...
    correct = contract_with(BlockLegacyAuthentication())
    await correct.test_declared_permissions_are_enough_and_necessary()
    await correct.test_declared_write_permissions_are_enough_and_each_is_named_when_missing()
    # ... declared as always needed, the suite says to move it to Setting.when_configured, not just "drop it".
    always = contract_with(DeclaresTheConditionalPermissionAlways())
    with pytest.raises(CONTRACT_FAILURE) as failure:
        await always.test_declared_write_permissions_are_enough_and_each_is_named_when_missing()
    message = str(failure.value)
    assert f"{READ_USERS} is a declared write permission, but with it withheld no write was refused" in message
    assert "if only some configurations need it, declare it in Setting.when_configured" in message


async def test_a_permission_needed_with_break_glass_but_undeclared_fails() -> None:
    contract = contract_with(DoesNotDeclareTheConditionalPermission())
    with pytest.raises(CONTRACT_FAILURE) as failure:
        await contract.test_declared_permissions_are_enough_and_necessary()
    message = str(failure.value)
    assert "break_glass configured" in message
    assert f"{SETTING}: {READ_USERS}" in message
    assert "Setting.when_configured" in message


async def test_a_conditional_permission_without_a_state_that_configures_it_says_what_to_add() -> None:
    cls = type(
        "NoBreakGlassFixture",
        (SAMPLE_CONTRACT,),
        {"extra_plugins": (("blocklegacy", sample),), "fixtures": (SAMPLE_TESTS.DISABLED_POLICY,)},
    )
    with pytest.raises(CONTRACT_FAILURE) as failure:
        await cls().test_declared_permissions_are_enough_and_necessary()
    message = str(failure.value)
    assert "no state of the suite sets 'break_glass'" in message
    assert "add a Fixture(profile, config={..., 'break_glass': ...})" in message


def test_every_shipped_profile_and_each_fixture_is_a_state() -> None:
    from scorekeeper.simulator import PROFILES
    from scorekeeper.testing import BENCHMARK_PROFILES

    shipped = [p for p in PROFILES if p not in BENCHMARK_PROFILES]  # benchmark sizes only when named
    names = [s.name for s in TestTheCorrectSampleContract().states()]
    assert "large" in PROFILES and "large" not in names
    assert names[: len(shipped)] == shipped
    assert names[len(shipped) :] == [
        "disabled-policy-with-break-glass",
        "existing-policy-break-glass-configured",
        "new-policy-break-glass-configured",
    ]
    configured = state(TestTheCorrectSampleContract(), "new-policy-break-glass-configured")
    assert configured.config == {"break_glass": ["breakglass@contoso.onmicrosoft.com"]}


async def test_a_guided_only_control_needs_no_write_but_must_say_what_to_do(sk_store: Any, tmp_path: Path) -> None:
    guided = contract_with(GuidedOnly())
    await guided.test_remediate_then_verify_passes_on_weak_tenant(sk_store, tmp_path)
    await guided.test_declared_write_permissions_are_enough_and_each_is_named_when_missing()
    await guided.test_remediation_writes_through_the_helper_and_sticks(state(guided, "weak-cloud"), sk_store, tmp_path)
    bare = contract_with(GuidedWithoutSteps())
    with pytest.raises(CONTRACT_FAILURE) as failure:
        await bare.test_remediate_then_verify_passes_on_weak_tenant(sk_store, tmp_path)
    assert f"weak-cloud: guided findings without steps saying what to do: {SETTING}" in str(failure.value)
