"""The extension API: how a control plugin makes the simulator serve the endpoints its control uses.

```python
from scorekeeper.simulator import SimulatorExtension

domains = SimulatorExtension("domains", state={
    "weak-cloud": {"domains": [{"id": "$DOMAIN", "passwordValidityPeriodInDays": 90}]},
    "*": {"domains": [{"id": "$DOMAIN", "passwordValidityPeriodInDays": 2147483647}]},
})

@domains.get("/domains", permissions=["Domain.Read.All", "Directory.Read.All"])
def list_domains(ctx):
    return ctx.collection(ctx.state["domains"], "domains", type_name="domain")
```

Attach it with ``Simulator.from_profiles("weak-cloud", extensions=[domains])``, or publish it in
the entry point group ``scorekeeper.simulator`` (the value is the extension or a function
returning it) so that the ``demo`` tenant and ``scorekeeper simulator serve`` include it.
Handlers get a :class:`~scorekeeper.simulator.routing.RequestContext`: ``ctx.state`` is the
extension's own state for the calling tenant, and ``ctx.collection``/``ctx.entity``/
``ctx.validate``/``ctx.not_found``/``ctx.bad_request`` give Graph's shapes and errors.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from scorekeeper.simulator.errors import Area
from scorekeeper.simulator.routing import RouteTable

log = logging.getLogger("scorekeeper.simulator")
ENTRY_POINT_GROUP = "scorekeeper.simulator"
StateSource = Callable[[str], dict[str, Any]] | Mapping[str, dict[str, Any]] | None


class SimulatorExtension(RouteTable):
    """Routes plus per-profile state for one plugin; its state lives apart from the core's.

    ``state`` is a mapping profile name → initial state (``"*"`` for every other profile), or a
    function of the profile name. Strings may use ``$TENANT_ID``, ``$DOMAIN``, ``$TODAY``,
    ``$YESTERDAY``, as in the core profiles.
    """

    def __init__(self, name: str, *, state: StateSource = None, area: Area = Area.GRAPH) -> None:
        if not name or "/" in name:
            raise ValueError("an extension needs a name without '/'")
        super().__init__(area, namespace=name)
        self.name = name
        self._state = state

    def initial_state(self, profile: str) -> dict[str, Any]:
        if self._state is None:
            return {}
        if callable(self._state):
            return copy.deepcopy(self._state(profile))
        chosen = self._state.get(profile, self._state.get("*", {}))
        return copy.deepcopy(dict(chosen))

    def __repr__(self) -> str:
        return f"SimulatorExtension({self.name!r}, {len(self.routes)} routes)"


@cache
def installed_extensions() -> tuple[SimulatorExtension, ...]:
    """Extensions published by installed plugins; a broken one is logged and skipped."""
    from importlib.metadata import entry_points

    found: list[SimulatorExtension] = []
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        try:
            value = entry.load()
            extension = value if isinstance(value, SimulatorExtension) else value()
            if not isinstance(extension, SimulatorExtension):
                raise TypeError(f"{entry.value} is not a SimulatorExtension")
        except Exception as exc:  # one broken plugin must not stop the simulator
            log.warning("simulator extension %s could not be loaded: %s", entry.name, exc)
            continue
        found.append(extension)
    return tuple(found)
