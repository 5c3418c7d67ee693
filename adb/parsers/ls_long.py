"""`ls -la DIR` -> the entries of one folder, as `model.snapshot.DirEntry` values.

toybox `ls -l` (Android 6+; toys/posix/ls.c) prints `total N`, then a line per entry:

    -rwxr-xr-x 1 shell shell 15214592 2024-03-02 10:15 frida-server
    lrwxrwxrwx 1 shell shell        7 2024-03-02 10:16 s -> /sbin/su

mode, links, owner, group, size (or `major, minor` for a device), date and time, name
(`name -> target` for a link). toolbox's `ls -l` (Android 5 and older) has no link
count. With `-a` the folder itself (`.`) and its parent (`..`) come first; they are
not entries. A mode may end in `+` (ACL) or `.` (SELinux context).

`parse_ls_long` returns None when the text is not such a listing (no `total` line and
no entry line): an unrecognised answer is never an empty folder. Pure; bounded.
"""

from __future__ import annotations

import re

from adb.parsers._text import as_text, to_int
from model.snapshot import DirEntry

MAX_ENTRIES = 5000
MAX_NAME = 512
_LINE = re.compile(
    r"^(?P<mode>[-dlcbps][-rwxsStT]{9})[.+@]?\s+(?:\d+\s+)?(?P<owner>\S+)\s+(?P<group>\S+)\s+"
    r"(?P<size>\d+|\d+,\s*\d+)\s+(?P<date>\d{4}-\d\d-\d\d \d\d:\d\d)\s(?P<name>.+)$")
_TOTAL = re.compile(r"^total \d+$")


def parse_ls_long(data: str | bytes) -> tuple[DirEntry, ...] | None:
    """The entries of an `ls -la` listing, without `.` and `..`, or None."""
    recognised = False
    out: list[DirEntry] = []
    for line in as_text(data).split("\n"):
        if _TOTAL.match(line.strip()):
            recognised = True
            continue
        m = _LINE.match(line)
        if not m:
            continue
        recognised = True
        mode, name = m.group("mode"), m.group("name")
        target = None
        if mode[0] == "l" and " -> " in name:
            name, target = name.split(" -> ", 1)
        if name in (".", ".."):
            continue
        size = to_int(m.group("size")) if "," not in m.group("size") else None
        out.append(DirEntry(name=name[:MAX_NAME], mode=mode, owner=m.group("owner")[:64],
                            group=m.group("group")[:64], size=size,
                            target=target[:MAX_NAME] if target is not None else None))
        if len(out) >= MAX_ENTRIES:
            break
    return tuple(out) if recognised else None
