"""scorekeeper: raise Microsoft Secure Score by assessing, remediating and verifying controls.

This module is the public API that plugins may import: the hook markers, the domain types and
the tenant context. Everything else in the package is internal and may change between releases.
"""

from scorekeeper.graph import BatchItem, GraphCallError, PortalClient, PortalError
from scorekeeper.hookspecs import HOOKSPEC_VERSION, hookimpl, hookspec
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
from scorekeeper.tenant import Assessment, ChangeRecorder, TenantContext

__version__ = "0.1.0"

__all__ = [
    "HOOKSPEC_VERSION",
    "Assessment",
    "Attestation",
    "BatchItem",
    "Change",
    "ChangeRecorder",
    "Control",
    "ControlResult",
    "Finding",
    "GraphCallError",
    "JSONValue",
    "Outcome",
    "Plan",
    "PlanItem",
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
    "hookimpl",
    "hookspec",
]
