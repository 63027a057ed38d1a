"""A stateful simulator of Microsoft Graph and the Azure portal's SSPR API, for tests and the demo.

The real msgraph-sdk pipeline talks to it over HTTP: in-process through
``httpx.ASGITransport(app=sim.app)`` or on loopback through ``scorekeeper simulator serve``.
See docs/simulator.md for every endpoint, the Microsoft page it follows and what is assumed.
"""

from __future__ import annotations

from scorekeeper.simulator.core import Simulator, SimulatorStateError, Tenant
from scorekeeper.simulator.errors import Area, GraphError
from scorekeeper.simulator.extension import ENTRY_POINT_GROUP, SimulatorExtension
from scorekeeper.simulator.faults import FaultRule
from scorekeeper.simulator.observe import LoggedRequest, StateChange
from scorekeeper.simulator.profiles import PROFILES, ProfileError
from scorekeeper.simulator.routing import Reply, RequestContext
from scorekeeper.simulator.tokens import GRAPH_AUDIENCE, PORTAL_AUDIENCE

__all__ = [
    "ENTRY_POINT_GROUP",
    "GRAPH_AUDIENCE",
    "PORTAL_AUDIENCE",
    "PROFILES",
    "Area",
    "FaultRule",
    "GraphError",
    "LoggedRequest",
    "ProfileError",
    "Reply",
    "RequestContext",
    "Simulator",
    "SimulatorExtension",
    "SimulatorStateError",
    "StateChange",
    "Tenant",
]
