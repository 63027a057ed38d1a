"""Puts this directory on ``sys.path`` so the tests import ``ca_fixtures`` (``--import-mode=importlib``
keeps test modules from importing their neighbours otherwise)."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = str(Path(__file__).parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)
