"""The plugin passes the same one-line contract suite any third-party control runs, on every shipped profile.

The weak tenant is remediated with a configured reviewer (a user principal name, looked up in the
tenant), so the admin consent workflow is an automated write like user consent.
"""

from __future__ import annotations

from typing import Any

from scorekeeper.testing import ControlContract


class TestIntegratedAppsContract(ControlContract):
    control_id = "IntegratedApps"
    weak_profile = "weak-cloud"
    profiles = ("weak-cloud", "hybrid-writeback-off", "hardened", "o365-only", "modern-cloud")
    config: dict[str, Any] = {"consent_reviewers": ["adelev@contoso.onmicrosoft.com"]}  # noqa: RUF012
