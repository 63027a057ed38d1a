"""The simulator's built-in endpoints, one module per area of Microsoft's APIs."""

from __future__ import annotations

from types import ModuleType

from scorekeeper.simulator.routing import Route


def core_routes() -> list[Route]:
    from scorekeeper.simulator.routes import (
        applications,
        audit_logs,
        conditional_access,
        consent,
        directory,
        identity,
        intune,
        intune_devices,
        membership,
        partner,
        policies,
        portal,
        reports,
        roles,
        security,
        settings,
    )

    modules: tuple[ModuleType, ...] = (
        directory,
        policies,
        consent,
        intune,
        conditional_access,
        settings,
        security,
        portal,
        reports,
    )
    modules += (roles, identity, applications, intune_devices, audit_logs)  # issue 27: the core directory
    modules += (membership,)  # issue 25: group members (the profiles' groupMembers)
    modules += (partner,)  # issue 28: GDAP relationships and customers of a partner tenant
    return [route for module in modules for route in module.table.routes]
