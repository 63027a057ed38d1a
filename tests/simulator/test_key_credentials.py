"""``keyCredentials[].key``: served only to a single-object read that selects ``keyCredentials``.

Microsoft's keyCredential resource (v1.0): ``key`` is "Returned only on ``$select`` for a single
object, that is, ``GET applications/{applicationId}?$select=keyCredentials`` or ``GET
servicePrincipals/{servicePrincipalId}?$select=keyCredentials``; otherwise, it is always ``null``."
The lists, and a get without that ``$select``, show every other field of the credential.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from scorekeeper.simulator import Simulator

KEY = "MIIBfakecertificatebytesAAAA"
CREDENTIAL = {
    "customKeyIdentifier": "5A3B",
    "displayName": "CN=scorekeeper",
    "endDateTime": "2027-12-08T00:00:00Z",
    "key": KEY,
    "keyId": "0f6a3c5e-5d0b-4e1f-9a8b-7c6d5e4f3a2b",
    "startDateTime": "2026-12-08T00:00:00Z",
    "type": "AsymmetricX509Cert",
    "usage": "Verify",
}
READ = ["Application.Read.All"]


@pytest.fixture
def with_certificates(sim: Simulator) -> dict[str, dict[str, Any]]:
    """One application and one service principal of the tenant, each holding :data:`CREDENTIAL`."""
    state = sim.tenant(sim.tenant_id).state
    app = {
        "id": "a1b2c3d4-0000-4000-8000-000000000001",
        "appId": "a1b2c3d4-0000-4000-8000-0000000000aa",
        "displayName": "Cert app",
        "keyCredentials": [dict(CREDENTIAL)],
    }
    sp = {
        "id": "a1b2c3d4-0000-4000-8000-000000000002",
        "appId": app["appId"],
        "displayName": "Cert app",
        "servicePrincipalType": "Application",
        "keyCredentials": [dict(CREDENTIAL)],
    }
    state.setdefault("applications", []).append(app)
    state.setdefault("servicePrincipals", []).append(sp)
    return {"applications": app, "servicePrincipals": sp}


def _keys(body: dict[str, Any]) -> list[Any]:
    return [k.get("key") for k in body.get("keyCredentials") or []]


@pytest.mark.parametrize("collection", ["applications", "servicePrincipals"])
async def test_a_list_never_shows_the_key(
    http: Callable[..., Any], with_certificates: dict[str, dict[str, Any]], collection: str
) -> None:
    for query in ("", "?$select=id,keyCredentials"):
        answer = await http("GET", f"/v1.0/{collection}{query}", roles=READ)
        assert answer.status_code == 200, answer.text
        [mine] = [o for o in answer.json()["value"] if o["id"] == with_certificates[collection]["id"]]
        assert _keys(mine) == [None], query
        assert mine["keyCredentials"][0]["keyId"] == CREDENTIAL["keyId"]  # the rest of it is listed
        assert mine["keyCredentials"][0]["endDateTime"] == CREDENTIAL["endDateTime"]


@pytest.mark.parametrize("collection", ["applications", "servicePrincipals"])
async def test_one_object_shows_the_key_only_when_keycredentials_is_selected(
    http: Callable[..., Any], sim: Simulator, with_certificates: dict[str, dict[str, Any]], collection: str
) -> None:
    item = with_certificates[collection]
    plain = await http("GET", f"/v1.0/{collection}/{item['id']}", roles=READ)
    chosen = await http("GET", f"/v1.0/{collection}/{item['id']}?$select=keyCredentials", roles=READ)
    assert plain.status_code == chosen.status_code == 200, (plain.text, chosen.text)
    assert _keys(plain.json()) == [None]
    assert _keys(chosen.json()) == [KEY]
    stored = sim.tenant(sim.tenant_id).state[collection][-1]["keyCredentials"][0]
    assert stored["key"] == KEY  # hidden in the answer, kept in the state


async def test_a_service_principal_by_app_id_follows_the_same_rule(
    http: Callable[..., Any], with_certificates: dict[str, dict[str, Any]]
) -> None:
    app_id = with_certificates["servicePrincipals"]["appId"]
    plain = await http("GET", f"/v1.0/servicePrincipals(appId='{app_id}')", roles=READ)
    chosen = await http("GET", f"/v1.0/servicePrincipals(appId='{app_id}')?$select=keyCredentials", roles=READ)
    assert _keys(plain.json()) == [None] and _keys(chosen.json()) == [KEY], (plain.text, chosen.text)
