"""The control object, built once from the catalogue and the config model.

It lives apart from :mod:`scorekeeper_sspr.plugin` so that evaluation (which gates rows by the
licence each setting declares) can use it without importing the entry point, which in turn
imports the assessment: that was the circle ``assess`` → ``evaluate`` → ``plugin`` → ``assess``.
"""

from __future__ import annotations

from scorekeeper_sspr.config import SsprConfig
from scorekeeper_sspr.settings import build_control

CONTROL = build_control(SsprConfig)
