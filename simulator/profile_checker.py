"""What a schema cannot check in a profile.toml, and the words of its errors.

`simulator.profile_schema` checks the structure and types first; `Checker` then reports
the cross-field and file-system problems `simulator.profile` finds (a referenced file
outside the profile folder, a time it cannot read) as `ProfileError`s that name the
file, the key and its line. `where` and `type_name` word both kinds of message.
"""

from __future__ import annotations

import datetime as _dt
from functools import cached_property
from pathlib import Path
from typing import Any

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
    """Raises the loader's own errors; each names the file and the line of the key."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.text = text

    @cached_property
    def loc(self) -> Locator:
        # built only when an error needs a line number
        return Locator(self.text)

    def fail(self, table: tuple, key, message: str) -> ProfileError:
        return ProfileError(f"{self.path} line {self.loc.line(table, key)}: {message}")

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
