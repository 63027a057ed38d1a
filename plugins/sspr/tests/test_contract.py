"""The SSPR plugin passes the same one-line contract suite any third-party control runs."""

from __future__ import annotations

from scorekeeper.testing import ControlContract


class TestSelfServicePasswordResetContract(ControlContract):
    control_id = "SelfServicePasswordReset"
    weak_profile = "weak-cloud"
    profiles = ("weak-cloud", "hybrid-writeback-off", "hardened", "o365-only")
    config = {"helpdesk": "https://help.contoso.com/password"}  # noqa: RUF012
