"""`getprop`: `[key]: [value]` per line (values may span lines on some OEM builds)."""

from __future__ import annotations

import re

from adb.parsers._text import as_text
from model.snapshot import FrozenMap

_START = re.compile(r"^\[([^\]\n]*)\]:\s?\[(.*)$")


def parse_getprop(data: str | bytes) -> FrozenMap:
    """All properties; a later duplicate key wins. Lines that are not props are ignored."""
    props: dict[str, str] = {}
    key: str | None = None
    buf: list[str] = []
    for line in as_text(data).split("\n"):
        if key is None:
            m = _START.match(line)
            if not m:
                continue
            key, rest = m.group(1), m.group(2)
            buf = [rest]
        else:
            # a continuation line of a multi-line value; a new `[k]: [` line ends it
            m = _START.match(line)
            if m and not buf[-1].endswith("]"):
                # the previous value never closed: keep it as read, start over
                props[key] = "\n".join(buf)
                key, buf = m.group(1), [m.group(2)]
            else:
                buf.append(line)
        if buf[-1].endswith("]"):
            value = "\n".join(buf)[:-1]
            props[key] = value
            key, buf = None, []
    if key is not None:
        props[key] = "\n".join(buf)
    return FrozenMap(props)
