"""What an app registration and an admin need to assess or remediate, from the controls' declarations.

Microsoft Graph application permissions are the entries that look like ``Resource.Verb.Scope``;
anything else a setting lists (such as a delegated portal sign-in) is reported separately, with
the directory roles the signed-in admin must hold.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from scorekeeper.domain.model import Control, Setting

# Defined in the one error tree (scorekeeper/errors.py); importable from here as before.
from scorekeeper.errors import MissingPermissionIdError as MissingPermissionIdError

_GRAPH_PERMISSION = re.compile(r"^[A-Z][A-Za-z]+(\.[A-Za-z]+)+$")

#: Application permissions that Microsoft's permission tables list as *also accepted* ("higher
#: privileged") wherever the narrower one on the left is the least-privileged choice. Settings
#: declare the least-privileged permission for their own read; an app registration needs only the
#: smallest set, so a narrower permission is dropped from the set to grant when a broader one that
#: covers it is granted anyway (the reads of ``organization``/``subscribedSkus``, the
#: authentication methods and Conditional Access policies, group members and users).
COVERED_BY: dict[str, frozenset[str]] = {
    "Organization.Read.All": frozenset({"Directory.Read.All", "Directory.ReadWrite.All", "Organization.ReadWrite.All"}),
    "Policy.Read.AuthenticationMethod": frozenset({"Policy.Read.All", "Policy.ReadWrite.AuthenticationMethod"}),
    "Policy.Read.ConditionalAccess": frozenset({"Policy.Read.All", "Policy.ReadWrite.ConditionalAccess"}),
    "GroupMember.Read.All": frozenset({"Directory.Read.All", "Directory.ReadWrite.All", "Group.Read.All"}),
    "User.Read.All": frozenset({"Directory.Read.All", "Directory.ReadWrite.All", "User.ReadWrite.All"}),
    "Domain.Read.All": frozenset({"Directory.Read.All", "Domain.ReadWrite.All"}),
}


def covering(permission: str) -> frozenset[str]:
    """The permissions that also grant ``permission``: its ``COVERED_BY`` entry and its ReadWrite twin.

    ``X.ReadWrite.Y`` lets an app read whatever ``X.Read.Y`` does (Microsoft's permission tables
    list the ReadWrite form as "higher privileged" on every read API), so asking for both in one
    app registration is asking for the read twice.
    """
    twin = {permission.replace(".Read.", ".ReadWrite.", 1)} if ".Read." in permission else set()
    return COVERED_BY.get(permission, frozenset()) | twin


def smallest_grant(permissions: Iterable[str]) -> list[str]:
    """``permissions`` without those another of them already covers (see :func:`covering`), sorted."""
    wanted = set(permissions)
    return sorted(p for p in wanted if not (covering(p) & wanted))


def split_permissions(names: Iterable[str]) -> tuple[list[str], list[str]]:
    """(Graph application permissions, other requirements), each sorted and de-duplicated."""
    graph, other = set(), set()
    for name in names:
        (graph if _GRAPH_PERMISSION.match(name) else other).add(name)
    return sorted(graph), sorted(other)


def _delegated(settings: Iterable[Setting], write: bool) -> list[str]:
    needs = set()
    for s in settings:
        if "portal" in s.apis and (not write or s.write_api):
            roles = " or ".join(s.directory_roles) or "an admin role"
            needs.add(f"delegated portal sign-in ({roles})")
    return sorted(needs)


def assess_permissions(control: Control) -> list[str]:
    """The Graph application permissions that assessing ``control`` needs, least-privileged."""
    return smallest_grant(split_permissions(p for s in control.settings for p in s.read_permissions)[0])


def _grants_write(permission: str) -> bool:
    """``ReadWrite`` (or another verb than ``Read``): a permission that lets the app change something."""
    parts = permission.split(".")
    return len(parts) > 1 and parts[1] != "Read"


def engine_reads() -> list[dict[str, Any]]:
    """What the engine reads in every assessment beside the controls' own reads, least-privileged.

    Optional: without the permission the assessment still succeeds and reports say why the
    information is missing. ``application`` is what an app registration grants; ``delegated``
    what a signed-in user's token needs instead (Microsoft's permission table of the API).
    """
    from scorekeeper.graph import organization

    return [
        {
            "read": organization.READ_API,
            "for": organization.WHY,
            "application": organization.APPLICATION_PERMISSION,
            "delegated": organization.DELEGATED_PERMISSION,
            "required": False,
            "docs_url": organization.DOCS_URL,
        }
    ]


def _conditional(control: Control, configured: Iterable[str]) -> list[dict[str, Any]]:
    """The control's ``Setting.when_configured`` entries, each marked whether the config sets its key."""
    keys = set(configured)
    return [
        {
            "setting": s.id,
            "key": c.key,
            "read": list(c.read_permissions),
            "write": list(c.write_permissions),
            "why": c.why,
            "configured": c.key in keys,
        }
        for s in control.settings
        for c in s.when_configured
    ]


def permission_report(
    controls: Iterable[Control], configured: Callable[[str], Iterable[str]] | None = None
) -> dict[str, Any]:
    """The data behind ``scorekeeper permissions``: per control, per phase, per setting, and the union.

    ``configured(control_id)`` names the keys of ``[controls.<id>]`` (or of any tenant's override)
    that the configuration sets: a permission a setting needs only when such a key is set
    (``Setting.when_configured``, e.g. User.Read.All to resolve break-glass UPNs) joins the control's
    sets and the union when the key is set, and is listed under ``when_configured`` either way, so
    an admin sees it before setting the key.

    A setting's ``write`` column lists only permissions that let the app change something; a read
    its remediation needs (resolving a group by name, say) is listed under ``read``, though the
    control's ``remediate`` set still includes it. ``engine`` lists what every assessment reads
    beside the controls (:func:`engine_reads`). ``all`` is what one app registration needs for
    every listed control and those reads: ``assess`` to read them, ``remediate`` to read and
    change them.
    """
    controls = list(controls)
    report = []
    for control in controls:
        conditional = _conditional(control, configured(control.id) if configured else ())
        active = [c for c in conditional if c["configured"]]
        reads = [p for s in control.settings for p in s.read_permissions] + [p for c in active for p in c["read"]]
        writes = [p for s in control.settings if s.write_api for p in s.write_permissions]
        writes += [p for c in active for p in c["write"]]
        read_graph, read_other = split_permissions(reads)
        write_graph, write_other = split_permissions(writes)
        report.append(
            {
                "control": control.id,
                "assess": {
                    "graph": smallest_grant(read_graph),
                    "delegated": sorted({*read_other, *_delegated(control.settings, False)}),
                },
                "remediate": {
                    "graph": smallest_grant(write_graph),
                    "delegated": sorted({*write_other, *_delegated(control.settings, True)}),
                },
                "settings": [
                    {
                        "id": s.id,
                        "read": list(
                            dict.fromkeys(
                                [*s.read_permissions, *(p for p in s.write_permissions if not _grants_write(p))]
                            )
                        ),
                        "write": [p for p in s.write_permissions if _grants_write(p)],
                        "directory_roles": list(s.directory_roles),
                        "apis": list(s.apis),
                    }
                    for s in control.settings
                ],
                "when_configured": conditional,
            }
        )
    engine = engine_reads()
    assess_all = {p for c in report for p in c["assess"]["graph"]} | {r["application"] for r in engine}
    remediate_all = assess_all | {p for c in report for p in c["remediate"]["graph"]}
    delegated = sorted({p for c in report for phase in ("assess", "remediate") for p in c[phase]["delegated"]})
    return {
        "controls": report,
        "engine": engine,
        "all": {
            "assess": smallest_grant(assess_all),
            "remediate": smallest_grant(remediate_all),
            "delegated": delegated,
        },
    }


def required_resource_access(
    report: dict[str, Any], phase: str = "remediate", ids: dict[tuple[str, Any], str] | None = None
) -> dict[str, Any]:
    """An application's ``requiredResourceAccess`` for ``report`` (see :func:`permission_report`).

    ``phase`` picks the union to grant: ``assess`` (read only) or ``remediate`` (read and change).
    The Graph permissions the report lists are application permissions (``"Role"``); a delegated
    requirement that is a Graph permission name becomes a ``"Scope"``, while the portal sign-in is
    not a Graph permission and stays out. Raises :class:`MissingPermissionIdError` naming every
    permission without a recorded id rather than returning a partial manifest.
    """
    from scorekeeper.engine.permission_ids import GRAPH_APP_ID, IDS

    table = IDS if ids is None else ids
    wanted = [(name, "Application", "Role") for name in report["all"][phase]]
    wanted += [(name, "Delegated", "Scope") for name in report["all"]["delegated"] if _GRAPH_PERMISSION.match(name)]
    missing = [f"{name} ({kind.lower()})" for name, kind, _ in wanted if (name, kind) not in table]
    if missing:
        raise MissingPermissionIdError(missing)
    access = [{"id": table[(name, kind)], "type": type_} for name, kind, type_ in wanted]
    return {"requiredResourceAccess": [{"resourceAppId": GRAPH_APP_ID, "resourceAccess": access}]}
