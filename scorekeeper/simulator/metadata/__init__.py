"""Microsoft Graph v1.0 metadata, as the simulator needs it: types, their properties, and query support.

Loaded once from ``v1.0.json`` (generated from Microsoft's CSDL by
``python -m scorekeeper.simulator.csdl --write``; about 25 ms), so every route — core and plugin
extension alike — answers ``$select``, ``$filter``, ``$orderby`` and default property sets from the
same source instead of a list of its own.

Where the CSDL is silent, the API pages decide: their per-property notes ("Returned by default",
"Requires $select", "Supports $filter (eq, ne, …)", "$orderby") come with the JSON (``docs``), and
:data:`DOCUMENTED_DEFAULTS` holds the default sets a list page spells out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

NAMESPACE = "microsoft.graph"
DATA = Path(__file__).with_name("v1.0.json")

#: Default property sets the list pages state outright. user-list: "By default, only a limited set
#: of properties are returned (businessPhones, displayName, givenName, id, jobTitle, mail,
#: mobilePhone, officeLocation, preferredLanguage, surname, and userPrincipalName)."
DOCUMENTED_DEFAULTS: dict[str, tuple[str, ...]] = {
    "microsoft.graph.user": (
        "businessPhones",
        "displayName",
        "givenName",
        "jobTitle",
        "mail",
        "mobilePhone",
        "officeLocation",
        "preferredLanguage",
        "surname",
        "userPrincipalName",
        "id",
    ),
}
#: Edm types whose values are JSON strings (enums too, and everything that is not a number or a bool).
NUMBERS = frozenset(
    {"Edm.Int16", "Edm.Int32", "Edm.Int64", "Edm.Byte", "Edm.SByte", "Edm.Double", "Edm.Single", "Edm.Decimal"}
)


class UnknownType(KeyError):
    """A type name the metadata does not hold."""


@dataclass(frozen=True)
class Property:
    """One structural property: its type (``Edm.String``, ``microsoft.graph.assignedLicense``…)."""

    name: str
    type: str
    collection: bool
    nullable: bool

    @property
    def primitive(self) -> bool:
        return self.type.startswith("Edm.") or self.type in _data()["enums"]

    @property
    def is_enum(self) -> bool:
        return self.type in _data()["enums"]


@dataclass(frozen=True)
class TypeInfo:
    """An entity or complex type with everything it inherits, and the query options it supports."""

    name: str
    kind: str
    base: str | None
    properties: dict[str, Property]
    navigation: dict[str, str]
    open: bool
    abstract: bool
    #: Every type derived from this one (transitively), by full name.
    derived: frozenset[str]
    #: What a GET returns without $select.
    default: tuple[str, ...]
    #: Filterable property → operators its page lists (empty: any operator the parser knows).
    filterable: dict[str, frozenset[str]] = field(default_factory=dict)
    sortable: frozenset[str] = frozenset()
    #: The CSDL's CountRestrictions/SelectSupport, None when it does not say (or says both).
    countable: bool | None = None
    selectable: bool | None = None

    @property
    def short(self) -> str:
        return self.name.removeprefix(f"{NAMESPACE}.")

    @property
    def resource(self) -> str:
        """The resource name Graph's directory errors use ("… of resource 'User'")."""
        return self.short[:1].upper() + self.short[1:]

    def member(self, name: str) -> bool:
        """Whether ``name`` is a structural or navigation property of the type."""
        return name in self.properties or name in self.navigation

    @cached_property
    def template(self) -> dict[str, Any]:
        """The default property set, every value ``None``: copy it and update it with a stored object."""
        return dict.fromkeys(self.default)

    @cached_property
    def reduced(self) -> bool:
        """Whether the default set leaves properties out (then only it is served, not what is stored)."""
        return len(self.default) < len(self.properties)


@cache
def _data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))
    return data


def full_name(name: str) -> str:
    """``user``, ``#microsoft.graph.user`` or ``microsoft.graph.user`` → ``microsoft.graph.user``."""
    name = name.lstrip("#")
    return name if "." in name else f"{NAMESPACE}.{name}"


def _split(ref: str) -> tuple[str, bool, bool]:
    """A JSON type reference → (type, collection, nullable)."""
    nullable = not ref.endswith("!")
    ref = ref.rstrip("!")
    if ref.startswith("Collection("):
        return ref[11:-1], True, nullable
    return ref, False, nullable


@cache
def _children() -> dict[str, list[str]]:
    children: dict[str, list[str]] = {}
    for name, entry in _data()["types"].items():
        if "base" in entry:
            children.setdefault(entry["base"], []).append(name)
    return children


def _descendants(name: str) -> frozenset[str]:
    found: set[str] = set()
    stack = list(_children().get(name, []))
    while stack:
        child = stack.pop()
        if child not in found:
            found.add(child)
            stack.extend(_children().get(child, []))
    return frozenset(found)


def _chain(name: str) -> list[str]:
    """The type and its bases, root first."""
    types = _data()["types"]
    chain: list[str] = []
    current: str | None = name
    while current is not None and current in types:
        chain.append(current)
        current = types[current].get("base")
    return list(reversed(chain))


def _notes(chain: list[str]) -> dict[str, str]:
    docs = _data()["docs"]
    notes: dict[str, str] = {}
    for name in chain:
        notes.update(docs.get(name, {}))
    return notes


def _capability(chain: list[str], key: str) -> Any:
    """The nearest annotation of ``key`` on the type or a base type (None when none says)."""
    capabilities = _data()["capabilities"]
    for name in reversed(chain):
        value = capabilities.get(name, {}).get(key)
        if value is not None:
            return value
    return None


def _operators(note: str) -> frozenset[str] | None:
    for part in note.split(","):
        if part.startswith("f="):
            return frozenset(part[2:].split())
    return None


@cache
def graph_type(name: str) -> TypeInfo:
    """The type ``name`` (short or full), with inherited properties; :class:`UnknownType` if unknown."""
    full = full_name(name)
    types = _data()["types"]
    if full not in types:
        raise UnknownType(full)
    chain = _chain(full)
    properties: dict[str, Property] = {}
    navigation: dict[str, str] = {}
    for type_name in chain:
        entry = types[type_name]
        for prop, ref in entry["props"].items():
            kind, collection, nullable = _split(ref)
            properties[prop] = Property(prop, kind, collection, nullable)
        for nav, ref in entry.get("nav", {}).items():
            navigation[nav] = ref
    notes = _notes(chain)
    documented = DOCUMENTED_DEFAULTS.get(full)
    if documented is None:
        for ancestor in reversed(chain[:-1]):
            documented = DOCUMENTED_DEFAULTS.get(ancestor)
            if documented is not None:
                break
    if documented is not None:
        default = documented
    else:  # every structural property but those the pages say need $select
        default = tuple(p for p in properties if "s" not in notes.get(p, "").split(","))
    filterable: dict[str, frozenset[str]] = {}
    for prop in properties:
        operators = _operators(notes.get(prop, ""))
        if operators is not None:
            filterable[prop] = operators
    if _capability(chain, "filter") is True:
        excluded = set(_capability(chain, "nonFilterable") or [])
        for prop, info in properties.items():
            if prop not in excluded and prop not in filterable and info.primitive:
                filterable[prop] = frozenset()
    sortable = {p for p in properties if "o" in notes.get(p, "").split(",")}
    if _capability(chain, "orderby") is True:
        sortable |= {p for p, info in properties.items() if info.primitive and not info.collection}
    entry = types[full]
    return TypeInfo(
        name=full,
        kind=entry["kind"],
        base=entry.get("base"),
        properties=properties,
        navigation=navigation,
        open=any(types[t].get("open") for t in chain),
        abstract=bool(entry.get("abstract")),
        derived=_descendants(full),
        default=default,
        filterable=filterable,
        sortable=frozenset(sortable),
        countable=_capability(chain, "count"),
        selectable=_capability(chain, "select"),
    )


def find_type(name: str) -> TypeInfo | None:
    try:
        return graph_type(name)
    except UnknownType:
        return None


def enum_members(name: str) -> tuple[str, ...] | None:
    members = _data()["enums"].get(full_name(name))
    return tuple(members) if members is not None else None


def is_flags(name: str) -> bool:
    """Whether the CSDL marks the enum ``IsFlags`` (a value may then combine members: ``"sms,voice"``)."""
    return full_name(name) in _data().get("flags", ())


@cache
def read_only(name: str) -> frozenset[str]:
    """The properties of ``name`` (inherited ones included) the CSDL marks Core.Computed or Read-only."""
    marked = _data().get("readOnly", {})
    return frozenset(p for type_name in _chain(full_name(name)) for p in marked.get(type_name, ()))


def is_subtype(name: str, of: str) -> bool:
    return full_name(name) == full_name(of) or full_name(name) in graph_type(of).derived


@cache
def resolve(pattern: str) -> tuple[TypeInfo, bool] | None:
    """The type a URL path pattern returns and whether it is a collection, walked through the metadata.

    ``/users`` → (user, True); ``/users/{id}`` → (user, False);
    ``/identity/conditionalAccess/policies`` → (conditionalAccessPolicy, True). None when a segment
    is not in the metadata (a beta-only path, a function, the portal API).
    """
    segments = [s for s in pattern.strip("/").split("/") if s]
    if not segments:
        return None
    ref = _data()["container"].get(segments[0])
    if ref is None:
        return None
    current, collection, _ = _split(ref)
    for segment in segments[1:]:
        if segment.startswith("{") and segment.endswith("}"):
            if not collection:
                return None
            collection = False
            continue
        if collection:
            return None
        info = find_type(current)
        if info is None:
            return None
        if segment in info.navigation:
            current, collection, _ = _split(info.navigation[segment])
        elif segment in info.properties and not info.properties[segment].primitive:
            prop = info.properties[segment]
            current, collection = prop.type, prop.collection
        else:
            return None
    info = find_type(current)
    return (info, collection) if info is not None else None
