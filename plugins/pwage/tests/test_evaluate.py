"""Evaluation of ``GET /domains`` answers shaped as the Graph reference documents them."""

from __future__ import annotations

from typing import Any

import pytest

from scorekeeper import Status
from scorekeeper_pwage.control import NEVER_EXPIRE, PasswordAgeConfig
from scorekeeper_pwage.evaluate import password_expiry, secure_score
from scorekeeper_pwage.reads import Read


def domain(
    name: str, days: int | None, *, verified: bool = True, kind: str = "Managed", root: bool = True
) -> dict[str, Any]:
    return {
        "id": name,
        "isVerified": verified,
        "isRoot": root and verified,
        "authenticationType": kind,
        "passwordValidityPeriodInDays": days,
    }


def domains(*items: dict[str, Any]) -> Read:
    return Read({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#domains", "value": list(items)})


CONFIG = PasswordAgeConfig()


def test_unset_validity_means_the_90_day_default_and_fails() -> None:
    finding = password_expiry(domains(domain("contoso.com", None)), CONFIG)
    assert finding.status is Status.FAIL
    assert "90 days" in finding.reason
    assert finding.current == {"contoso.com": None}
    assert finding.desired == {"contoso.com": NEVER_EXPIRE}


def test_all_never_expire_passes() -> None:
    read = domains(domain("contoso.com", NEVER_EXPIRE), domain("contoso.onmicrosoft.com", NEVER_EXPIRE))
    assert password_expiry(read, CONFIG).status is Status.PASS


def test_federated_unverified_subdomain_and_excluded_domains_are_out_of_scope() -> None:
    read = domains(
        domain("fabrikam.com", 90, kind="Federated"),
        domain("new.example", 90, verified=False),
        domain("legal.example", 60),
        domain("eu.contoso.com", None, root=False),
        domain("contoso.com", NEVER_EXPIRE),
    )
    finding = password_expiry(read, PasswordAgeConfig(exclude_domains=("LEGAL.example",)))
    assert finding.status is Status.PASS
    assert finding.current == {"contoso.com": NEVER_EXPIRE}
    assert set(finding.evidence["left_alone"]) == {"fabrikam.com", "new.example", "legal.example", "eu.contoso.com"}
    assert "inherits" in finding.evidence["left_alone"]["eu.contoso.com"]


def test_a_subdomain_without_a_value_does_not_fail_when_its_root_never_expires() -> None:
    """Graph shows null on subdomains (they inherit) and refuses to write them: judging them would never pass."""
    read = domains(domain("contoso.com", NEVER_EXPIRE), domain("eu.contoso.com", None, root=False))
    assert password_expiry(read, CONFIG).status is Status.PASS


def test_many_expiring_domains_are_summarised() -> None:
    read = domains(*(domain(f"brand{n}.com", 90) for n in range(25)))
    finding = password_expiry(read, CONFIG)
    assert finding.status is Status.FAIL
    assert "and 15 more" in finding.reason
    assert len(finding.current) == 25


def test_only_out_of_scope_domains_is_not_applicable() -> None:
    finding = password_expiry(domains(domain("fed.contoso.com", 90, kind="Federated")), CONFIG)
    assert finding.status is Status.NOT_APPLICABLE


def test_a_refused_read_is_unknown_and_names_the_permission() -> None:
    finding = password_expiry(Read(None, 403, "HTTP 403 Authorization_RequestDenied: Insufficient privileges"), CONFIG)
    assert finding.status is Status.UNKNOWN
    assert finding.missing_permissions == ("Domain.Read.All",)


def test_secure_score_is_read_from_the_tenant() -> None:
    scores = Read(
        {
            "value": [
                {
                    "createdDateTime": "2026-11-24T00:00:00Z",
                    "controlScores": [{"controlName": "PWAgePolicyNew", "score": 0.0}],
                }
            ]
        }
    )
    finding, score = secure_score(scores, Read({"id": "PWAgePolicyNew", "maxScore": 8.0}))
    assert finding.status is Status.FAIL
    assert score is not None and (score.score, score.max_score) == (0.0, 8.0)


# ----------------------------------------------------------------------------- an unset value (issue 25)
def organization(created: str | None) -> Read:
    """Shaped like the List organization example: a collection of one."""
    return Read({"value": [{"id": "84841066-274d-4ec0-a5c1-276be684bdd3", "createdDateTime": created}]})


@pytest.mark.parametrize(
    ("created", "status"),
    [
        ("2021-01-01T00:00:00Z", Status.PASS),  # "created before 2021" is the 90-day exception; 2021 itself is not
        ("2026-03-02T10:14:05Z", Status.PASS),
        ("2020-12-31T23:59:59Z", Status.FAIL),
        ("2015-06-01T09:00:00Z", Status.FAIL),
        (None, Status.FAIL),  # no date: the stricter reading
    ],
)
def test_an_unset_value_follows_the_tenants_age(created: str | None, status: Status) -> None:
    finding = password_expiry(domains(domain("contoso.com", None)), CONFIG, organization(created))
    assert finding.status is status, finding.reason
    assert finding.current == {"contoso.com": None}
    expected = {"contoso.com": None} if status is Status.PASS else {"contoso.com": NEVER_EXPIRE}
    assert finding.desired == expected


def test_a_newer_tenants_unset_domain_is_named_in_the_pass() -> None:
    read = domains(domain("contoso.com", NEVER_EXPIRE), domain("contoso.onmicrosoft.com", None))
    finding = password_expiry(read, CONFIG, organization("2022-02-02T00:00:00Z"))
    assert finding.status is Status.PASS
    assert (
        "contoso.onmicrosoft.com not set, which means no expiration here (tenant created 2022-02-02" in finding.reason
    )
    assert finding.missing_permissions == ()


def test_a_refused_organization_read_keeps_90_days_and_names_the_permission() -> None:
    refused = Read(None, 403, "HTTP 403 Authorization_RequestDenied")
    finding = password_expiry(domains(domain("contoso.com", None)), CONFIG, refused)
    assert finding.status is Status.FAIL
    assert finding.missing_permissions == ("Organization.Read.All",)
    assert "could not be read" in finding.evidence["unset_default"]


def test_the_organization_permission_is_not_named_when_no_domain_is_unset() -> None:
    refused = Read(None, 403, "HTTP 403 Authorization_RequestDenied")
    finding = password_expiry(domains(domain("contoso.com", 90)), CONFIG, refused)
    assert finding.missing_permissions == ()


def test_an_absent_property_is_unset_like_null() -> None:
    bare = {k: v for k, v in domain("contoso.com", None).items() if k != "passwordValidityPeriodInDays"}
    assert password_expiry(domains(bare), CONFIG, organization("2019-01-01T00:00:00Z")).status is Status.FAIL
    assert password_expiry(domains(bare), CONFIG, organization("2023-01-01T00:00:00Z")).status is Status.PASS


def test_a_failing_write_plan_says_whom_it_affects_and_never_blocks() -> None:
    finding = password_expiry(domains(domain("contoso.com", 90)), CONFIG, organization("2023-01-01T00:00:00Z"))
    assert finding.impact is not None and finding.impact.harm.value == "none" and not finding.impact.blocks
    assert "contoso.com" in finding.impact.summary
