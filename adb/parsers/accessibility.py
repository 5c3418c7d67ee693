"""`dumpsys accessibility`: the `Enabled services:{{pkg/cls}, ...}` line of user 0."""

from __future__ import annotations

import re

from adb.parsers._text import as_text

_ENABLED = re.compile(r"Enabled services:\s*\{(.*)\}\s*$")
_COMPONENT = re.compile(r"\{?([A-Za-z0-9_][A-Za-z0-9_.]*/[A-Za-z0-9_.$]+)\}?")


def parse_dumpsys_accessibility(data: str | bytes) -> tuple[str, ...]:
    """Enabled service components as printed (first `Enabled services:` line per user)."""
    # a dict keeps first-seen order and de-duplicates in O(1) per component (a list
    # membership test made 40,000 services take a minute)
    out: dict[str, None] = {}
    for line in as_text(data).split("\n"):
        m = _ENABLED.search(line.strip())
        if not m:
            continue
        for part in re.split(r"\},?\s*\{|,\s*", m.group(1)):
            cm = _COMPONENT.fullmatch(part.strip())
            if cm:
                out.setdefault(cm.group(1))
    return tuple(out)
