"""`appops get PKG [OP]`: `OP: mode; time=...` lines, maybe with a `Uid mode:` prefix."""

from __future__ import annotations

import re

from adb.parsers._text import as_text
from model.snapshot import FrozenMap

_LINE = re.compile(r"^\s*(Uid mode:\s*)?([A-Z][A-Z0-9_]*):\s*([a-z_]+|mode=[a-z_]+)")


def parse_appops(data: str | bytes) -> FrozenMap:
    """Op name -> mode (allow, ignore, deny, default, foreground). A uid mode that is not
    `default` overrides the package mode, as AppOpsService applies it."""
    pkg: dict[str, str] = {}
    uid: dict[str, str] = {}
    for line in as_text(data).split("\n"):
        m = _LINE.match(line)
        if not m:
            continue
        mode = m.group(3)
        if mode.startswith("mode="):
            mode = mode[5:]
        (uid if m.group(1) else pkg).setdefault(m.group(2), mode)
    out = dict(pkg)
    for op, mode in uid.items():
        if mode != "default" or op not in out:
            out[op] = mode
    return FrozenMap(out)
