"""The command palette (ctrl+p): every action the keys offer, by name, for every tenant shown."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from scorekeeper.tui.app import ScorekeeperApp

Command = tuple[str, Callable[[], object], str]


def _secure_score(app: ScorekeeperApp, tenant: str) -> None:
    from scorekeeper.tui.screens.securescore import SecureScoreScreen

    app.push_screen(SecureScoreScreen(tenant))


def _latest_remediation(app: ScorekeeperApp, tenant: str, then: Callable[[int], object]) -> None:
    """Verify or roll back the newest remediation of ``tenant`` (a warning when there is none)."""
    latest = app.store.latest_run(tenant, "remediate")
    if latest is None:
        app.notify(f"{tenant} has no remediation in history.", severity="warning")
        return
    then(latest.id)


class ScorekeeperCommands(Provider):
    """Assess, plan and remediate per tenant, plus history, help and cancel."""

    def _commands(self) -> list[Command]:
        app: ScorekeeperApp = self.app  # type: ignore[assignment]
        commands: list[Command] = [
            ("Assess all tenants", partial(app.assess, list(app.tenants)), "Read every tenant shown; writes nothing"),
        ]
        shown = set(app.tenants)
        for group, members in app.engine.config.groups.items():
            tenants = [t for t in members if t in shown]
            if tenants:
                commands.append(
                    (f"Assess group {group}", partial(app.assess, tenants), f"Read its {len(tenants)} tenant(s)")
                )
        for tenant in app.tenants:
            commands += [
                (f"Assess {tenant}", partial(app.assess, [tenant]), "Read every control; writes nothing"),
                (f"Plan {tenant}", partial(app.plan, tenant), "Show what remediation would change"),
                (f"Remediate {tenant}", partial(app.remediate, tenant), "Plan, confirm the diff, then write"),
                (
                    f"Promote staged settings of {tenant}",
                    partial(app.promote, tenant),
                    "Move staged rollouts on where [remediation] promote allows and the evidence says safe",
                ),
                (f"Secure Score of {tenant}", partial(_secure_score, app, tenant), "Every control by points available"),
                (
                    f"Verify the latest remediation of {tenant}",
                    partial(_latest_remediation, app, tenant, app.verify),
                    "Read back every setting it changed",
                ),
                (
                    f"Roll back the latest remediation of {tenant}",
                    partial(_latest_remediation, app, tenant, app.rollback),
                    "Show what would be restored, then restore after confirming",
                ),
            ]
        commands += [
            ("Show history", app.action_history, "Runs, findings, changes; roll back or verify"),
            ("Cancel the running job", app.action_cancel_job, "Assessments and plans stop as 'interrupted'"),
            ("Keys and help", app.action_help, "Every key binding"),
        ]
        return commands

    async def discover(self) -> Hits:
        for name, command, help_text in self._commands():
            yield DiscoveryHit(name, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, command, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), command, text=name, help=help_text)
