"""Fixtures of the write-safety tests: a served simulated tenant and the CLI pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.safety.harness import Lab, lab


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Lab]:
    with lab(tmp_path) as the_lab:
        yield the_lab
