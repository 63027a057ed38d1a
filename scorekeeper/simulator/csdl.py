"""Generates the simulator's compact Graph metadata from Microsoft's published CSDL.

``python -m scorekeeper.simulator.csdl --write`` reads ``v1.0-Prod.csdl`` (3.3 MB of XML; see
``../shared/graph/README.md``) and writes ``scorekeeper/simulator/metadata/v1.0.json``, which the
simulator loads at run time instead of parsing the XML on every start. ``--check`` exits 1 when
the packaged file is stale. What the JSON holds, per entity and complex type: the base type,
structural properties (type, nullability, collection), navigation properties, and the
``Org.OData.Capabilities.V1`` annotations the CSDL gives the type (filterable, non-filterable
properties, $select/$count/$top/$skip/$orderby support), the properties it marks read-only
(``Core.Computed``, or ``Core.Permissions`` of Read alone: ``readOnly``) and the enums it marks
``IsFlags`` (``flags``), so a write body is checked against the same file.

The CSDL carries no per-property query notes for users or groups ("Returned by default",
"Supports $filter (eq, ne, …)", "$orderby"); Microsoft publishes those in the descriptions of
its API pages, which msgraph-sdk copies into the comments of its generated models. The
generator reads them from there (``docs`` in the JSON), so the one file states both what the
metadata says and what the pages say.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

EDM = "{http://docs.oasis-open.org/odata/ns/edm}"
CAPABILITIES = "Org.OData.Capabilities.V1."
PACKAGE = Path(__file__).resolve().parent
OUTPUT = PACKAGE / "metadata" / "v1.0.json"
#: Where the CSDL lives next to a clone (``<repo>/../shared/graph``), as CI links it.
DEFAULT_CSDL = PACKAGE.parents[2] / "shared" / "graph" / "v1.0-Prod.csdl"


def _full(name: str, aliases: dict[str, str]) -> str:
    """``graph.user`` / ``Collection(self.x)`` with the schema aliases resolved to namespaces."""
    if name.startswith("Collection(") and name.endswith(")"):
        return f"Collection({_full(name[11:-1], aliases)})"
    prefix, _, short = name.rpartition(".")
    return f"{aliases.get(prefix, prefix)}.{short}" if prefix else name


def _type_ref(raw: str, nullable: str | None, aliases: dict[str, str]) -> str:
    """A property's type, with ``!`` appended when the CSDL says ``Nullable="false"``."""
    return _full(raw, aliases) + ("!" if nullable == "false" else "")


def _record(annotation: ET.Element) -> dict[str, Any]:
    record = annotation.find(f"{EDM}Record")
    values: dict[str, Any] = {}
    if record is None:
        if annotation.get("Bool") is not None:
            values["value"] = annotation.get("Bool") == "true"
        return values
    for prop in record.findall(f"{EDM}PropertyValue"):
        name = prop.get("Property", "")
        if prop.get("Bool") is not None:
            values[name] = prop.get("Bool") == "true"
        else:
            paths = prop.findall(f"{EDM}Collection/{EDM}PropertyPath")
            if paths:
                values[name] = [p.text or "" for p in paths]
    return values


#: Capabilities term → (record property, key in the JSON).
_TERMS = {
    "FilterRestrictions": ("Filterable", "filter"),
    "SelectSupport": ("Supported", "select"),
    "CountRestrictions": ("Countable", "count"),
    "SortRestrictions": ("Sortable", "orderby"),
    "TopSupported": ("value", "top"),
    "SkipSupported": ("value", "skip"),
}


def _capabilities(element: ET.Element, aliases: dict[str, str]) -> dict[str, Any]:
    """What one ``Annotations`` target says; a term given twice with different values is left out (ambiguous)."""
    found: dict[str, Any] = {}
    conflicting: set[str] = set()
    for annotation in element.findall(f"{EDM}Annotation"):
        term = annotation.get("Term", "")
        if not term.startswith(CAPABILITIES):
            continue
        short = term.removeprefix(CAPABILITIES)
        if short not in _TERMS:
            continue
        record = _record(annotation)
        field, key = _TERMS[short]
        if field in record:
            if key in found and found[key] != record[field]:
                conflicting.add(key)
            found[key] = record[field]
        if record.get("NonFilterableProperties"):
            found["nonFilterable"] = sorted(record["NonFilterableProperties"])
    for key in conflicting:
        found.pop(key, None)
    return found


def _read_only(element: ET.Element) -> bool:
    """Whether a property's annotations mark it read-only: ``Core.Computed`` or Read-only ``Core.Permissions``."""
    for annotation in element.findall(f"{EDM}Annotation"):
        term = annotation.get("Term", "")
        if term == "Org.OData.Core.V1.Computed" and annotation.get("Bool", "true") == "true":
            return True
        if term == "Org.OData.Core.V1.Permissions":
            members = [m.text or "" for m in annotation.iter(f"{EDM}EnumMember")]
            if members == ["Org.OData.Core.V1.Permission/Read"]:
                return True
    return False


def parse(csdl: Path) -> dict[str, Any]:
    """The compact metadata of one CSDL file (without the SDK's documentation notes)."""
    root = ET.parse(csdl).getroot()
    schemas = list(root.iter(f"{EDM}Schema"))
    aliases: dict[str, str] = {}
    for schema in schemas:
        namespace = schema.get("Namespace", "")
        aliases[namespace] = namespace
        if schema.get("Alias"):
            aliases[schema.get("Alias", "")] = namespace
    types: dict[str, dict[str, Any]] = {}
    enums: dict[str, list[str]] = {}
    container: dict[str, str] = {}
    capabilities: dict[str, dict[str, Any]] = {}
    read_only: dict[str, list[str]] = {}
    flags: list[str] = []
    for schema in schemas:
        namespace = schema.get("Namespace", "")
        aliases["self"] = namespace
        for element in schema:
            tag = element.tag.removeprefix(EDM)
            name = f"{namespace}.{element.get('Name')}"
            if tag in ("EntityType", "ComplexType"):
                entry: dict[str, Any] = {"kind": "entity" if tag == "EntityType" else "complex"}
                if element.get("BaseType"):
                    entry["base"] = _full(element.get("BaseType", ""), aliases)
                if element.get("Abstract") == "true":
                    entry["abstract"] = True
                if element.get("OpenType") == "true":
                    entry["open"] = True
                entry["props"] = {
                    p.get("Name"): _type_ref(p.get("Type", ""), p.get("Nullable"), aliases)
                    for p in element.findall(f"{EDM}Property")
                }
                navs = element.findall(f"{EDM}NavigationProperty")
                if navs:
                    entry["nav"] = {n.get("Name"): _full(n.get("Type", ""), aliases) for n in navs}
                types[name] = entry
            elif tag == "EnumType":
                enums[name] = [m.get("Name", "") for m in element.findall(f"{EDM}Member")]
                if element.get("IsFlags") == "true":
                    flags.append(name)
            elif tag == "EntityContainer":
                for item in element:
                    kind = item.tag.removeprefix(EDM)
                    if kind == "EntitySet":
                        container[item.get("Name", "")] = f"Collection({_full(item.get('EntityType', ''), aliases)})"
                    elif kind == "Singleton":
                        container[item.get("Name", "")] = _full(item.get("Type", ""), aliases)
            elif tag == "Annotations":
                owner, slash, prop = element.get("Target", "").partition("/")
                if slash and "(" not in owner and _read_only(element):
                    read_only.setdefault(_full(owner, aliases), []).append(prop)
                target = _full(element.get("Target", ""), aliases) if not slash else ""
                if target:
                    found = _capabilities(element, aliases)
                    if found:
                        capabilities.setdefault(target, {}).update(found)
    return {
        "types": types,
        "enums": enums,
        "container": container,
        "capabilities": capabilities,
        "readOnly": {name: sorted(props) for name, props in read_only.items()},
        "flags": sorted(flags),
    }


# ----------------------------------------------------------------------------- the API pages' notes
_FIELD = re.compile(r'^\s+"(?P<camel>[^"]+)": lambda n : setattr\(self, \'(?P<snake>\w+)\'', re.MULTILINE)
_COMMENTED = re.compile(r"^    # (?P<comment>.+)\n    (?P<snake>\w+): ", re.MULTILINE)
_FILTER = re.compile(r"Supports \$filter \(([^)]*)\)")
_OPERATORS = ("eq", "ne", "not", "in", "ge", "le", "gt", "lt", "startsWith", "endsWith", "any")


def _notes(comment: str) -> str:
    """One property's query notes, compact: ``d`` returned by default, ``s`` only on $select,
    ``o`` $orderby, ``f=eq ne …`` the $filter operators its page lists."""
    notes: list[str] = []
    if "Returned by default" in comment:
        notes.append("d")
    if "Requires $select" in comment or "Returned only on $select" in comment:
        notes.append("s")
    if "$orderby" in comment:
        notes.append("o")
    match = _FILTER.search(comment)
    if match:
        clause = match.group(1)
        operators = [op for op in _OPERATORS if re.search(rf"\b{op}\b", clause, re.IGNORECASE)]
        if "eq on null" in clause:
            operators.append("null")
        notes.append("f=" + " ".join(operators or ["eq"]))
    return ",".join(notes)


def sdk_notes(type_name: str) -> dict[str, str]:
    """The query notes msgraph-sdk's model comments carry for ``microsoft.graph.<type>`` (empty if none)."""
    namespace, _, short = type_name.rpartition(".")
    if namespace != "microsoft.graph":
        return {}
    module = re.sub(r"(?<!^)(?=[A-Z])", "_", short).lower()
    spec = importlib.util.find_spec(f"msgraph.generated.models.{module}")
    if spec is None or spec.origin is None:
        return {}
    source = Path(spec.origin).read_text(encoding="utf-8")
    camel = {m.group("snake"): m.group("camel") for m in _FIELD.finditer(source)}
    found: dict[str, str] = {}
    for match in _COMMENTED.finditer(source):
        name = camel.get(match.group("snake"))
        notes = _notes(match.group("comment")) if name else ""
        if name and notes:
            found[name] = notes
    return found


def build(csdl: Path) -> dict[str, Any]:
    data = parse(csdl)
    docs: dict[str, dict[str, str]] = {}
    for name, entry in data["types"].items():
        if entry["kind"] == "entity":
            notes = sdk_notes(name)
            if notes:
                docs[name] = notes
    data["docs"] = docs
    digest = hashlib.sha256(csdl.read_bytes()).hexdigest()
    return {"source": {"file": csdl.name, "sha256": digest}, **data}


def render(data: dict[str, Any]) -> str:
    return json.dumps(data, separators=(",", ":"), sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scorekeeper.simulator.csdl", description=__doc__.split("\n")[0])
    parser.add_argument("--csdl", type=Path, default=DEFAULT_CSDL, help="the CSDL file (default: %(default)s)")
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", action="store_true", help=f"write {OUTPUT.relative_to(PACKAGE.parents[1])}")
    action.add_argument("--check", action="store_true", help="exit 1 when the packaged file is stale")
    args = parser.parse_args(argv)
    if not args.csdl.is_file():
        print(f"error: no CSDL at {args.csdl}", file=sys.stderr)
        return 2
    try:
        text = render(build(args.csdl))
    except ET.ParseError as exc:
        print(f"error: {args.csdl} is not valid XML: {exc}", file=sys.stderr)
        return 2
    if args.write:
        OUTPUT.parent.mkdir(parents=True, exist_ok=True)
        OUTPUT.write_text(text, encoding="utf-8")
        print(f"wrote {OUTPUT} ({len(text) // 1024} kB)")
        return 0
    current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.is_file() else ""
    if current != text:
        print(f"{OUTPUT} is stale: run python -m scorekeeper.simulator.csdl --write", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
