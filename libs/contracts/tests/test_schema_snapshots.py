"""JSON-Schema snapshots of every message payload (and of the envelope), guarding wire compatibility.

``snapshots/<type>.v<version>.json`` holds the pydantic JSON Schema (validation mode) of each payload in
``catalog.MESSAGES``; ``snapshots/envelope.json`` holds the :class:`Envelope`'s. For each one the test compares the
committed snapshot with the current schema:

* **unchanged** → passes;
* **breaking change** (a property removed, a type changed or narrowed, a property becoming required, a new required
  property, an enum narrowed, a constraint tightened, extra properties forbidden) → **fails** with
  ``breaking change: publish a new VERSION on a new subject instead``. ``RA_UPDATE_SNAPSHOTS=1`` does not overwrite it:
  if nothing deployed depends on the old shape yet, delete the snapshot file and record it afresh;
* **compatible change** (a new optional property, a widened type or enum, a loosened constraint, a new description)
  → also **fails**, with ``compatible change: run RA_UPDATE_SNAPSHOTS=1 … to refresh the snapshot``, so every
  contract change shows up in review as a snapshot diff;
* **new message** (no snapshot yet) → fails until recorded with ``RA_UPDATE_SNAPSHOTS=1``; a snapshot whose message
  left the catalog fails too (delete it when the version was retired on purpose; update mode deletes it).

Refresh: ``RA_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest libs/contracts/tests/test_schema_snapshots.py``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from ra_contracts.catalog import MESSAGES
from ra_contracts.envelope import Envelope

SNAPSHOTS = Path(__file__).parent / "snapshots"
ENVELOPE = "envelope.json"
REFRESH = "RA_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest libs/contracts/tests/test_schema_snapshots.py"

Schema = Mapping[str, Any]


# --- the comparison -----------------------------------------------------------------------------------

_LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
_UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")


def breaking_changes(old: Schema, new: Schema) -> list[str]:
    """What ``new`` breaks for producers and consumers written against ``old``; empty when it is compatible.

    Both are JSON Schemas as pydantic writes them (local ``$ref`` into ``$defs``, ``anyOf`` for unions and
    ``Optional``). Breaking: a removed property, a type no longer accepted, a property that became required or a new
    required one, enum values removed (or an enum where there was none), a tighter bound, pattern or format, and
    ``additionalProperties: false`` where extra properties were allowed. Everything else (new optional properties,
    widened types and enums, looser bounds, titles and descriptions) is compatible.
    """
    problems: list[str] = []
    _Compare(old, new, problems).compare(old, new, "")
    return problems


class _Compare:
    def __init__(self, old_root: Schema, new_root: Schema, problems: list[str]) -> None:
        self.roots = (old_root, new_root)
        self.problems = problems
        self.seen: set[tuple[int, int]] = set()

    def _resolve(self, schema: Schema, side: int) -> Schema:
        # Follows local references (and pydantic's single-item allOf wrappers) to the schema they name.
        for _ in range(64):
            if "$ref" in schema:
                node: Any = self.roots[side]
                for part in schema["$ref"].removeprefix("#/").split("/"):
                    node = node[part.replace("~1", "/").replace("~0", "~")]
                schema = node
            elif len(schema.get("allOf", ())) == 1 and "properties" not in schema:
                schema = schema["allOf"][0]
            else:
                return schema
        raise ValueError("reference cycle without a schema")

    def _branches(self, schema: Schema, side: int) -> list[Schema]:
        """The alternatives of a union (flattened), each resolved; a plain schema is its own single branch."""
        schema = self._resolve(schema, side)
        alternatives = schema.get("anyOf") or schema.get("oneOf")
        if not alternatives:
            return [schema]
        return [b for alt in alternatives for b in self._branches(alt, side)]

    def _types(self, schema: Schema, side: int) -> set[str] | None:
        """The JSON types a schema admits; ``None`` when unrestricted."""
        found: set[str] = set()
        for branch in self._branches(schema, side):
            if "type" in branch:
                kinds = branch["type"]
                found.update([kinds] if isinstance(kinds, str) else kinds)
            elif "const" in branch or "enum" in branch:
                values = [branch["const"]] if "const" in branch else branch["enum"]
                found.update(_json_type(v) for v in values)
            else:
                return None
        return found

    def _values(self, schema: Schema, side: int) -> set[str] | None:
        """The non-null values a schema allows when it is an enumeration; ``None`` when it is not restricted so."""
        found: set[str] = set()
        for branch in self._branches(schema, side):
            if "const" in branch:
                found.add(json.dumps(branch["const"], sort_keys=True))
            elif "enum" in branch:
                found.update(json.dumps(v, sort_keys=True) for v in branch["enum"])
            elif branch.get("type") != "null":
                return None
        found.discard("null")
        return found

    def _fail(self, path: str, what: str) -> None:
        self.problems.append(f"{path or '(root)'}: {what}")

    def compare(self, old: Schema, new: Schema, path: str) -> None:
        old_types, new_types = self._types(old, 0), self._types(new, 1)
        if new_types is not None:
            lost = (old_types or {"any type"}) - new_types
            if "number" in new_types:
                lost.discard("integer")
            if lost:
                shown_old = "/".join(sorted(old_types)) if old_types else "any"
                self._fail(path, f"type changed from {shown_old} to {'/'.join(sorted(new_types))}")

        old_values, new_values = self._values(old, 0), self._values(new, 1)
        if new_values is not None:
            if old_values is None:
                self._fail(path, f"enum narrowed: now only {', '.join(sorted(new_values))}")
            elif old_values - new_values:
                self._fail(path, f"enum narrowed: {', '.join(sorted(old_values - new_values))} removed")

        old_branches = [b for b in self._branches(old, 0) if b.get("type") != "null"]
        new_branches = [b for b in self._branches(new, 1) if b.get("type") != "null"]
        if len(old_branches) == 1 and len(new_branches) == 1:
            self._compare_one(old_branches[0], new_branches[0], path)

    def _compare_one(self, old: Schema, new: Schema, path: str) -> None:
        pair = (id(old), id(new))
        if pair in self.seen:  # a recursive model: this pair of definitions is compared (or being compared) already
            return
        self.seen.add(pair)
        for key in _LOWER_BOUNDS:
            if key in new and (key not in old or new[key] > old[key]):
                self._fail(path, f"{key} tightened to {new[key]}")
        for key in _UPPER_BOUNDS:
            if key in new and (key not in old or new[key] < old[key]):
                self._fail(path, f"{key} tightened to {new[key]}")
        for key in ("pattern", "format"):
            if key in new and new[key] != old.get(key):
                self._fail(path, f"{key} changed from {old.get(key)!r} to {new[key]!r}")

        old_props, new_props = old.get("properties", {}), new.get("properties", {})
        old_required, new_required = set(old.get("required", ())), set(new.get("required", ()))
        for name, schema in old_props.items():
            where = f"{path}.{name}" if path else name
            if name not in new_props:
                self._fail(where, "property removed")
                continue
            if name in new_required and name not in old_required:
                self._fail(where, "property became required")
            self.compare(schema, new_props[name], where)
        for name in new_props.keys() - old_props.keys():
            if name in new_required:
                self._fail(f"{path}.{name}" if path else name, "new required property")

        old_extra, new_extra = old.get("additionalProperties", True), new.get("additionalProperties", True)
        if new_extra is False and old_extra is not False:
            self._fail(path, "additional properties no longer allowed")
        elif isinstance(old_extra, Mapping) and isinstance(new_extra, Mapping):
            self.compare(old_extra, new_extra, f"{path}{{*}}")

        if isinstance(old.get("items"), Mapping) and isinstance(new.get("items"), Mapping):
            self.compare(old["items"], new["items"], f"{path}[]")


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


# --- unit tests of the comparison ---------------------------------------------------------------------


def _obj(properties: dict[str, Any], required: tuple[str, ...] = (), **extra: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(required), **extra}


STR: dict[str, Any] = {"type": "string"}
INT: dict[str, Any] = {"type": "integer"}
OPT_STR: dict[str, Any] = {"anyOf": [STR, {"type": "null"}], "default": None}


def test_identical_schemas_are_compatible() -> None:
    schema = _obj({"a": STR, "b": OPT_STR}, ("a",))
    assert breaking_changes(schema, schema) == []


def test_removed_property_is_breaking() -> None:
    assert breaking_changes(_obj({"a": STR, "b": OPT_STR}, ("a",)), _obj({"a": STR}, ("a",))) == ["b: property removed"]


def test_type_change_is_breaking() -> None:
    assert breaking_changes(_obj({"a": STR}), _obj({"a": INT})) == ["a: type changed from string to integer"]


def test_optional_becoming_non_nullable_is_breaking() -> None:
    assert breaking_changes(_obj({"a": OPT_STR}), _obj({"a": STR})) == ["a: type changed from null/string to string"]


def test_widened_type_is_compatible() -> None:
    assert breaking_changes(_obj({"a": INT}), _obj({"a": {"type": "number"}})) == []
    assert breaking_changes(_obj({"a": STR}), _obj({"a": OPT_STR})) == []


def test_property_becoming_required_is_breaking() -> None:
    assert breaking_changes(_obj({"a": OPT_STR}), _obj({"a": OPT_STR}, ("a",))) == ["a: property became required"]


def test_new_required_property_is_breaking() -> None:
    assert breaking_changes(_obj({"a": STR}), _obj({"a": STR, "b": STR}, ("b",))) == ["b: new required property"]


def test_new_optional_property_is_compatible() -> None:
    assert breaking_changes(_obj({"a": STR}, ("a",)), _obj({"a": STR, "b": OPT_STR}, ("a",))) == []


def test_required_becoming_optional_is_compatible() -> None:
    assert breaking_changes(_obj({"a": STR}, ("a",)), _obj({"a": STR})) == []


def test_narrowed_enum_is_breaking() -> None:
    old = _obj({"s": {"enum": ["a", "b", "c"], "type": "string"}})
    new = _obj({"s": {"enum": ["a", "b"], "type": "string"}})
    assert breaking_changes(old, new) == ['s: enum narrowed: "c" removed']


def test_enum_replacing_free_text_is_breaking() -> None:
    assert breaking_changes(_obj({"s": STR}), _obj({"s": {"const": "a", "type": "string"}})) == [
        's: enum narrowed: now only "a"'
    ]


def test_widened_enum_is_compatible() -> None:
    old = _obj({"s": {"anyOf": [{"enum": ["a"], "type": "string"}, {"type": "null"}]}})
    new = _obj({"s": {"anyOf": [{"enum": ["a", "b"], "type": "string"}, {"type": "null"}]}})
    assert breaking_changes(old, new) == []
    assert breaking_changes(_obj({"s": {"const": "a", "type": "string"}}), _obj({"s": STR})) == []


def test_changes_inside_referenced_and_nested_models_are_found() -> None:
    def doc(inner: dict[str, Any]) -> dict[str, Any]:
        return {
            **_obj({"first": {"anyOf": [{"$ref": "#/$defs/Inner"}, {"type": "null"}]}}),
            "$defs": {"Inner": inner},
        }

    assert breaking_changes(doc(_obj({"email": STR, "phone": OPT_STR})), doc(_obj({"email": STR}))) == [
        "first.phone: property removed"
    ]
    assert breaking_changes(doc(_obj({"email": STR})), doc(_obj({"email": STR, "phone": OPT_STR}))) == []
    items_old = _obj({"tags": {"type": "array", "items": STR}})
    items_new = _obj({"tags": {"type": "array", "items": INT}})
    assert breaking_changes(items_old, items_new) == ["tags[]: type changed from string to integer"]
    dict_old = _obj({"counts": {"type": "object", "additionalProperties": INT}})
    dict_new = _obj({"counts": {"type": "object", "additionalProperties": STR}})
    assert breaking_changes(dict_old, dict_new) == ["counts{*}: type changed from integer to string"]


def test_tightened_constraints_are_breaking_and_loosened_ones_compatible() -> None:
    old = _obj({"n": {"type": "integer", "minimum": 1, "maximum": 100}, "s": STR})
    tighter = _obj({"n": {"type": "integer", "minimum": 2, "maximum": 100}, "s": {"type": "string", "format": "email"}})
    looser = _obj({"n": {"type": "integer", "minimum": 0}, "s": STR})
    assert breaking_changes(old, tighter) == ["n: minimum tightened to 2", "s: format changed from None to 'email'"]
    assert breaking_changes(old, looser) == []


def test_forbidding_extra_properties_is_breaking() -> None:
    assert breaking_changes(_obj({"a": STR}), _obj({"a": STR}, additionalProperties=False)) == [
        "(root): additional properties no longer allowed"
    ]


def test_recursive_models_terminate() -> None:
    node = _obj({"child": {"anyOf": [{"$ref": "#/$defs/Node"}, {"type": "null"}]}, "name": STR})
    old = {"$ref": "#/$defs/Node", "$defs": {"Node": node}}
    new_node = _obj({"child": {"anyOf": [{"$ref": "#/$defs/Node"}, {"type": "null"}]}})
    new = {"$ref": "#/$defs/Node", "$defs": {"Node": new_node}}
    assert breaking_changes(old, new) == ["name: property removed"]


def test_pydantic_models_end_to_end() -> None:
    class V1(BaseModel):
        lead_id: str
        status: str = "NEW"
        note: str | None = None

    class V2Compatible(BaseModel):
        lead_id: str
        status: str = "NEW"
        note: str | None = None
        score: int | None = None

    class V2Breaking(BaseModel):
        lead_id: int
        status: str

    old = V1.model_json_schema()
    assert breaking_changes(old, V2Compatible.model_json_schema()) == []
    assert breaking_changes(old, V2Breaking.model_json_schema()) == [
        "lead_id: type changed from string to integer",
        "status: property became required",
        "note: property removed",
    ]


# --- the snapshots ------------------------------------------------------------------------------------


def _current() -> dict[str, dict[str, Any]]:
    schemas = {f"{t}.v{m.VERSION}.json": m.model_json_schema() for t, m in MESSAGES.items()}
    schemas[ENVELOPE] = Envelope.model_json_schema()
    return schemas


def _dump(schema: Mapping[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _updating() -> bool:
    return os.environ.get("RA_UPDATE_SNAPSHOTS") == "1"


@pytest.mark.parametrize("name", sorted(_current()))
def test_snapshot(name: str) -> None:
    new = _current()[name]
    path = SNAPSHOTS / name
    if not path.exists():
        if _updating():
            SNAPSHOTS.mkdir(exist_ok=True)
            path.write_text(_dump(new), encoding="utf-8")
            return
        pytest.fail(f"new message: no snapshot {path.name} yet; record it with `{REFRESH}`")
    old = json.loads(path.read_text(encoding="utf-8"))
    if old == new:
        return
    breaking = breaking_changes(old, new)
    if breaking:
        advice = (
            "the envelope is read by every service: keep it compatible"
            if name == ENVELOPE
            else "publish a new VERSION on a new subject instead"
        )
        pytest.fail(
            f"breaking change in {name}: {advice}. RA_UPDATE_SNAPSHOTS=1 will not overwrite it (delete the snapshot "
            "only when nothing deployed depends on the old shape).\n  " + "\n  ".join(breaking)
        )
    if _updating():
        path.write_text(_dump(new), encoding="utf-8")
        return
    pytest.fail(f"compatible change in {name}: run `{REFRESH}` to refresh the snapshot")


def test_no_orphan_snapshots() -> None:
    orphans = sorted(p for p in SNAPSHOTS.glob("*.json") if p.name not in _current())
    if orphans and _updating():
        for path in orphans:
            path.unlink()
        return
    assert not orphans, (
        f"snapshots of messages no longer in catalog.MESSAGES: {[p.name for p in orphans]}; delete them if the "
        f"versions were retired on purpose (or run `{REFRESH}`)"
    )
