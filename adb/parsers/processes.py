"""`ps` output -> the processes running now, as `model.snapshot.Process` values.

Two formats, both read by column header, never by position alone:

- toybox `ps -A -o USER,PID,PPID,NAME` (Android 8+): the header names exactly the
  columns asked for, values are separated by spaces, NAME is last and may hold spaces;
- toolbox `ps` (Android 7 and older, which has no `-A`/`-o`): header
  `USER PID PPID VSIZE RSS WCHAN PC NAME`, and every row carries one more field than the
  header (the state letter before NAME), so NAME is taken as the last field.

`parse_ps` returns None when the text is not a process table at all (no header with
PID and NAME): an unrecognised answer must never read as "nothing is running".
Pure; bounded: at most `MAX_PROCESSES` rows are kept, each name cut to `MAX_NAME`.
"""

from __future__ import annotations

from adb.parsers._text import as_text, to_int
from model.snapshot import Process

#: more than any phone runs (a busy phone has about 1,000); the rest is ignored
MAX_PROCESSES = 20000
MAX_NAME = 256
WANTED = ("USER", "PID", "PPID", "NAME")


def _header(line: str) -> list[str] | None:
    cols = line.split()
    if "PID" in cols and cols and cols[-1] in ("NAME", "CMD", "ARGS", "CMDLINE"):
        return cols
    return None


def parse_ps(data: str | bytes, toolbox: bool = False) -> tuple[Process, ...] | None:
    """Every process of a `ps` table, or None when the text is not the table asked for.

    `toolbox=False`: the answer to `ps -A -o USER,PID,PPID,NAME`, whose header must name
    exactly those columns (old toolbox takes `-A` as a name filter and prints its own
    header with no rows: that is not "nothing runs"). `toolbox=True`: the answer to a
    bare `ps`, accepted only in toolbox's layout (a `PC` column, no `S`): toybox's bare
    `ps` lists the shell's own processes only.
    """
    lines = [ln for ln in as_text(data).split("\n") if ln.strip()]
    if not lines:
        return None
    cols = _header(lines[0])
    if cols is None:
        return None
    exact = cols == list(WANTED)
    if toolbox != (not exact and "PC" in cols and "S" not in cols):
        return None
    pid_at = cols.index("PID")
    ppid_at = cols.index("PPID") if "PPID" in cols else None
    user_at = cols.index("USER") if "USER" in cols else None
    out: list[Process] = []
    for line in lines[1:MAX_PROCESSES + 1]:
        if exact:
            fields = line.split(None, 3)
            if len(fields) < 4:
                continue
            name = fields[3].strip()
        else:
            fields = line.split()
            if len(fields) < len(cols):
                continue
            name = fields[-1]
        pid = to_int(fields[pid_at])
        if pid is None:
            continue
        out.append(Process(
            user=fields[user_at][:64] if user_at is not None else "",
            pid=pid,
            ppid=to_int(fields[ppid_at]) if ppid_at is not None else None,
            name=name[:MAX_NAME],
        ))
    return tuple(out)


def package_of(process_name: str) -> str:
    """The package an app process belongs to: `com.x.app:remote` -> `com.x.app`
    (Android names an app's processes after its package, `:suffix` for the others)."""
    return process_name.split(":", 1)[0]
