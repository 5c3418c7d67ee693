"""What the phone's kernel says of its APK files: `stat -c '%i %s %Y %n' PATH...`.

The warm re-audit keys a digest verified earlier by what `stat` reports for the file
(inode, size in bytes, modification time in seconds since the epoch) and the build
fingerprint (`audit.apk_pipeline`, `store.apk_digests`). Format letters as toybox's
`stat` documents them (the help text of `-c` in toybox's `stat.c`: `%i` inode,
`%s` size in bytes, `%Y` modification time in seconds since the epoch, `%n` file
name); the name is last, so a path with spaces is still one field.

Like every phone answer this is hostile text: a line counts only for a path that was
asked for, with three plain decimal numbers of sane size; anything else is no answer
for that path (it is then hashed with `sha256sum` as before).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from adb.allowlist import APK_STAT_FORMAT as STAT_FORMAT  # the one literal the allowlist accepts
from adb.parsers._text import as_text

_NUMBER = re.compile(r"[0-9]{1,20}")
#: no file size, inode or time on a phone is near this; larger is not believed
_MAX = 1 << 63


@dataclass(frozen=True)
class FileStat:
    """One APK file as the phone's `stat` describes it."""

    inode: int
    size: int
    mtime: int


def parse_apk_stat(text: str | bytes | None, paths: Sequence[str]) -> dict[str, FileStat]:
    """`<inode> <size> <mtime> <path>` lines -> path -> FileStat, only for the paths
    asked for (a path given twice, with two answers, is not believed: no entry)."""
    wanted = set(paths)
    out: dict[str, FileStat] = {}
    twice: set[str] = set()
    for line in as_text(text).split("\n"):
        fields = line.split(" ", 3)
        if len(fields) != 4 or fields[3] not in wanted:
            continue
        if not all(_NUMBER.fullmatch(f) for f in fields[:3]):
            continue
        inode, size, mtime = (int(f) for f in fields[:3])
        if max(inode, size, mtime) >= _MAX:
            continue
        path = fields[3]
        if path in out and out[path] != FileStat(inode, size, mtime):
            twice.add(path)
        out[path] = FileStat(inode, size, mtime)
    for path in twice:
        del out[path]
    return out
