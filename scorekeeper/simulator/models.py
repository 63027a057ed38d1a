"""Checks JSON against msgraph-sdk's models: what Graph would reject, and what a client would lose.

The SDK's models are generated from Graph's own metadata, so they are the best available
statement of which properties a type has and what type each holds. One walker serves two jobs:

* a PATCH/POST body with an unknown property, a wrong JSON type or an invalid enum value is
  refused with a 400, as Graph refuses it;
* a response that would not deserialize into the SDK model without loss (a property left in
  ``additional_data``, a value dropped because its type was wrong) fails the simulator's tests.

The walker is a ``JsonParseNode`` that records every mismatch instead of silently returning
``None`` as kiota does, so the same deserializers the SDK uses decide what is valid.
"""

from __future__ import annotations

import enum
import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from kiota_serialization_json.json_parse_node import JsonParseNode

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
        try:
            return super().get_uuid_value() if self._typed(isinstance(self._json_node, str), "Edm.Guid") else None
        except ValueError:
            self._mismatch("Edm.Guid")
            return None

    def get_datetime_value(self) -> datetime | None:
        ok = isinstance(self._json_node, str) and re.match(r"^\d{4}-\d{2}-\d{2}T", self._json_node) is not None
        if not self._typed(ok, "Edm.DateTimeOffset"):
            return None
        try:
            return super().get_datetime_value()
        except ValueError:
            self._mismatch("Edm.DateTimeOffset")
            return None

    def get_date_value(self) -> date | None:
        try:
            return super().get_date_value() if self._typed(isinstance(self._json_node, str), "Edm.Date") else None
        except ValueError:
            self._mismatch("Edm.Date")
            return None

    def get_bytes_value(self) -> bytes | None:
        try:
            return super().get_bytes_value() if self._typed(isinstance(self._json_node, str), "Edm.Binary") else None
        except ValueError:
            self._mismatch("Edm.Binary")
            return None

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
