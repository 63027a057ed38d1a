"""scorekeeper: raise Microsoft Secure Score by assessing, remediating and verifying controls.

This module is the public API that plugins may import: the hook markers, :class:`Controller`
(what a plugin registers), the domain types, the tenant context with its write helper, and the
read result. Also public: :mod:`scorekeeper.reads` (batch, paging, Secure Score),
:mod:`scorekeeper.verification` (did-it-stick wording), :mod:`scorekeeper.writes` (the write
helper's types), :mod:`scorekeeper.conditional_access` (Microsoft's Conditional Access templates:
recognise, create report-only, promote with sign-in evidence, roll back), :mod:`scorekeeper.errors`,
:mod:`scorekeeper.graph`, :mod:`scorekeeper.testing` and :mod:`scorekeeper.simulator`. Everything
else is internal and may change between releases.
"""

from typing import TYPE_CHECKING, Any

from scorekeeper.domain.impact import Affected, Harm, Impact
from scorekeeper.domain.levels import Level
from scorekeeper.domain.licensing import gate_by_licence
from scorekeeper.domain.model import (
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
    Restoration,
    RestoreStatus,
    RunResult,
    SecureScore,
    Setting,
    Status,
    Verification,
    WhenConfigured,
)
from scorekeeper.domain.platform_changes import ChangeAhead, PlatformChange, changes_ahead
from scorekeeper.domain.staging import Stage
from scorekeeper.errors import RemediationBlocked, ScorekeeperError, WritesStopped
from scorekeeper.plugin.context import Assessment, ChangeRecorder, TenantContext
from scorekeeper.plugin.controller import Controller, RegisterControl
from scorekeeper.plugin.hookspecs import HOOKSPEC_VERSION, hookimpl, hookspec
from scorekeeper.plugin.reads import Read
from scorekeeper.plugin.writes import Part, Request

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
    "Affected",
    "Assessment",
    "Attestation",
    "BatchItem",
    "Change",
    "ChangeAhead",
    "ChangeRecorder",
    "Control",
    "ControlResult",
    "Controller",
    "Finding",
    "GraphCallError",
    "Harm",
    "Impact",
    "JSONValue",
    "Level",
    "Outcome",
    "Part",
    "Plan",
    "PlanItem",
    "PlatformChange",
    "PortalClient",
    "PortalError",
    "ProgressEvent",
    "Read",
    "RegisterControl",
    "RemediationBlocked",
    "RemediationKind",
    "Request",
    "Restoration",
    "RestoreStatus",
    "RunResult",
    "ScorekeeperError",
    "SecureScore",
    "Setting",
    "Stage",
    "Status",
    "TenantContext",
    "Verification",
    "WhenConfigured",
    "WritesStopped",
    "__version__",
    "changes_ahead",
    "gate_by_licence",
    "hookimpl",
    "hookspec",
]
