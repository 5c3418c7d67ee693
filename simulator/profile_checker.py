"""Validating a parsed profile.toml: `Checker` reports unknown keys and wrong types
as `ProfileError`s that name the file, the key and its line.
"""

from __future__ import annotations

import datetime as _dt
from functools import cached_property
from pathlib import Path
from typing import Any

from model.snapshot import FrozenMap
from simulator.profile_lines import Locator
from simulator.profile_model import ProfileError


def where(table: tuple) -> str:
    """How a table is named in messages: [device], [[packages]], [packages.apk]."""
    names = [t for t in table if isinstance(t, str)]
    if not names:
        return "the top level"
    if table and isinstance(table[-1], int):
        return f"[[{'.'.join(names)}]]"
    return f"[{'.'.join(names)}]"


def type_name(v: Any) -> str:
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, int):
        return "an integer"
    if isinstance(v, float):
        return "a float"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, list):
        return "an array"
    if isinstance(v, dict):
        return "a table"
    return "a date-time" if isinstance(v, (_dt.datetime, _dt.date, _dt.time)) else type(v).__name__


class Checker:
    """Validates the parsed TOML against the contract; every error names file and line."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.text = text

    @cached_property
    def loc(self) -> Locator:
        # built only when an error needs a line number
        return Locator(self.text)

    def fail(self, table: tuple, key, message: str) -> ProfileError:
        return ProfileError(f"{self.path} line {self.loc.line(table, key)}: {message}")

    def keys(self, table: tuple, data: dict, allowed: tuple[str, ...]) -> None:
        for k in data:
            if k not in allowed:
                raise self.fail(table, k, f'unknown key "{k}" in {where(table)}')

    def table(self, table: tuple, data: Any, key: str) -> dict:
        if not isinstance(data, dict):
            raise self.fail(table[:-1] if table else (), key, f'"{key}" must be a table, not {type_name(data)}')
        return data

    def get(self, table: tuple, data: dict, key: str, kind: str, default: Any = None, required: bool = False) -> Any:
        if key not in data:
            if required:
                raise self.fail(table, None, f'missing required key "{key}" in {where(table)}')
            return default
        v = data[key]
        ok = {
            "str": isinstance(v, str),
            "bool": isinstance(v, bool),
            "int": isinstance(v, int) and not isinstance(v, bool),
            "strlist": isinstance(v, list) and all(isinstance(x, str) for x in v),
            "table": isinstance(v, dict),
            "list": isinstance(v, list),
            "time": isinstance(v, (str, _dt.datetime, _dt.date)),
        }[kind]
        if not ok:
            want = {
                "str": "a string", "bool": "a boolean (true/false)", "int": "an integer",
                "strlist": "an array of strings", "table": "a table", "list": "an array",
                "time": 'a date-time or a "YYYY-MM-DD HH:MM:SS" string',
            }[kind]
            raise self.fail(table, key, f'"{key}" in {where(table)} must be {want}, not {type_name(v)}')
        if kind == "strlist":
            return tuple(v)
        return v

    def nonneg(self, table: tuple, data: dict, key: str, default: int | None = None) -> int | None:
        v = self.get(table, data, key, "int", default)
        if v is not None and v < 0:
            raise self.fail(table, key, f'"{key}" in {where(table)} must not be negative')
        return v

    def str_map(self, table: tuple, data: dict) -> FrozenMap:
        """A table of string (or integer) values, as strings."""
        out = {}
        for k, v in data.items():
            if isinstance(v, bool) or not isinstance(v, (str, int)):
                raise self.fail(table, k, f'"{k}" in {where(table)} must be a string, not {type_name(v)}')
            out[k] = str(v)
        return FrozenMap(out)

    def local_file(self, folder: Path, table: tuple, key: str, rel: str) -> Path:
        """A file inside the profile folder (no escaping it with .. or absolute paths)."""
        p = (folder / rel).resolve()
        root = folder.resolve()
        if root not in p.parents:
            raise self.fail(table, key, f'"{rel}" ({key} in {where(table)}) must be a file inside the profile folder')
        if not p.is_file():
            raise self.fail(table, key, f'file "{rel}" ({key} in {where(table)}) does not exist')
        return p


def parse_time(chk: Checker, table: tuple, key: str, v: Any) -> int:
    if isinstance(v, str):
        try:
            d = _dt.datetime.strptime(v.strip(), "%Y-%m-%d %H:%M:%S")
        except ValueError:
            try:
                d = _dt.datetime.fromisoformat(v.strip())
            except ValueError:
                raise chk.fail(table, key, f'"{key}" in {where(table)}: cannot read {v!r} as "YYYY-MM-DD HH:MM:SS"') from None
    elif isinstance(v, _dt.datetime):
        d = v
    else:
        d = _dt.datetime(v.year, v.month, v.day)
    if d.tzinfo is None:
        d = d.replace(tzinfo=_dt.timezone.utc)
    return int(d.timestamp())
