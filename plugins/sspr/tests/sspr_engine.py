"""An engine over simulators with a ``[remediation]`` table, for tests that remediate advice rows too.

``scorekeeper.testing.make_engine`` builds the default configuration, whose requirements
(criterion and baseline) leave advice-level settings unplanned; most of this plugin's rows are
advice, so the remediation tests select every level (or what each test names).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

EVERY_LEVEL = ("criterion", "baseline", "advice")


def sspr_engine(
    sims: dict[str, Any],
    store: Any,
    data_dir: Path,
    *,
    controls: dict[str, dict[str, Any]] | None = None,
    requirements: Iterable[str] = EVERY_LEVEL,
    accept_impact: Iterable[str] = (),
    promote: Iterable[str] = (),
) -> Any:
    from scorekeeper.config.model import parse_config
    from scorekeeper.engine import Engine
    from scorekeeper.plugin.manager import load_plugins

    data: dict[str, Any] = {
        "tenants": {name: {"simulator": True, "tenant_id": sim.tenant_id} for name, sim in sims.items()},
        "controls": controls or {},
        "remediation": {
            "requirements": list(requirements),
            "accept_impact": list(accept_impact),
            "promote": list(promote),
        },
    }
    config = parse_config(data, None, data_dir=data_dir)
    return Engine(config, load_plugins(()), store, data_dir, simulators=dict(sims))
