"""Shared helpers for the admin-roles plugin's tests.

With ``--import-mode=importlib`` test modules cannot import their neighbours, so this directory
is put on ``sys.path`` for ``adminroles_fixtures`` (the plugin's own tenant states).
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = str(Path(__file__).parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)
