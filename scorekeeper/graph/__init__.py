"""What plugins may use to talk to Microsoft: batch items, the portal client and one error type."""

from scorekeeper.graph.batch import MAX_BATCH_SIZE, BatchItem
from scorekeeper.graph.errors import GraphCallError, PortalError, describe_error
from scorekeeper.graph.portal import PORTAL_RESOURCE, PORTAL_SCOPE, PortalClient

__all__ = [
    "MAX_BATCH_SIZE",
    "PORTAL_RESOURCE",
    "PORTAL_SCOPE",
    "BatchItem",
    "GraphCallError",
    "PortalClient",
    "PortalError",
    "describe_error",
]
