"""Checks JSON against Graph's types: write bodies against Microsoft's metadata, answers against msgraph-sdk.

* A PATCH/POST body is checked by :func:`body_problems` against the v1.0 metadata the simulator
  ships (``metadata/v1.0.json``, compiled from Microsoft's CSDL), the same source that answers
  ``$select`` and ``$filter``: an unknown property, a wrong JSON type or an invalid enum value is
  refused with a 400, and :func:`read_only_properties` names what the CSDL marks Computed/Read.
* A response that would not deserialize into the SDK model without loss (a property left in
  ``additional_data``, a value dropped because its type was wrong) fails the simulator's tests
  (:func:`lost`): that is a question about what a client built on msgraph-sdk would see.

The response walker is a ``JsonParseNode`` that records every mismatch instead of silently
returning ``None`` as kiota does, so the same deserializers the SDK uses decide what is lost.
"""

from __future__ import annotations

import enum
import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar
from uuid import UUID

from kiota_serialization_json.json_parse_node import JsonParseNode

from scorekeeper.simulator import metadata

#: What a string-parsed Edm value (GUID, date, bytes) comes back as.
Parsed = TypeVar("Parsed")
_EDM = {str: "Edm.String", bool: "Edm.Boolean", int: "Edm.Int32", float: "Edm.Double"}


@dataclass(frozen=True)
class Problem:
    """One place where JSON and the model disagree. ``kind``: unknown, type, enum or annotation."""

    path: str
    kind: str
    detail: str
    owner: str = ""  # the OData type that owns the property, e.g. microsoft.graph.authorizationPolicy

    def message(self) -> str:
        """Graph's (ODataLib's) wording for the problem."""
        name = self.path.rsplit(".", 1)[-1]
        if self.kind == "unknown":
            return (
                f"The property '{name}' does not exist on type '{self.owner}'. Make sure to only use property "
                "names that are defined by the type or mark the type as open type."
            )
        return self.detail


def _odata_name(obj_or_cls: Any) -> str:
    cls = obj_or_cls if isinstance(obj_or_cls, type) else type(obj_or_cls)
    return "microsoft.graph." + cls.__name__[0].lower() + cls.__name__[1:]


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return "[object]" if isinstance(value, dict) else "[array]"
    return str(value)


class CheckingNode(JsonParseNode):
    """A parse node that reports every value the SDK would drop, and every unknown property."""

    def __init__(self, node: Any, path: str, problems: list[Problem]) -> None:
        super().__init__(node)
        self.path = path
        self.problems = problems

    # -- helpers
    def _child(self, node: Any, key: str) -> CheckingNode:
        path = f"{self.path}.{key}" if self.path else key
        return CheckingNode(node, path, self.problems)

    def _mismatch(self, expected: str) -> None:
        self.problems.append(
            Problem(
                self.path,
                "type",
                f"Cannot convert the literal '{_literal(self._json_node)}' to the expected type '{expected}'.",
            )
        )

    def _typed(self, ok: bool, expected: str) -> bool:
        if self._json_node is not None and not ok:
            self._mismatch(expected)
            return False
        return True

    def _parsed(self, ok: bool, parse: Callable[[], Parsed | None], expected: str) -> Parsed | None:
        """A value the SDK parses from a string (GUID, date, base64): one it cannot parse is a mismatch too."""
        try:
            return parse() if self._typed(ok, expected) else None
        except ValueError:
            self._mismatch(expected)
            return None

    # -- primitives
    def get_str_value(self) -> str | None:
        return super().get_str_value() if self._typed(isinstance(self._json_node, str), "Edm.String") else None

    def get_bool_value(self) -> bool | None:
        return super().get_bool_value() if self._typed(isinstance(self._json_node, bool), "Edm.Boolean") else None

    def get_int_value(self) -> int | None:
        value = self._json_node
        ok = isinstance(value, int) and not isinstance(value, bool)
        return super().get_int_value() if self._typed(ok, "Edm.Int32") else None

    def get_float_value(self) -> float | None:
        value = self._json_node
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return super().get_float_value() if self._typed(ok, "Edm.Double") else None

    def get_uuid_value(self) -> UUID | None:
        return self._parsed(isinstance(self._json_node, str), super().get_uuid_value, "Edm.Guid")

    def get_datetime_value(self) -> datetime | None:
        ok = isinstance(self._json_node, str) and re.match(r"^\d{4}-\d{2}-\d{2}T", self._json_node) is not None
        return self._parsed(ok, super().get_datetime_value, "Edm.DateTimeOffset")

    def get_date_value(self) -> date | None:
        return self._parsed(isinstance(self._json_node, str), super().get_date_value, "Edm.Date")

    def get_bytes_value(self) -> bytes | None:
        return self._parsed(isinstance(self._json_node, str), super().get_bytes_value, "Edm.Binary")

    def get_enum_value(self, enum_class: Any) -> Any:
        value = self._json_node
        if value is None:
            return None
        members = {m.value: m for m in enum_class}
        if isinstance(value, str) and value in members:
            return members[value]
        if isinstance(value, str) and "," in value and all(v.strip() in members for v in value.split(",")):
            return super().get_enum_value(enum_class)  # a flags enum, e.g. "sms,voice"
        self._mismatch(_odata_name(enum_class))
        return None

    # -- structures
    def get_child_node(self, identifier: str) -> CheckingNode:
        node = self._json_node.get(identifier) if isinstance(self._json_node, dict) else None
        return CheckingNode(node, self.path, [])  # discriminator look-ups are not checked twice

    def get_object_value(self, factory: Any) -> Any:
        if not isinstance(self._json_node, dict):
            if self._json_node is not None:
                self._mismatch(_odata_name(factory))
            return None
        result = factory.create_from_discriminator_value(self)
        fields = result.get_field_deserializers()
        extra = getattr(result, "additional_data", None)
        for key, value in self._json_node.items():
            if key in fields:
                if value is not None:
                    fields[key](self._child(value, key))
                continue
            child_path = f"{self.path}.{key}" if self.path else key
            if "@" in key:
                self.problems.append(Problem(child_path, "annotation", key))
            else:
                self.problems.append(Problem(child_path, "unknown", key, _odata_name(result)))
            if extra is not None:
                extra[key] = self.try_get_anything(value)
        return result

    def _items(self) -> list[Any] | None:
        if self._json_node is None:
            return None
        if not isinstance(self._json_node, list):
            self._mismatch("Collection")
            return None
        return self._json_node

    def get_collection_of_object_values(self, factory: Any) -> list[Any] | None:
        items = self._items()
        if items is None:
            return None
        return [self._child(item, str(i)).get_object_value(factory) for i, item in enumerate(items)]

    def get_collection_of_primitive_values(self, primitive_type: Any) -> list[Any] | None:
        items = self._items()
        if items is None:
            return None
        getters: dict[Any, Callable[[CheckingNode], Any]] = {
            str: CheckingNode.get_str_value,
            bool: CheckingNode.get_bool_value,
            int: CheckingNode.get_int_value,
            float: CheckingNode.get_float_value,
            UUID: CheckingNode.get_uuid_value,
            datetime: CheckingNode.get_datetime_value,
        }
        getter = getters.get(primitive_type)
        if getter is None:
            return list(items)
        return [getter(self._child(item, str(i))) for i, item in enumerate(items)]

    def get_collection_of_enum_values(self, enum_class: Any) -> list[Any] | None:
        if isinstance(self._json_node, str) and self._json_node:  # a flags enum sent as "a,b", as Graph takes it
            parts = self._json_node.split(",")
            return [self._child(part.strip(), str(i)).get_enum_value(enum_class) for i, part in enumerate(parts)]
        items = self._items()
        if items is None:
            return None
        return [self._child(item, str(i)).get_enum_value(enum_class) for i, item in enumerate(items)]


def model(name: str) -> Any:
    """The msgraph-sdk model class for an OData type name (``authorizationPolicy`` or the full name)."""
    short = name.rsplit(".", 1)[-1].lstrip("#")
    module_name = re.sub(r"(?<!^)(?=[A-Z])", "_", short).lower()
    module = importlib.import_module(f"msgraph.generated.models.{module_name}")
    return getattr(module, short[0].upper() + short[1:])


def check(model_class: Any, data: Any) -> tuple[Any, list[Problem]]:
    """Parse ``data`` into ``model_class`` the way the SDK does; return the object and every problem."""
    problems: list[Problem] = []
    parsed = CheckingNode(data, "", problems).get_object_value(model_class)
    return parsed, problems


def lost(model_class: Any, data: Any, expected_extra: frozenset[str] = frozenset()) -> list[Problem]:
    """What a client would lose or find in ``additional_data``, apart from annotations and ``expected_extra``.

    ``expected_extra`` names properties Microsoft documents that the SDK does not model (for
    example ``controlScore.scoreInPercentage``), matched by property name.
    """
    _, problems = check(model_class, data)
    return [p for p in problems if p.kind != "annotation" and p.path.rsplit(".", 1)[-1] not in expected_extra]


def is_enum(value: Any) -> bool:
    return isinstance(value, enum.Enum)


# ----------------------------------------------------------------------------- write bodies, against the metadata
_INT_RANGES = {
    "Edm.Byte": (0, 2**8 - 1),
    "Edm.SByte": (-(2**7), 2**7 - 1),
    "Edm.Int16": (-(2**15), 2**15 - 1),
    "Edm.Int32": (-(2**31), 2**31 - 1),
    "Edm.Int64": (-(2**63), 2**63 - 1),
}
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _primitive_fits(edm: str, value: Any) -> bool:
    """Whether a JSON value can be read as ``edm`` (ODataLib, IEEE754Compatible=false)."""
    if edm == "Edm.String":
        return isinstance(value, str)
    if edm == "Edm.Boolean":
        return isinstance(value, bool)
    if edm in _INT_RANGES:
        low, high = _INT_RANGES[edm]
        return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
    if edm in ("Edm.Double", "Edm.Single", "Edm.Decimal"):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if edm == "Edm.Guid":
        return isinstance(value, str) and _GUID.match(value) is not None
    if edm == "Edm.DateTimeOffset":
        if not isinstance(value, str):
            return False
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return False
        return "T" in value
    if edm == "Edm.Date":
        return isinstance(value, str) and _DATE.match(value) is not None
    if edm in ("Edm.TimeOfDay", "Edm.Duration", "Edm.Binary"):
        return isinstance(value, str)
    return True  # Edm.Untyped, Edm.Stream and the geography types: not checked


#: A directory extension property: ``extension_{appId without dashes}_{name}`` (Microsoft's
#: "Add custom data to resources using extensions" page). The CSDL marks directoryObject open
#: only for these; any other unknown name on a directory object is refused.
_DIRECTORY_EXTENSION = re.compile(r"^extension_[0-9a-fA-F]{32}_\w+$")


def _dynamic(info: metadata.TypeInfo, key: str) -> bool:
    """Whether an open type takes ``key`` as a dynamic property (directory objects: extensions only)."""
    if not info.open:
        return False
    if metadata.is_subtype(info.name, "directoryObject"):
        return _DIRECTORY_EXTENSION.match(key) is not None
    return True


def _enum_fits(enum_name: str, value: Any) -> bool:
    members = metadata.enum_members(enum_name) or ()
    if not isinstance(value, str):
        return False
    if value in members:
        return True
    parts = [part.strip() for part in value.split(",")]
    return len(parts) > 1 and metadata.is_flags(enum_name) and all(part in members for part in parts)


class BodyChecker:
    """Walks a PATCH/POST body against Microsoft's v1.0 metadata and records what Graph would refuse.

    One source for every route: a property must exist on the type (or on the derived type its
    ``@odata.type`` names); each value must fit the property's Edm type, enum or complex type;
    an open type takes any extra property. ``null`` is accepted everywhere (the CSDL's
    ``Nullable="false"`` is not enforced: the pages do not say what Graph answers).
    """

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def walk(self, info: metadata.TypeInfo, data: Any, path: str = "") -> metadata.TypeInfo:
        """Check the object ``data`` as a ``info``; returns the type it was read as (its own ``@odata.type``)."""
        if not isinstance(data, dict):
            self._mismatch(path, data, info.name)
            return info
        own = self._own_type(info, data, path)
        for key, value in data.items():
            child = f"{path}.{key}" if path else key
            if "@" in key:
                self.problems.append(Problem(child, "annotation", key))
                continue
            prop = own.properties.get(key)
            if prop is None:
                if key not in own.navigation and not _dynamic(own, key):
                    self.problems.append(Problem(child, "unknown", key, own.name))
                continue
            if value is not None:
                self._value(prop, value, child)
        return own

    def _own_type(self, info: metadata.TypeInfo, data: dict[str, Any], path: str) -> metadata.TypeInfo:
        odata_type = data.get("@odata.type")
        if not isinstance(odata_type, str) or metadata.full_name(odata_type) == info.name:
            return info
        name = metadata.full_name(odata_type)
        found = metadata.find_type(name)
        if found is None or name not in info.derived:
            where = f"{path}.@odata.type" if path else "@odata.type"
            detail = f"A type named '{name}' could not be resolved by the model, or is not derived from '{info.name}'."
            self.problems.append(Problem(where, "type", detail))
            return info
        return found

    def _value(self, prop: metadata.Property, value: Any, path: str) -> None:
        if prop.collection:
            if prop.is_enum and isinstance(value, str) and value:  # "a,b" for a collection of enums
                items: list[Any] = [part.strip() for part in value.split(",")]
            elif isinstance(value, list):
                items = value
            else:
                self._mismatch(path, value, f"Collection({prop.type})")
                return
            for index, item in enumerate(items):
                if item is not None:
                    self._single(prop.type, item, f"{path}.{index}")
            return
        self._single(prop.type, value, path)

    def _single(self, type_name: str, value: Any, path: str) -> None:
        if type_name.startswith("Edm."):
            if not _primitive_fits(type_name, value):
                self._mismatch(path, value, type_name)
        elif metadata.enum_members(type_name) is not None:
            if not _enum_fits(type_name, value):
                self._mismatch(path, value, type_name)
        else:
            nested = metadata.find_type(type_name)
            if nested is not None:
                self.walk(nested, value, path)

    def _mismatch(self, path: str, value: Any, expected: str) -> None:
        detail = f"Cannot convert the literal '{_literal(value)}' to the expected type '{expected}'."
        self.problems.append(Problem(path, "type", detail))


def body_problems(type_name: str, data: Any) -> tuple[metadata.TypeInfo, list[Problem]]:
    """What Graph would refuse in a write body for ``type_name``: the type read, and every problem.

    Raises :class:`metadata.UnknownType` when the v1.0 metadata lacks the type (a beta-only one).
    """
    checker = BodyChecker()
    own = checker.walk(metadata.graph_type(type_name), data)
    return own, checker.problems


def read_only_properties(info: metadata.TypeInfo) -> frozenset[str]:
    """Top-level properties a write may not carry: ``id`` and what the CSDL marks Computed/Read-only."""
    return metadata.read_only(info.name) | {"id"}
