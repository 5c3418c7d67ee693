"""`dumpsys device_policy`: enabled admins per user, device owner, profile owners."""

from __future__ import annotations

import re

from adb.parsers._text import as_text
from model.snapshot import DeviceAdmin

_COMPONENT = r"([A-Za-z0-9_][A-Za-z0-9_.]*)/([A-Za-z0-9_.$]+)"
_ADMIN_LINE = re.compile(r"^\s+" + _COMPONENT + r":?\s*$")
_OWNER_ADMIN = re.compile(r"admin=ComponentInfo\{" + _COMPONENT + r"\}")


def parse_device_policy(data: str | bytes) -> tuple[DeviceAdmin, ...]:
    """Active admins (`Enabled Device Admins (User N, ...)`), marked device/profile owner."""
    admins: dict[str, DeviceAdmin] = {}
    owners: dict[str, str] = {}  # component -> "device" | "profile"
    section: str | None = None
    section_indent = 0
    for line in as_text(data).split("\n"):
        if not line.strip():
            continue
        ind = len(line) - len(line.lstrip())
        s = line.strip()
        if s.startswith("Enabled Device Admins"):
            section, section_indent = "admins", ind
            continue
        if s.startswith("Device Owner"):
            section, section_indent = "device", ind
            m = _OWNER_ADMIN.search(s)
            if m:
                owners[f"{m.group(1)}/{m.group(2)}"] = "device"
            continue
        if s.startswith("Profile Owner"):
            section, section_indent = "profile", ind
            m = _OWNER_ADMIN.search(s)
            if m:
                owners[f"{m.group(1)}/{m.group(2)}"] = "profile"
            continue
        if section is None:
            continue
        if ind <= section_indent:
            section = None
            continue
        if section == "admins":
            m = _ADMIN_LINE.match(line)
            # admin entries sit one level below the header; their details deeper
            if m and ind <= section_indent + 2:
                comp = f"{m.group(1)}/{m.group(2)}"
                admins.setdefault(comp, DeviceAdmin(component=comp, package=m.group(1)))
        else:
            m = _OWNER_ADMIN.search(s)
            if m:
                owners[f"{m.group(1)}/{m.group(2)}"] = section
    for comp, kind in owners.items():
        base = admins.get(comp) or DeviceAdmin(component=comp, package=comp.split("/", 1)[0])
        admins[comp] = DeviceAdmin(
            component=base.component,
            package=base.package,
            device_owner=base.device_owner or kind == "device",
            profile_owner=base.profile_owner or kind == "profile",
        )
    return tuple(admins.values())
