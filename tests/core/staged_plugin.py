"""A control written as a plugin author would, to test impact, stages and levels on the simulator's Graph.

``StagedCA`` keeps one Conditional Access policy, created report-only (the first stage) and
promoted to enabled when ``[remediation] promote`` names it and the tenant is ready. Readiness is
the simulator tenant's own data: a user whose display name is ``report-only reviewed`` stands for
the evidence a real plugin would read in the sign-in logs (a test adds or removes that user).
Its ``lockout`` setting always fails with an impact that locks two users out; ``nudge`` is
advice-level and ``cisa`` a CISA baseline requirement, both failing, so levels can be judged.
"""

from __future__ import annotations

from typing import Any

from scorekeeper import (
    Affected,
    Assessment,
    Control,
    Controller,
    Finding,
    Harm,
    Impact,
    Level,
    RemediationKind,
    Setting,
    Stage,
    Status,
    hookimpl,
)

POLICIES = "identity/conditionalAccess/policies"
NAME = "scorekeeper staged test"
STAGES = ("report-only", "enabled")
STATES = {"report-only": "enabledForReportingButNotEnforced", "enabled": "enabled"}
EVIDENCE_USER = "report-only reviewed"
LOCKED = (
    Affected("u1", "ada@contoso.example", detail="loses mobile phone, their only reset method"),
    Affected("u2", "bo@contoso.example", detail="loses mobile phone, their only reset method"),
)

STAGED_CA = Control(
    id="StagedCA",
    title="A staged Conditional Access policy (tests)",
    settings=(
        Setting(
            "policy",
            "Require MFA to register security info",
            RemediationKind.AUTOMATED,
            write_api="Graph POST/PATCH /identity/conditionalAccess/policies",
        ),
        Setting("lockout", "A change that locks people out", RemediationKind.AUTOMATED, write_api="none"),
        Setting("nudge", "A recommendation", RemediationKind.AUTOMATED, level=Level.ADVICE),
        Setting(
            "cisa",
            "A CISA requirement",
            RemediationKind.AUTOMATED,
            level=Level.BASELINE,
            baselines=("CISA MS.AAD.3.5v2",),
        ),
    ),
)


def _policy(policies: list[dict[str, Any]]) -> dict[str, Any] | None:
    return next((p for p in policies if str(p.get("displayName", "")).startswith(NAME)), None)


def _body(state: str) -> dict[str, Any]:
    return {
        "displayName": NAME,
        "state": state,
        "conditions": {
            "users": {"includeUsers": ["All"]},
            "applications": {"includeUserActions": ["urn:user:registersecurityinfo"]},
        },
        "grantControls": {"operator": "OR", "builtInControls": ["mfa"]},
    }


class StagedPlugin(Controller):
    control = STAGED_CA

    @hookimpl
    def scorekeeper_register_controls(self, register: Any) -> None:
        register(self)

    async def assess(self, tenant: Any) -> Assessment:
        policies = (await tenant.graph_request("GET", POLICIES)).get("value", [])
        users = (await tenant.graph_request("GET", "users")).get("value", [])
        ready = any(u.get("displayName") == EVIDENCE_USER for u in users)
        return Assessment([self._policy_finding(_policy(policies), ready), *self._others()])

    def _policy_finding(self, policy: dict[str, Any] | None, ready: bool) -> Finding:
        base = {"control": STAGED_CA.id, "setting": "policy"}
        if policy is None:
            return Finding(
                **base,
                status=Status.FAIL,
                current=None,
                desired={"state": STATES["report-only"]},
                reason="no policy",
                stage=Stage(STAGES, 0, next_desired={"state": STATES["enabled"]}),
            )
        current = {"id": policy["id"], "state": policy["state"]}
        if policy["state"] == STATES["enabled"]:
            return Finding(**base, status=Status.PASS, current=current, desired=current, stage=Stage(STAGES, 1))
        stage = Stage(
            STAGES,
            0,
            next_desired={"id": policy["id"], "state": STATES["enabled"]},
            ready=ready,
            needs="report-only results reviewed in the sign-in logs",
            evidence="reviewed" if ready else "",
        )
        return Finding(**base, status=Status.STAGED, current=current, desired=current, stage=stage)

    def _others(self) -> list[Finding]:
        lockout = Impact(
            "2 users can no longer reset their password",
            Harm.LOCKS_OUT,
            LOCKED,
            remedy="enable mobile phone in the Authentication methods policy for them",
            sources=("userRegistrationDetails",),
        )
        return [
            Finding(STAGED_CA.id, "lockout", Status.FAIL, current="a", desired="b", reason="off", impact=lockout),
            Finding(STAGED_CA.id, "nudge", Status.FAIL, current=1, desired=2, reason="not nudged"),
            Finding(STAGED_CA.id, "cisa", Status.FAIL, current=1, desired=2, reason="not per CISA"),
        ]

    async def remediate(self, tenant: Any, plan: Any) -> list[Any]:
        changes = []
        for item in plan.items:
            if item.setting != "policy":
                changes.append(await tenant.write(item.setting, "PATCH", "organization/none", {}, before={}))
                continue
            if item.current is None:
                changes.append(
                    await tenant.create(
                        "policy", POLICIES, _body(item.desired["state"]), after={"state": item.desired["state"]}
                    )
                )
                continue
            path = f"{POLICIES}/{item.current['id']}"
            changes.append(
                await tenant.write(
                    "policy",
                    "PATCH",
                    path,
                    {"state": item.desired["state"]},
                    before={"state": item.current["state"]},
                    resource={"type": "conditionalAccessPolicy", "id": item.current["id"], "path": path},
                )
            )
        return changes
