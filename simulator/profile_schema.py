"""The profile format's JSON Schema (`profile.schema.json`, beside this module) and the
first pass of loading a profile: `validate(data, path, text)` checks the parsed TOML
against it and raises a `ProfileError` for the first problem.

The schema is the reference of the format (docs/profile-format.md points to it); the
message names the file, the line (tomllib keeps no positions, so
`simulator.profile_lines.Locator` finds it), the key path (`packages[1].uid`) and what
was expected, in the words a person writing TOML uses ("a table", "[[packages]]").
What a schema cannot say (a name or path used twice, files inside the profile folder,
keys that exclude each other) stays in `simulator.profile`.
"""

from __future__ import annotations

import datetime as _dt
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError, best_match

from simulator.profile_checker import type_name, where
from simulator.profile_lines import Locator
from simulator.profile_model import ProfileError

SCHEMA_FILE = "profile.schema.json"


def schema_path() -> Path:
    return Path(__file__).with_name(SCHEMA_FILE)


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    return json.loads(schema_path().read_text(encoding="utf-8"))


def _strict_integer(_checker, instance: Any) -> bool:
    # JSON Schema counts 5.0 as an integer; TOML keeps 5 and 5.0 apart, and so do we
    return isinstance(instance, int) and not isinstance(instance, bool)


@lru_cache(maxsize=1)
def _validator() -> jsonschema.protocols.Validator:
    base = jsonschema.Draft202012Validator
    base.check_schema(schema())
    cls = jsonschema.validators.extend(
        base, type_checker=base.TYPE_CHECKER.redefine("integer", _strict_integer))
    return cls(schema())


def as_json(value: Any) -> Any:
    """The parsed TOML as JSON sees it: date-times become RFC 3339 strings."""
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    return value


def key_path(path: tuple) -> str:
    """`packages[1].apk.file`, `commands."dumpsys package"` (empty for the top level)."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            text = part if part.replace("_", "").isalnum() else json.dumps(part, ensure_ascii=False)
            out += ("." if out else "") + text
    return out


_WANT = {"string": "a string", "integer": "an integer", "boolean": "a boolean (true/false)",
         "array": "an array", "object": "a table", "number": "a number"}


def _want(sub: dict) -> str:
    """What a subschema's type asks for, as a TOML writer says it."""
    kind = sub.get("type")
    if isinstance(kind, list):
        return " or ".join(_WANT.get(k, k) for k in kind if k != "integer") or "an integer"
    if kind == "array":
        items = sub.get("items") or {}
        if items.get("type") == "string":
            return "an array of strings"
        if items.get("type") == "object" or "$ref" in items:
            return "an array of tables"
    return _WANT.get(kind, str(kind))


def _explain(err: ValidationError) -> tuple[tuple, Any, str]:
    """(table path, key, message) for one schema error: the key whose line the message
    gives (None: the table's header line)."""
    path = tuple(err.absolute_path)
    v, sub = err.instance, err.schema if isinstance(err.schema, dict) else {}
    if err.validator == "additionalProperties":
        allowed = set(sub.get("properties") or ())
        extra = next((k for k in v if k not in allowed), "?")
        return path, extra, f'unknown key "{extra}" in {_where(path)}'
    if err.validator == "required":
        missing = next((k for k in err.validator_value if k not in v), "?")
        if not path:
            return path, None, f"missing required table [{missing}]"
        return path, None, f'missing required key "{missing}" in {_where(path)}'
    if "propertyNames" in err.schema_path:
        # the error is about a key of the table at `path`, and `v` is that key
        what = sub.get("description", "a valid name")
        return path, v, f'"{v}" in {_where(path)} must be {what}'
    table, key = path[:-1], (path[-1] if path else None)
    if isinstance(key, int) and table:  # an element of an array of plain values
        if err.validator == "type":
            return table[:-1], table[-1], (
                f'each of "{table[-1]}" in {_where(table[:-1])} must be {_want(sub)}, not {type_name(v)}')
        table, key = table[:-1], table[-1]
    if err.validator == "type":
        return table, key, f'"{key}" in {_where(table)} must be {_want(sub)}, not {type_name(v)}'
    if err.validator == "enum":
        choices = ", ".join(str(c) for c in err.validator_value)
        if table and table[-1] == "appops":
            return table, key, f'app op "{key}": mode "{v}" must be one of {choices}'
        return table, key, f'"{key}" must be one of {choices} (in {_where(table)}), not {json.dumps(v)}'
    if err.validator == "minimum":
        limit = err.validator_value
        return table, key, f'"{key}" in {_where(table)} must ' + (
            "not be negative" if limit == 0 else f"be at least {limit}")
    if err.validator == "maximum":
        return table, key, f'"{key}" in {_where(table)} must be at most {err.validator_value}'
    if err.validator in ("pattern", "not"):
        what = sub.get("description", f"a string matching {sub.get('pattern')}")
        return table, key, f'"{key}" in {_where(table)} must be {what}, not {json.dumps(v, ensure_ascii=False)}'
    return table, key, f'"{key}" in {_where(table)}: {err.message}'


def _where(table: tuple) -> str:
    if len(table) >= 2 and table[-2] == "components" and isinstance(table[-1], int):
        return f"a component of {where(table[:-2])}"
    return where(table)


def validate(data: dict, path: Path, text: str) -> None:
    """Raise `ProfileError` for the first way `data` (parsed from `text` at `path`)
    breaks the schema: "FILE line N: MESSAGE (key path P)"."""
    err = best_match(_validator().iter_errors(as_json(data)))
    if err is None:
        return
    table, key, message = _explain(err)
    line = Locator(text).line(table, key)
    at = tuple(err.absolute_path)
    if err.validator == "additionalProperties" or "propertyNames" in err.schema_path:
        at += (key,)
    full = key_path(at)
    raise ProfileError(f"{path} line {line}: {message}" + (f" (key path {full})" if full else ""))
