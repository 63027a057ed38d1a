"""The simulator's built-in endpoints, one module per area of Microsoft's APIs."""

from __future__ import annotations

from scorekeeper.simulator.routing import Route


def core_routes() -> list[Route]:
    from scorekeeper.simulator.routes import (
        conditional_access,
        consent,
        directory,
        intune,
        policies,
        portal,
        reports,
        security,
        settings,
    )

    modules = (directory, policies, consent, intune, conditional_access, settings, security, portal, reports)
    return [route for module in modules for route in module.table.routes]
