"""The domains each simulator profile starts with, shaped like Graph's ``domain`` resource.

Every object carries exactly the properties of the Get domain example
(https://learn.microsoft.com/graph/api/domain-get): ``id``, ``authenticationType``,
``availabilityStatus``, ``isAdminManaged``, ``isDefault``, ``isInitial``, ``isRoot``, ``isVerified``,
``supportedServices``, ``passwordValidityPeriodInDays``, ``passwordNotificationWindowInDays`` and
``state``. ``$DOMAIN`` is the tenant's initial ``*.onmicrosoft.com`` domain (filled in by the
simulator), which the core profiles already list in ``organization.verifiedDomains`` as the default.

Each profile tells one story the plugin has to get right:

* ``weak-cloud`` / ``o365-only``: a custom domain expiring after 90 days, the initial domain with no
  value set, a verified subdomain (inherits its root's policy, cannot be written) and an
  unverified domain (no users, cannot be written);
* ``hybrid-writeback-off``: the custom domain is federated (its passwords follow the on-premises
  policy and must be left alone); only the initial domain is managed;
* ``hardened``: every root domain never expires;
* ``large``: the ``weak-cloud`` domains plus 300 generated root domains, so a list spans pages.
"""

from __future__ import annotations

from typing import Any

from scorekeeper_pwage.control import NEVER_EXPIRE

#: How many generated domains the ``large`` profile adds; every third expires after 90 days.
LARGE_EXTRA_DOMAINS = 300
SERVICES = ["Email", "OfficeCommunicationsOnline"]


def domain(
    name: str,
    *,
    days: int | None,
    notify: int | None = None,
    kind: str = "Managed",
    verified: bool = True,
    root: bool = True,
    initial: bool = False,
    default: bool = False,
    services: list[str] | None = None,
) -> dict[str, Any]:
    """One domain object; ``days``/``notify`` are the two password policy values (``None``: not set)."""
    return {
        "id": name,
        "authenticationType": kind,
        "availabilityStatus": None,
        "isAdminManaged": True,
        "isDefault": default,
        "isInitial": initial,
        "isRoot": root and verified,  # Graph: false for a subdomain *or an unverified domain*
        "isVerified": verified,
        "supportedServices": list(SERVICES if services is None else services),
        "passwordValidityPeriodInDays": days,
        "passwordNotificationWindowInDays": notify,
        "state": None,
    }


def initial_domain(days: int | None) -> dict[str, Any]:
    return domain("$DOMAIN", days=days, initial=True, default=True)


def weak_cloud() -> list[dict[str, Any]]:
    return [
        initial_domain(None),
        domain("contoso.com", days=90, notify=14),
        domain("eu.contoso.com", days=None, root=False),
        domain("fabrikam.com", days=None, verified=False, services=[]),
    ]


def hybrid() -> list[dict[str, Any]]:
    return [initial_domain(None), domain("contoso.com", days=None, kind="Federated")]


def hardened() -> list[dict[str, Any]]:
    return [
        initial_domain(NEVER_EXPIRE),
        domain("contoso.com", days=NEVER_EXPIRE, notify=14),
        domain("eu.contoso.com", days=None, root=False),
        domain("fabrikam.com", days=None, verified=False, services=[]),
    ]


def large() -> list[dict[str, Any]]:
    extra = [
        domain(f"brand{n:03d}.com", days=90 if n % 3 == 0 else NEVER_EXPIRE, notify=14)
        for n in range(1, LARGE_EXTRA_DOMAINS + 1)
    ]
    return weak_cloud() + extra


PROFILE_DOMAINS = {
    "weak-cloud": weak_cloud,
    "o365-only": weak_cloud,
    "hybrid-writeback-off": hybrid,
    "hardened": hardened,
    "large": large,
}


def initial_state(profile: str) -> dict[str, Any]:
    """The extension's state for a new tenant of ``profile``; any other profile gets the initial domain only."""
    build = PROFILE_DOMAINS.get(profile)
    return {"domains": build() if build else [initial_domain(None)]}
