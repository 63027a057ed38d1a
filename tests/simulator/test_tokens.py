"""App-only tokens as Entra ID issues them: application permissions in ``roles``, never delegated-only ones."""

from __future__ import annotations

import json
from typing import Any

from scorekeeper.simulator import Simulator
from scorekeeper.simulator.tokens import DELEGATED_ONLY, GRAPH_AUDIENCE, _unb64, application_permissions


def claims(token: str) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(_unb64(token.split(".")[1]))
    return payload


def test_default_app_only_token_has_every_application_permission_and_no_delegated_only_one() -> None:
    sim = Simulator.from_profiles("weak-cloud")
    roles = set(claims(sim.issue_token())["roles"])
    assert not roles & DELEGATED_ONLY
    assert {"Directory.AccessAsUser.All", "User.Read", "User.ReadBasic.All"} <= DELEGATED_ONLY
    assert roles == set(sim.known_permissions()) - DELEGATED_ONLY
    assert {"User.Read.All", "Policy.Read.All"} <= roles


def test_delegated_tokens_keep_every_known_scope() -> None:
    sim = Simulator.from_profiles("weak-cloud", extensions=[])
    scopes = set(claims(sim.issue_delegated_token(audience=GRAPH_AUDIENCE))["scp"].split())
    assert "User.Read" in scopes and "User.ReadBasic.All" in scopes


def test_application_permissions_filters_only_delegated_only_ones() -> None:
    assert application_permissions(["User.Read", "User.Read.All", "Directory.AccessAsUser.All"]) == ["User.Read.All"]


async def test_an_app_only_token_holding_only_a_delegated_only_permission_is_refused(http: Any) -> None:
    """Directory.AccessAsUser.All in an app-only token (which Entra never issues) grants nothing."""
    answer = await http("GET", "/v1.0/users", roles=["Directory.AccessAsUser.All"])
    assert answer.status_code == 403
