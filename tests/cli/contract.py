"""Validate a command's ``--json`` output against its published schema in ``docs/schemas/``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "schemas"


def validated(command: str, text: str) -> Any:
    """The parsed document, after checking it against ``docs/schemas/<command>.json``."""
    data = json.loads(text)
    schema = json.loads((SCHEMAS / f"{command}.json").read_text(encoding="utf-8"))
    errors = sorted(Draft202012Validator(schema).iter_errors(data), key=lambda e: list(e.absolute_path))
    assert not errors, f"{command} --json breaks its schema: " + "; ".join(
        f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message[:200]}" for e in errors[:5]
    )
    return data
