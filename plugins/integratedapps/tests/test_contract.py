"""The plugin passes the same one-line contract suite any third-party control runs, on every shipped profile."""

from __future__ import annotations

from scorekeeper.testing import ControlContract


class TestIntegratedAppsContract(ControlContract):
    control_id = "IntegratedApps"
    weak_profile = "weak-cloud"
    profiles = ("weak-cloud", "hybrid-writeback-off", "hardened", "o365-only", "large", "modern-cloud")
