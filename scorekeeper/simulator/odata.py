"""Graph's OData query options, once for every simulated route: $select, $filter, $orderby, $count, $top, paging.

A route returns objects of one Graph type (derived from its path through the metadata, or named
by the route); this module shapes them as Graph does: the type's default property set with
``null`` for what the state does not hold, exactly the ``$select``-ed properties, a ``$filter``
on the properties Microsoft documents as filterable, typed as the metadata types them. Anything
else is refused with Graph's error, never silently ignored.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

# Defined in the one error tree (scorekeeper/errors.py); importable from here as before.
from scorekeeper.errors import ODataFilterError as ODataFilterError
from scorekeeper.simulator.errors import Area, GraphError, bad_request
from scorekeeper.simulator.metadata import NUMBERS, TypeInfo, enum_members, find_type

GRAPH_ROOT = "https://graph.microsoft.com"


# ----------------------------------------------------------------------------- shapes and $select
def parse_select(raw: str | None) -> list[str] | None:
    if raw is None:
        return None
    fields = [f.strip() for f in raw.split(",") if f.strip()]
    return fields or None


def apply_select(item: dict[str, Any], fields: list[str] | None) -> dict[str, Any]:
    """Exactly the selected properties, each present (``null`` when unset), plus ``@odata.type``."""
    if not fields:
        return item
    out = {k: v for k, v in item.items() if k == "@odata.type"}
    for name in fields:
        out[name] = item.get(name)
    return out


def unknown_property(area: Area, name: str, type_name: str) -> GraphError:
    """ODataLib's answer to a ``$select``/``$filter``/``$orderby`` name the type does not have."""
    full = type_name if "." in type_name else f"microsoft.graph.{type_name}"
    return bad_request(area, f"Could not find a property named '{name}' on type '{full}'.")


def check_select(fields: list[str] | None, known: Iterable[str], area: Area, type_name: str) -> None:
    known_set = set(known)
    for name in fields or []:
        if name not in known_set:
            raise unknown_property(area, name, type_name)


def check_select_type(fields: list[str] | None, info: TypeInfo, area: Area) -> None:
    """Every selected name must be a property (structural or navigation) of the type."""
    for name in fields or []:
        if name != "*" and not info.member(name):
            raise unknown_property(area, name, info.name)


def concrete(item: dict[str, Any], info: TypeInfo) -> TypeInfo:
    """The item's own type: its ``@odata.type`` when that names a type derived from ``info``."""
    odata_type = item.get("@odata.type")
    if isinstance(odata_type, str) and info.derived:
        name = odata_type.lstrip("#")
        if name != info.name and name in info.derived:
            return find_type(name) or info
    return info


def shape(item: dict[str, Any], info: TypeInfo | None, fields: list[str] | None) -> dict[str, Any]:
    """One object as Graph serves it: the selected properties, or the type's default set.

    Stored objects hold what a profile sets; everything else of the default set is served as
    ``null``. Types whose pages document a smaller default set (users) serve only that set;
    other types keep what the state holds besides (navigation properties a route expanded).
    """
    if fields and "*" not in fields:
        return apply_select(item, fields)
    if info is None:
        return item
    own = concrete(item, info) if "@odata.type" in item else info
    if own.reduced:
        out = {name: item.get(name) for name in own.default}
        if "@odata.type" in item:
            return {"@odata.type": item["@odata.type"], **out}
        return out
    out = own.template.copy()
    out.update(item)
    if "@odata.type" in item:
        return {"@odata.type": item["@odata.type"], **out}
    return out


# ----------------------------------------------------------------------------- $filter
_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')"
    r"|(?P<guid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![\w-]))"
    r"|(?P<date>\d{4}-\d{2}-\d{2}(?:T[\d:.]+(?:Z|[+-]\d{2}:\d{2})?)?(?![\w-]))"
    r"|(?P<num>-?\d+(?:\.\d+)?(?![\w-]))|(?P<punct>[(),:])"
    r"|(?P<word>[A-Za-z_@$][\w./@$-]*))"
)
_COMPARE = {"eq", "ne", "gt", "ge", "lt", "le"}
_FUNCTIONS = {"startswith", "endswith"}
#: How the API pages spell the operators (``Supports $filter (eq, startsWith, …)``).
_DOC_NAMES = {"startswith": "startsWith", "endswith": "endsWith"}
Predicate = Callable[[dict[str, Any]], bool]


@dataclass(frozen=True)
class Filter:
    """A parsed ``$filter``: a predicate over one item, the properties it reads, and how.

    ``uses`` lists (property path, operator, literal) for every comparison on the item's own
    properties (not those inside an ``any`` lambda), so the literal can be typed against the
    metadata and the operator against what the property's page lists.
    """

    test: Predicate
    properties: frozenset[str]
    uses: tuple[tuple[str, str, Any], ...] = field(default=())


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
        elif match.group("guid") is not None or match.group("date") is not None:
            tokens.append(("lit", match.group("guid") or match.group("date")))  # Edm.Guid / DateTimeOffset
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
            elif lowered in _COMPARE | _FUNCTIONS | {"and", "or", "not", "in"}:
                tokens.append(("kw", lowered))
            else:
                tokens.append(("prop", word))
    return tokens


def _lookup(item: dict[str, Any], path: str) -> Any:
    value: Any = item
    for part in path.split("/"):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _fold(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


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
    """Parse the subset of OData ``$filter`` Graph's directory supports.

    ``eq ne gt ge lt le``, ``in (…)``, ``startswith``/``endswith``, ``and``/``or``/``not``,
    parentheses, and ``collection/any(x: x eq 'v')`` (or ``x/sub eq v`` for complex items).
    """
    tokens = _tokens(text)
    pos = 0
    props: set[str] = set()
    uses: list[tuple[str, str, Any]] = []
    variables: list[str] = []

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

    def record(prop: str, op: str, literal: Any) -> None:
        """Note a property read: the lambda's own variable is not a property of the item."""
        head = prop.split("/", 1)[0]
        if head in variables:
            return
        props.add(head)
        uses.append((prop, op, literal))

    def literal_list() -> list[Any]:
        expect("p", "(")
        values = [expect("lit")]
        while peek() == ("p", ","):
            take()
            values.append(expect("lit"))
        expect("p", ")")
        return values

    def any_lambda(collection: str) -> Predicate:
        expect("p", "(")
        variable = expect("prop")
        expect("p", ":")
        variables.append(variable)
        inner = expression()
        variables.pop()
        expect("p", ")")
        props.add(collection.split("/", 1)[0])
        uses.append((collection, "any", None))
        return lambda item: any(inner({variable: element}) for element in (_lookup(item, collection) or []))

    def primary() -> Predicate:
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
            if not isinstance(literal, str):
                raise ODataFilterError(f"{name} needs a string literal.")
            record(prop, name, literal)
            needle = literal.lower()
            if name == "startswith":
                return lambda item: str(_lookup(item, prop) or "").lower().startswith(needle)
            return lambda item: str(_lookup(item, prop) or "").lower().endswith(needle)
        if tok[0] == "prop":
            prop = tok[1]
            if prop.lower().endswith("/any"):
                return any_lambda(prop[: -len("/any")])
            op = expect("kw")
            if op == "in":
                values = literal_list()
                for value in values:
                    record(prop, "in", value)
                folded = {_fold(v) for v in values}
                return lambda item: _fold(_lookup(item, prop)) in folded
            if op not in _COMPARE:
                raise ODataFilterError(f"Syntax error: '{op}' is not a comparison operator.")
            literal = expect("lit")
            record(prop, op, literal)
            return lambda item: _compare(op, _lookup(item, prop), literal)
        raise ODataFilterError(f"Syntax error at '{tok[1]}' in '{text}'.")

    def conjunction() -> Predicate:
        parts = [primary()]
        while peek() == ("kw", "and"):
            take()
            parts.append(primary())
        return lambda item: all(p(item) for p in parts)

    def expression() -> Predicate:
        parts = [conjunction()]
        while peek() == ("kw", "or"):
            take()
            parts.append(conjunction())
        return lambda item: any(p(item) for p in parts)

    test = expression()
    if pos != len(tokens):
        raise ODataFilterError(f"Syntax error: unexpected '{tokens[pos][1]}' in '{text}'.")
    return Filter(test, frozenset(props), tuple(uses))


def _edm_of(value: Any) -> str:
    if isinstance(value, bool):
        return "Edm.Boolean"
    if isinstance(value, int):
        return "Edm.Int32"
    if isinstance(value, float):
        return "Edm.Double"
    return "Edm.String"


def _check_literal(area: Area, info: TypeInfo, path: str, op: str, literal: Any) -> None:
    """Type ``literal`` as the metadata types the property (ODataLib's errors when it does not fit)."""
    prop = info.properties.get(path.split("/", 1)[0])
    if prop is None or "/" in path or literal is None or op == "any":
        return
    expected = prop.type
    members = enum_members(expected)
    if members is not None:
        if not isinstance(literal, str):
            raise bad_request(area, f"The value '{literal}' is not a valid enumeration type constant.")
        if literal not in members:
            raise bad_request(area, f"The string '{literal}' is not a valid enumeration type constant.")
        return
    if expected == "Edm.Boolean":
        fits = isinstance(literal, bool)
    elif expected in NUMBERS:
        fits = isinstance(literal, (int, float)) and not isinstance(literal, bool)
    else:
        fits = isinstance(literal, str)
    if not fits:
        kind = {"eq": "Equal", "ne": "NotEqual", "gt": "GreaterThan", "ge": "GreaterThanOrEqual"}.get(op, op)
        kind = {"lt": "LessThan", "le": "LessThanOrEqual"}.get(op, kind)
        raise bad_request(
            area,
            "A binary operator with incompatible types was detected. Found operand types "
            f"'{expected}' and '{_edm_of(literal)}' for operator kind '{kind}'.",
        )


def unsupported_filter(area: Area, prop: str, resource: str) -> GraphError:
    code = "Request_UnsupportedQuery" if area is Area.DIRECTORY else "BadRequest"
    return GraphError(
        400,
        code,
        f"Unsupported or invalid query filter clause specified for property '{prop}' of resource '{resource}'.",
    )


def apply_filter(
    items: Sequence[dict[str, Any]],
    raw: str | None,
    allowed: Iterable[str],
    area: Area,
    type_name: str,
    info: TypeInfo | None = None,
) -> Sequence[dict[str, Any]]:
    """Items matching ``$filter``; a 400 for a property that is not filterable, unknown, or mistyped.

    ``allowed`` names the properties a route declares filterable; with ``info`` (the route's
    type) the metadata adds those Microsoft documents, and checks each operator and literal.
    """
    if raw is None:
        return items
    try:
        parsed = parse_filter(raw)
    except ODataFilterError as exc:
        raise bad_request(area, f"Invalid filter clause: {exc}") from None
    allowed_set = set(allowed)
    resource = type_name[0].upper() + type_name[1:]
    for prop in sorted(parsed.properties):
        if info is not None and not info.member(prop):
            raise unknown_property(area, prop, info.name)
        if prop not in allowed_set and (info is None or prop not in info.filterable):
            raise unsupported_filter(area, prop, resource)
    if info is not None:
        for path, op, literal in parsed.uses:
            head = path.split("/", 1)[0]
            operators = info.filterable.get(head, frozenset())
            spelled = _DOC_NAMES.get(op, op)
            if operators and head not in allowed_set and op != "any" and spelled not in operators:
                raise unsupported_filter(area, head, resource)
            _check_literal(area, info, path, op, literal)
    return [item for item in items if parsed.test(item)]


# ----------------------------------------------------------------------------- $orderby and $count
def apply_orderby(
    items: Sequence[dict[str, Any]], raw: str | None, sortable: Iterable[str], area: Area, info: TypeInfo | None
) -> Sequence[dict[str, Any]]:
    """``$orderby=prop [asc|desc], …`` on the properties the metadata or the pages say are sortable."""
    if raw is None:
        return items
    keys: list[tuple[str, bool]] = []
    allowed = set(sortable) | (set(info.sortable) if info is not None else set())
    for part in (p.strip() for p in raw.split(",")):
        name, _, direction = part.partition(" ")
        direction = direction.strip().lower() or "asc"
        if not name or direction not in ("asc", "desc"):
            raise bad_request(area, f"Invalid $orderby clause '{raw}'.")
        if info is not None and not info.member(name):
            raise unknown_property(area, name, info.name)
        if name not in allowed:
            raise bad_request(area, f"Sorting on property '{name}' is not supported.")
        keys.append((name, direction == "desc"))
    rows = list(items)
    for name, descending in reversed(keys):  # stable sorts, last key first; nulls sort first ascending
        rows.sort(key=lambda item: (item.get(name) is not None, _fold(item.get(name)) or ""), reverse=descending)
    return rows


def wants_count(raw: str | None, area: Area) -> bool:
    if raw is None:
        return False
    lowered = raw.strip().lower()
    if lowered not in ("true", "false"):
        raise bad_request(area, f"Invalid value '{raw}' for $count query option found.")
    return lowered == "true"


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
