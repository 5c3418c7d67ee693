"""`pm list packages [-f -i -U -u --show-versioncode]` and `pm path PKG`.

A line looks like `package:/data/app/~~Qx==/com.a-Zb==/base.apk=com.a versionCode:12
 installer=com.android.vending uid:10123`. The path itself can contain `=`, so fields
are taken from the right and the package name is what follows the last `=`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from adb.parsers._text import as_text, to_int

_UID = re.compile(r"\s+uid:([0-9]+)(?:,[0-9]+)*\s*$")
_INSTALLER = re.compile(r"\s+installer=(\S*)\s*$")
_VERSION = re.compile(r"\s+versionCode:(-?[0-9]+)\s*$")
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.]*")


@dataclass(frozen=True)
class PmListEntry:
    """One `package:` line of `pm list packages`."""

    name: str
    path: str | None = None
    version_code: int | None = None
    installer: str | None = None
    uid: int | None = None


def _fields(rest: str) -> tuple[str, int | None, str | None, int | None, bool]:
    uid = version = None
    installer = None
    has_installer = False
    # the fields come in the order versionCode, installer, uid; peel them off the end
    m = _UID.search(rest)
    if m:
        uid = to_int(m.group(1))
        rest = rest[: m.start()]
    m = _INSTALLER.search(rest)
    if m:
        has_installer = True
        installer = m.group(1) or None
        rest = rest[: m.start()]
    m = _VERSION.search(rest)
    if m:
        version = to_int(m.group(1))
        rest = rest[: m.start()]
    if installer == "null":
        installer = None
    return rest.strip(), version, installer, uid, has_installer


def parse_pm_list(data: str | bytes) -> tuple[PmListEntry, ...]:
    """Entries in output order; lines that do not parse are skipped, duplicates merged."""
    seen: dict[str, PmListEntry] = {}
    for line in as_text(data).split("\n"):
        line = line.rstrip()
        if not line.startswith("package:"):
            continue
        head, version, installer, uid, _ = _fields(line[len("package:"):])
        path: str | None = None
        name = head
        if "=" in head:
            path, name = head.rsplit("=", 1)
            path = path or None
        name = name.strip()
        if not _NAME.fullmatch(name):
            continue
        seen[name] = PmListEntry(name, path, version, installer, uid)
    return tuple(seen.values())


def parse_package_names(data: str | bytes) -> tuple[str, ...]:
    """Names from any `pm list packages` variant."""
    return tuple(e.name for e in parse_pm_list(data))


def looks_like_pm_error(stdout: str | bytes, stderr: str | bytes, exit_code: int | None) -> bool:
    """True when `pm list packages` refused its options (old Android) rather than
    listing: no `package:` line and an error word, or a non-zero exit."""
    out = as_text(stdout)
    if "package:" in out:
        return False
    err = (as_text(stderr) + out).lower()
    return exit_code not in (0, None) or "error" in err or "unknown option" in err or "exception" in err


def parse_pm_path(data: str | bytes) -> tuple[str, ...]:
    """APK paths of one package, base first (as `pm path` prints them)."""
    paths = []
    for line in as_text(data).split("\n"):
        line = line.strip()
        if line.startswith("package:") and len(line) > len("package:"):
            p = line[len("package:"):]
            if p.startswith("/") and p not in paths:
                paths.append(p)
    base = [p for p in paths if p.rsplit("/", 1)[-1] == "base.apk"]
    rest = [p for p in paths if p not in base]
    return tuple(base + rest)
