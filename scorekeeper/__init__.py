"""scorekeeper: raise Microsoft Secure Score by assessing, remediating and verifying controls.

This module is the public API that plugins may import: the hook markers, the domain types and
the tenant context. Everything else in the package is internal and may change between releases.
"""

from typing import TYPE_CHECKING, Any

from scorekeeper.hookspecs import HOOKSPEC_VERSION, hookimpl, hookspec
from scorekeeper.licensing import gate_by_licence
from scorekeeper.model import (
    Attestation,
    Change,
    Control,
    ControlResult,
    Finding,
    JSONValue,
    Outcome,
    Plan,
    PlanItem,
    ProgressEvent,
    RemediationKind,
    RunResult,
    SecureScore,
    Setting,
    Status,
)
from scorekeeper.platform_changes import ChangeAhead, PlatformChange, changes_ahead
from scorekeeper.tenant import Assessment, ChangeRecorder, TenantContext

if TYPE_CHECKING:
    from scorekeeper.graph import BatchItem, GraphCallError, PortalClient, PortalError

__version__ = "0.1.0"

#: Names served lazily: importing the Graph helpers pulls in asyncio, which ``--help`` can do without.
_LAZY = {name: "scorekeeper.graph" for name in ("BatchItem", "GraphCallError", "PortalClient", "PortalError")}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'scorekeeper' has no attribute {name!r}")


__all__ = [
    "HOOKSPEC_VERSION",
    "Assessment",
    "Attestation",
    "BatchItem",
    "Change",
    "ChangeAhead",
    "ChangeRecorder",
    "Control",
    "ControlResult",
    "Finding",
    "GraphCallError",
    "JSONValue",
    "Outcome",
    "Plan",
    "PlanItem",
    "PlatformChange",
    "PortalClient",
    "PortalError",
    "ProgressEvent",
    "RemediationKind",
    "RunResult",
    "SecureScore",
    "Setting",
    "Status",
    "TenantContext",
    "__version__",
    "changes_ahead",
    "gate_by_licence",
    "hookimpl",
    "hookspec",
]
