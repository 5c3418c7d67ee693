"""When an app last used an app op, from `appops get PKG OP`.

AppOpsService's shell prints `SEND_SMS: allow; time=+2h13m4s ago; rejectTime=...` (the
times relative to the moment it answered, in TimeUtils.formatDuration's `+1d2h3m4s5ms`),
or no `time=` when the op was never used. Only the last access is read.
"""

from __future__ import annotations

import re

from adb.parsers._text import as_text

_DURATION = re.compile(r"^\+?(?:(\d{1,6})d)?(?:(\d{1,3})h)?(?:(\d{1,3})m(?!s))?(?:(\d{1,3})s)?(?:(\d{1,4})ms)?$")


def duration_seconds(text: str) -> int | None:
    """`+1d2h3m4s5ms` -> seconds (the ms dropped); None if it is not such a duration."""
    m = _DURATION.match(text.strip())
    if m is None or not any(m.groups()):
        return None
    d, h, mi, s, _ms = (int(g) if g else 0 for g in m.groups())
    return ((d * 24 + h) * 60 + mi) * 60 + s


def parse_op_time(data: str | bytes, op: str) -> tuple[str | None, str | None, int | None]:
    """(mode, last access as printed, seconds ago) of `op`; Nones when not shown.
    A `Uid mode:` line gives no time and is skipped."""
    for line in as_text(data).split("\n")[:200]:
        s = line.strip()
        if not s.startswith(op + ":"):
            continue
        parts = [p.strip() for p in s[len(op) + 1:].split(";")]
        mode = parts[0] or None
        for p in parts[1:]:
            if p.startswith("time=") and p.endswith(" ago"):
                printed = p[len("time="):]
                return mode, printed, duration_seconds(printed[:-len(" ago")])
        return mode, None, None
    return None, None, None
