"""``[scorekeeper] concurrency``: 64 tenants at once unless the config says otherwise, 1 to 256 accepted.

Why 64 is in ``scorekeeper/config/model.py`` and docs/performance.md (measured at 4/16/64/128).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scorekeeper.config.model import ConfigError, parse_config


def _concurrency(tmp_path: Path, table: dict[str, object]) -> int:
    return parse_config({"scorekeeper": table}, None, data_dir=tmp_path).settings.concurrency


def test_a_config_that_names_no_concurrency_assesses_64_tenants_at_once(tmp_path: Path) -> None:
    assert _concurrency(tmp_path, {}) == 64


@pytest.mark.parametrize("value", [1, 4, 128, 256])
def test_a_concurrency_from_1_to_256_is_kept(tmp_path: Path, value: int) -> None:
    assert _concurrency(tmp_path, {"concurrency": value}) == value


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0, "scorekeeper.concurrency: Input should be greater than or equal to 1"),
        (257, "scorekeeper.concurrency: Input should be less than or equal to 256"),
    ],
)
def test_a_concurrency_out_of_range_is_one_line_naming_the_key(tmp_path: Path, value: int, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _concurrency(tmp_path, {"concurrency": value})
    assert caught.value.problems == [message]
