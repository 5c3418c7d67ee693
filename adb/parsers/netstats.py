"""`dumpsys netstats detail`: bytes received and sent per uid.

The dump (NetworkStatsService) has sections `Dev stats:`, `Xt stats:`, `UID stats:` and
`UID tag stats:`. Under `UID stats:` each key line reads

    ident=[{type=WIFI, subType=COMBINED, networkId="...", metered=false}] uid=10144 set=DEFAULT tag=0x0

followed by a `NetworkStatsHistory: bucketDuration=7200` line and one bucket a line:
`st=1606809600 rb=4212 rp=12 tb=1530 tp=9 op=0` (start in epoch seconds, then bytes and
packets received and sent). Only `tag=0x0` rows are summed: a tagged row repeats bytes
the untagged row of the same uid already holds. A uid's rows for every network and set
(foreground, background) add up.

Bounded: at most `MAX_LINES` lines are looked at; past them the result says `cut`.
"""

from __future__ import annotations

import re

from adb.parsers._text import as_text, iter_lines
from model.snapshot import NetworkUse, UidTraffic

#: lines read at most (a phone with years of history prints millions)
MAX_LINES = 400_000
#: uids kept at most (a real phone has a few hundred)
MAX_UIDS = 20_000

_SECTION = re.compile(r"^\s*(Dev|Xt|UID|UID tag) stats:\s*$")
_KEY = re.compile(r"\buid=(-?\d{1,10}) set=(\S+) tag=(0x[0-9a-fA-F]{1,8})\s*$")
_BUCKET = re.compile(r"^\s*st=(\d{1,12})\b(.*)$")
_FIELD = re.compile(r"\b(rb|tb)=(\d{1,20})\b")


def parse_netstats(data: str | bytes) -> NetworkUse:
    """Per-uid traffic from the `UID stats:` section (see the module text)."""
    rx: dict[int, int] = {}
    tx: dict[int, int] = {}
    last: dict[int, int] = {}
    section = ""
    counting: int | None = None  # the uid whose buckets follow, when they count
    window = "since boot"
    omitted = cut = False
    for n, line in enumerate(iter_lines(as_text(data))):
        if n >= MAX_LINES:
            cut = True
            break
        m = _SECTION.match(line)
        if m:
            section, counting = m.group(1), None
            continue
        if section != "UID":
            continue
        if "Complete history:" in line:
            window = "complete history"
            continue
        if "(omitting " in line:
            omitted = True
            continue
        if "ident=" in line:
            k = _KEY.search(line)
            counting = None
            if k and k.group(3).lower() == "0x0":
                uid = int(k.group(1))
                if uid >= 0 and (uid in rx or len(rx) < MAX_UIDS):
                    counting = uid
            if k is not None and counting is None and len(rx) >= MAX_UIDS:
                cut = True
            continue
        b = _BUCKET.match(line)
        if b is None or counting is None:
            continue
        values = dict(_FIELD.findall(b.group(2)))
        got_rx, got_tx = int(values.get("rb", 0)), int(values.get("tb", 0))
        rx[counting] = rx.get(counting, 0) + got_rx
        tx[counting] = tx.get(counting, 0) + got_tx
        if got_rx or got_tx:
            start = int(b.group(1))
            if start > last.get(counting, -1):
                last[counting] = start
    by_uid = {u: UidTraffic(u, rx[u], tx.get(u, 0), last.get(u)) for u in rx}
    return NetworkUse(by_uid=by_uid, window=window, omitted=omitted, cut=cut)


def looks_like_netstats(text: str) -> bool:
    """A recognisable answer: the dump names its UID section."""
    return re.search(r"^\s*UID stats:\s*$", text, re.M) is not None
