"""Pydantic problems as config lines: one place, so every config table words its errors alike.

It lives apart from ``config/model.py`` because the tables it serves are parsed in several modules
(templates, the partner app, notification channels) that ``model.py`` itself imports.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ValidationError

from scorekeeper.util.suggest import did_you_mean


def _location(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc if part not in ("__root__",))


def format_validation_error(prefix: str, error: ValidationError, model: type[BaseModel] | None = None) -> list[str]:
    """One line per pydantic problem, with the config path of the offending key.

    An unknown key names the closest known one of ``model`` and a wrong choice the closest
    allowed value, so a typo is fixed in one round.
    """
    lines = []
    for problem in error.errors():
        where = ".".join(p for p in (prefix, _location(problem["loc"])) if p)
        message = problem["msg"].removeprefix("Value error, ")
        if problem["type"] == "extra_forbidden":
            key = str(problem["loc"][-1]) if problem["loc"] else ""
            known = list(model.model_fields) if model is not None else []
            message = "unknown key" + (did_you_mean(key, known) or " (check the spelling)")
        elif problem["type"] == "literal_error" and isinstance(problem.get("input"), str):
            expected = re.findall(r"'([^']*)'", str(problem.get("ctx", {}).get("expected", "")))
            message += did_you_mean(problem["input"], expected)
        lines.append(f"{where}: {message}")
    return lines
