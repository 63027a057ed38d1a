"""The OData query options the simulated endpoints support: $select, $filter, $top, paging.

Only what Graph supports on each endpoint is honoured there (a route names the properties it can
filter on); anything else is refused with Graph's error, never silently ignored.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

# Defined in the one error tree (scorekeeper/errors.py); importable from here as before.
from scorekeeper.errors import ODataFilterError as ODataFilterError
from scorekeeper.simulator.errors import Area, GraphError, bad_request

GRAPH_ROOT = "https://graph.microsoft.com"


# ----------------------------------------------------------------------------- $select
def parse_select(raw: str | None) -> list[str] | None:
    if raw is None:
        return None
    fields = [f.strip() for f in raw.split(",") if f.strip()]
    return fields or None


def apply_select(item: dict[str, Any], fields: list[str] | None) -> dict[str, Any]:
    """Only the selected properties (plus ``@odata.type``, which Graph keeps for derived types)."""
    if not fields:
        return item
    out = {k: v for k, v in item.items() if k == "@odata.type"}
    for name in fields:
        if name in item:
            out[name] = item[name]
    return out


def check_select(fields: list[str] | None, known: Iterable[str], area: Area, type_name: str) -> None:
    known_set = set(known)
    for name in fields or []:
        if name not in known_set:
            raise bad_request(area, f"Could not find a property named '{name}' on type 'microsoft.graph.{type_name}'.")


# ----------------------------------------------------------------------------- $filter
_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<punct>[(),])"
    r"|(?P<word>[A-Za-z_@][\w./@-]*))"
)
_COMPARE = {"eq", "ne", "gt", "ge", "lt", "le"}
_FUNCTIONS = {"startswith", "endswith"}




@dataclass(frozen=True)
class Filter:
    """A parsed ``$filter``: a predicate over one item, and the properties it reads."""

    test: Callable[[dict[str, Any]], bool]
    properties: frozenset[str]


def _tokens(text: str) -> list[tuple[str, Any]]:
    tokens: list[tuple[str, Any]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if not match:
            raise ODataFilterError(f"Syntax error at position {pos} in '{text}'.")
        pos = match.end()
        if match.group("str") is not None:
            tokens.append(("lit", match.group("str")[1:-1].replace("''", "'")))
        elif match.group("num") is not None:
            num = match.group("num")
            tokens.append(("lit", float(num) if "." in num else int(num)))
        elif match.group("punct") is not None:
            tokens.append(("p", match.group("punct")))
        else:
            word = match.group("word")
            lowered = word.lower()
            if lowered in ("true", "false"):
                tokens.append(("lit", lowered == "true"))
            elif lowered == "null":
                tokens.append(("lit", None))
            elif lowered in _COMPARE | _FUNCTIONS | {"and", "or", "not"}:
                tokens.append(("kw", lowered))
            else:
                tokens.append(("prop", word))
    return tokens


def _lookup(item: dict[str, Any], path: str) -> Any:
    value: Any = item
    for part in path.split("/"):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _compare(op: str, left: Any, right: Any) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        left, right = left.lower(), right.lower()  # Graph compares directory strings case-insensitively
    if op == "eq":
        return bool(left == right)
    if op == "ne":
        return bool(left != right)
    if left is None or right is None:
        return False
    try:
        return {"gt": left > right, "ge": left >= right, "lt": left < right, "le": left <= right}[op]
    except TypeError:
        return False


def parse_filter(text: str) -> Filter:
    """Parse the subset of OData ``$filter`` Graph's directory supports: eq/ne/…, startswith, and/or/not."""
    tokens = _tokens(text)
    pos = 0
    props: set[str] = set()

    def peek() -> tuple[str, Any] | None:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> tuple[str, Any]:
        nonlocal pos
        if pos >= len(tokens):
            raise ODataFilterError(f"Syntax error: unexpected end of '{text}'.")
        pos += 1
        return tokens[pos - 1]

    def expect(kind: str, value: Any = None) -> Any:
        tok = take()
        if tok[0] != kind or (value is not None and tok[1] != value):
            raise ODataFilterError(f"Syntax error: expected {value or kind} in '{text}'.")
        return tok[1]

    def primary() -> Callable[[dict[str, Any]], bool]:
        tok = take()
        if tok == ("p", "("):
            inner = expression()
            expect("p", ")")
            return inner
        if tok == ("kw", "not"):
            inner = primary()
            return lambda item: not inner(item)
        if tok[0] == "kw" and tok[1] in _FUNCTIONS:
            name = tok[1]
            expect("p", "(")
            prop = expect("prop")
            expect("p", ",")
            literal = expect("lit")
            expect("p", ")")
            props.add(prop)
            if not isinstance(literal, str):
                raise ODataFilterError(f"{name} needs a string literal.")
            needle = literal.lower()
            if name == "startswith":
                return lambda item: str(_lookup(item, prop) or "").lower().startswith(needle)
            return lambda item: str(_lookup(item, prop) or "").lower().endswith(needle)
        if tok[0] == "prop":
            prop = tok[1]
            op = expect("kw")
            if op not in _COMPARE:
                raise ODataFilterError(f"Syntax error: '{op}' is not a comparison operator.")
            literal = expect("lit")
            props.add(prop)
            return lambda item: _compare(op, _lookup(item, prop), literal)
        raise ODataFilterError(f"Syntax error at '{tok[1]}' in '{text}'.")

    def conjunction() -> Callable[[dict[str, Any]], bool]:
        parts = [primary()]
        while peek() == ("kw", "and"):
            take()
            parts.append(primary())
        return lambda item: all(p(item) for p in parts)

    def expression() -> Callable[[dict[str, Any]], bool]:
        parts = [conjunction()]
        while peek() == ("kw", "or"):
            take()
            parts.append(conjunction())
        return lambda item: any(p(item) for p in parts)

    test = expression()
    if pos != len(tokens):
        raise ODataFilterError(f"Syntax error: unexpected '{tokens[pos][1]}' in '{text}'.")
    return Filter(test, frozenset(props))


def apply_filter(
    items: Sequence[dict[str, Any]], raw: str | None, allowed: Iterable[str], area: Area, type_name: str
) -> Sequence[dict[str, Any]]:
    if raw is None:
        return items
    try:
        parsed = parse_filter(raw)
    except ODataFilterError as exc:
        raise bad_request(area, f"Invalid filter clause: {exc}") from None
    allowed_set = set(allowed)
    for prop in sorted(parsed.properties):
        if prop not in allowed_set:
            code = "Request_UnsupportedQuery" if area is Area.DIRECTORY else "BadRequest"
            raise GraphError(
                400,
                code,
                f"Unsupported or invalid query filter clause specified for property '{prop}' of resource "
                f"'{type_name[0].upper() + type_name[1:]}'.",
            )
    return [item for item in items if parsed.test(item)]


# ----------------------------------------------------------------------------- $top and paging
def parse_top(raw: str | None, area: Area, maximum: int) -> int | None:
    if raw is None:
        return None
    try:
        top = int(raw)
    except ValueError:
        raise bad_request(area, f"Invalid value '{raw}' for $top query option found.") from None
    if top < 1 or top > maximum:
        raise bad_request(area, f"Invalid page size specified: '{top}'. Must be between 1 and {maximum} inclusive.")
    return top


def parse_skip(raw: str | None, area: Area) -> int:
    """``$skip=n``: how many items to leave out before the first page (0 when absent)."""
    if raw is None:
        return 0
    if not raw.strip().isdigit():
        raise bad_request(area, f"Invalid value '{raw}' for $skip query option found.")
    return int(raw)


def encode_skiptoken(offset: int, query: dict[str, str]) -> str:
    raw = json.dumps({"o": offset, "q": {k: v for k, v in query.items() if k != "$skiptoken"}}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_skiptoken(token: str, area: Area) -> tuple[int, dict[str, str]]:
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        return int(data["o"]), dict(data["q"])
    except (ValueError, KeyError, TypeError):
        raise bad_request(
            area, "The specified page token value has expired and can no longer be included in your request."
        ) from None
