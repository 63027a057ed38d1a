"""The tenant's names as history knew them at a run (``store/orgnames.py``), on SQLite and PostgreSQL."""

from __future__ import annotations

from scorekeeper.domain.model import ControlResult, Finding, Organization, Status
from scorekeeper.store import HistoryStore

SSPR = "SelfServicePasswordReset"
PASS = Finding(control=SSPR, setting="enabled", status=Status.PASS, current=True, desired=True)


def _run(store: HistoryStore, tenant: str, kind: str, organization: Organization | None = None) -> int:
    run_id = store.start_run(tenant, kind, controls=[SSPR])
    store.record_run(run_id, [ControlResult(SSPR, "SSPR", (PASS,))], organization=organization)
    return run_id


def test_a_run_that_read_none_gets_the_newest_earlier_record_of_its_own_tenant(store: HistoryStore) -> None:
    before_any = _run(store, "contoso", "remediate")
    first = _run(store, "contoso", "assess", Organization("Contoso Ltd", "contoso.example"))
    _run(store, "fabrikam", "assess", Organization("Fabrikam", "fabrikam.example"))  # another tenant: never used
    remediation = _run(store, "contoso", "remediate")
    refused = _run(store, "contoso", "assess", Organization(unread="Graph refused GET /organization (403)"))
    verification = _run(store, "contoso", "verify")
    renamed = _run(store, "contoso", "assess", Organization("Contoso Group", "contoso.example"))
    rollback = _run(store, "contoso", "rollback")

    known = store.organizations_known_at([before_any, remediation, verification, rollback, first, 999_999])

    assert before_any not in known and 999_999 not in known  # nothing recorded before it; no such run
    assert known[remediation].run_id == first and known[remediation].kind == "assess"
    assert known[remediation].organization == Organization("Contoso Ltd", "contoso.example")
    # a record of why the names could not be read is a record too: the newest one wins
    assert known[verification].run_id == refused
    assert known[verification].organization == Organization(unread="Graph refused GET /organization (403)")
    assert known[rollback].run_id == renamed and known[rollback].organization.display_name == "Contoso Group"
    assert known[first].run_id == first  # a run that read them is its own record
    # a later rename never reaches an earlier run: its report stays what was known when it ran
    assert store.organizations_known_at([remediation])[remediation].organization.display_name == "Contoso Ltd"
    assert store.organizations_known_at([]) == {}
