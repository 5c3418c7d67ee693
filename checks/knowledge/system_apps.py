"""System updaters and security agents (`system_apps.toml`): the vendor apps whose being
disabled or removed for the user means the phone no longer updates or guards itself.

Kept apart from the main knowledge base because it is read only against the package
list, never against APK contents, so it need not be part of the APK cache's version.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "system_apps.toml"
ROLES = ("updater", "security-agent")


@dataclass(frozen=True)
class SystemApp:
    package: str
    vendor: str
    role: str  # one of ROLES
    what: str
    source: str


@lru_cache(maxsize=1)
def load() -> dict[str, SystemApp]:
    """Package name -> entry; a malformed file raises (a packaging bug, not user input)."""
    rows = tomllib.loads(DATA.read_text(encoding="utf-8"))["app"]
    out: dict[str, SystemApp] = {}
    for row in rows:
        app = SystemApp(row["package"], row["vendor"], row["role"], row["what"], row["source"])
        if app.role not in ROLES or app.package in out:
            raise ValueError(f"system_apps.toml: bad or repeated entry {app.package!r}")
        out[app.package] = app
    return out
