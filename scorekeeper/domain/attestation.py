"""Which settings a person may attest: only guided ones, the settings no API can change.

An attestation turns a ``manual`` finding into ``pass``. For a setting an API writes (or one that
is only informational) it would change nothing, so recording it misleads: the next assessment
still reads the tenant. The CLI refuses such an attestation with the command that does fix the
setting, and the plan never suggests attesting one (a guided *step* of an automated setting, such
as "set helpdesk in the config", is done and then re-assessed, not attested).
"""

from __future__ import annotations

from scorekeeper.domain.model import Control, RemediationKind


def can_attest(control: Control, setting_id: str) -> bool:
    """True for a setting whose declared remediation is guided, or one declared ``attestable``
    (automated, but also done another way no API reads, such as a registry value or GPO)."""
    setting = control.setting(setting_id)
    return setting.remediation is RemediationKind.GUIDED or setting.attestable


def attest_refusal(control: Control, setting_id: str, tenant: str) -> str | None:
    """Why ``setting_id`` may not be attested (one line with what to do instead), or ``None``."""
    setting = control.setting(setting_id)
    if setting.remediation is RemediationKind.GUIDED or setting.attestable:
        return None
    if setting.remediation is RemediationKind.AUTOMATED:
        return (
            f"{control.id}/{setting_id} is automated, so an attestation would change nothing; fix it with: "
            f"scorekeeper remediate --tenant {tenant} --control {control.id} --setting {setting_id}"
        )
    return f"{control.id}/{setting_id} is informational: there is nothing to do or attest"
