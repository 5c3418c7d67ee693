"""`settings list NS` (`name=value` per line) and colon-separated component lists."""

from __future__ import annotations

from adb.parsers._text import as_text
from model.snapshot import FrozenMap


def parse_settings_list(data: str | bytes) -> FrozenMap:
    """Key -> value. The value is everything after the first `=`; a line without `=`
    continues the previous value (values with newlines exist, e.g. on MIUI)."""
    out: dict[str, str] = {}
    last: str | None = None
    for line in as_text(data).split("\n"):
        if not line:
            continue
        key, sep, value = line.partition("=")
        if sep and key and not key[0].isspace() and " " not in key:
            out[key] = value
            last = key
        elif last is not None:
            out[last] = out[last] + "\n" + line
    return FrozenMap(out)


def parse_setting_value(data: str | bytes) -> str | None:
    """`settings get`: the value, or None for `null` / nothing."""
    v = as_text(data).rstrip("\n")
    return None if v in ("", "null") else v


def parse_component_list(value: str | None) -> tuple[str, ...]:
    """`pkg/cls:pkg2/.Cls` (enabled_accessibility_services, enabled_notification_listeners)
    -> component names, in order, without duplicates or empties."""
    if not value or value == "null":
        return ()
    out: dict[str, None] = {}  # ordered, O(1) de-duplication
    for part in value.replace("\n", ":").split(":"):
        part = part.strip()
        if part and "/" in part:
            out.setdefault(part)
    return tuple(out)
