"""`dumpsys usagestats`: when each package was last used.

UsageStatsService prints, for each interval it keeps (`In-memory daily stats`, weekly,
monthly, yearly), a `packages` list with one line a package:

    package=com.mi.globalbrowser totalTimeUsed="00:41:07" lastTimeUsed="2020-12-01 08:14:52" totalTimeVisible=...

Times are the phone's local time, as printed. A package's last use is the latest
`lastTimeUsed` of every interval; a time before 2000 is the "never" of an empty record.
The event log (`time="..." type=... package=...`) is not read: it repeats the same.

Bounded: at most `MAX_LINES` lines and `MAX_PACKAGES` packages.
"""

from __future__ import annotations

import re

from adb.parsers._text import as_text, iter_lines
from model.snapshot import AppUse

MAX_LINES = 400_000
MAX_PACKAGES = 20_000

_LINE = re.compile(r"^\s*package=([A-Za-z0-9_.]{1,255}) .*?\blastTimeUsed=\"?(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)")
_TOTAL = re.compile(r"\btotalTimeUsed=\"?([0-9:]{1,20})")


def parse_usagestats(data: str | bytes) -> tuple[dict[str, AppUse], bool]:
    """(package -> last use, cut). `cut` says a cap stopped the reading."""
    out: dict[str, AppUse] = {}
    cut = False
    for n, line in enumerate(iter_lines(as_text(data))):
        if n >= MAX_LINES:
            cut = True
            break
        if "lastTimeUsed=" not in line:
            continue
        m = _LINE.match(line)
        if m is None:
            continue
        name, when = m.group(1), m.group(2)
        if when < "2000":
            when = None  # an empty record prints the epoch
        t = _TOTAL.search(line)
        total = t.group(1) if t else None
        old = out.get(name)
        if old is None:
            if len(out) >= MAX_PACKAGES:
                cut = True
                continue
            out[name] = AppUse(name, when, total)
            continue
        latest = max((x for x in (old.last_used, when) if x), default=None)
        longest = max((x for x in (old.total_time_used, total) if x), key=_seconds, default=None)
        out[name] = AppUse(name, latest, longest)
    # a package whose every record is empty was not used: it is left out, as if unlisted
    return {k: v for k, v in out.items() if v.last_used}, cut


#: App Standby buckets (UsageStatsManager.STANDBY_BUCKET_*) in words
BUCKETS = {"5": "exempted", "10": "active", "20": "working set", "30": "frequent", "40": "rare",
           "45": "restricted", "50": "never used"}
_STANDBY = re.compile(r"^\s*package=([A-Za-z0-9_.]{1,255}) u=0 bucket=(\d{1,3})\b")


def parse_standby_buckets(data: str | bytes) -> dict[str, str]:
    """package -> standby bucket in words, from the `App Standby States:` lines of user 0
    (AppIdleHistory.dump: `package=X u=0 bucket=40 reason=... used=...`). Bounded as above."""
    out: dict[str, str] = {}
    for n, line in enumerate(iter_lines(as_text(data))):
        if n >= MAX_LINES or len(out) >= MAX_PACKAGES:
            break
        if " bucket=" not in line:
            continue
        m = _STANDBY.match(line)
        if m is not None:
            out.setdefault(m.group(1), BUCKETS.get(m.group(2), f"bucket {m.group(2)}"))
    return out


def _seconds(text: str) -> int:
    total = 0
    for part in text.split(":"):
        total = total * 60 + (int(part) if part.isdigit() else 0)
    return total


def looks_like_usagestats(text: str) -> bool:
    """A recognisable answer: the interval headers or a `user=` line the dump starts with."""
    return re.search(r"(?m)^\s*(In-memory (daily|weekly|monthly|yearly) stats|user=\d+)", text) is not None
