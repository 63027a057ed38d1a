"""Shared helpers for the SSPR plugin's tests.

With ``--import-mode=importlib`` test modules cannot import their neighbours, so this directory
is put on ``sys.path`` for ``sspr_tenant_json`` (documented response shapes).
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = str(Path(__file__).parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)
