"""What an app registration and an admin need to assess or remediate, from the controls' declarations.

Microsoft Graph application permissions are the entries that look like ``Resource.Verb.Scope``;
anything else a setting lists (such as a delegated portal sign-in) is reported separately, with
the directory roles the signed-in admin must hold.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from scorekeeper.model import Control, Setting

_GRAPH_PERMISSION = re.compile(r"^[A-Z][A-Za-z]+(\.[A-Za-z]+)+$")


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
    return split_permissions(p for s in control.settings for p in s.read_permissions)[0]


def permission_report(controls: Iterable[Control]) -> dict[str, Any]:
    """The data behind ``scorekeeper permissions``: per control, per phase, per setting."""
    report = []
    for control in controls:
        reads = [p for s in control.settings for p in s.read_permissions]
        writes = [p for s in control.settings if s.write_api for p in s.write_permissions]
        read_graph, read_other = split_permissions(reads)
        write_graph, write_other = split_permissions(writes)
        report.append(
            {
                "control": control.id,
                "assess": {
                    "graph": read_graph,
                    "delegated": sorted({*read_other, *_delegated(control.settings, False)}),
                },
                "remediate": {
                    "graph": write_graph,
                    "delegated": sorted({*write_other, *_delegated(control.settings, True)}),
                },
                "settings": [
                    {
                        "id": s.id,
                        "read": list(s.read_permissions),
                        "write": list(s.write_permissions),
                        "directory_roles": list(s.directory_roles),
                        "apis": list(s.apis),
                    }
                    for s in control.settings
                ],
            }
        )
    return {"controls": report}
