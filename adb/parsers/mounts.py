"""`cat /proc/mounts` -> the phone's mounts, as `model.snapshot.Mount` values.

The kernel prints one mount a line (Linux fs/proc_namespace.c, `show_vfsmnt`):
`device mount-point fs-type options 0 0`, where space, tab, newline and backslash in
the first two fields are written as octal escapes (`\\040`). The first option is `ro`
or `rw`. When one point is mounted more than once, the last line is the mount on top,
the one a reader of that path sees.

`parse_mounts` returns None when the text holds no mount line at all: "no mount" is
not an answer a running phone can give. Pure; bounded (`MAX_MOUNTS`).
"""

from __future__ import annotations

import re

from adb.parsers._text import as_text
from model.snapshot import Mount

MAX_MOUNTS = 5000
_OCTAL = re.compile(r"\\([0-7]{3})")


def _unescape(field: str) -> str:
    return _OCTAL.sub(lambda m: chr(int(m.group(1), 8)), field)


def parse_mounts(data: str | bytes) -> tuple[Mount, ...] | None:
    """Every mount of a `/proc/mounts` text, in the kernel's order, or None."""
    out: list[Mount] = []
    for line in as_text(data).split("\n"):
        fields = line.split()
        if len(fields) < 4 or not fields[1].startswith("/"):
            continue
        options = tuple(fields[3].split(","))
        if options[0] not in ("ro", "rw"):
            continue
        out.append(Mount(_unescape(fields[0])[:256], _unescape(fields[1])[:1024], fields[2][:64],
                         tuple(o[:128] for o in options[:64])))
        if len(out) >= MAX_MOUNTS:
            break
    return tuple(out) or None
