"""A phone's error text made into one readable line.

`pm` and `cmd` answer a refused or broken command with a Java exception and its stack
trace (`java.lang.SecurityException: ...` then dozens of `\\tat com.android...` lines).
Shown whole, through the terminal sanitiser, that is a wall of `\\x0a\\x09` escapes. This
keeps what a person can act on: the exception line and, when there is one, the last
`Caused by:` line; the frames are counted, not shown.

Pure: the text is only rearranged, never interpreted; the JSON report of a capture
keeps nothing else of the trace either.
"""

from __future__ import annotations

import re

_FRAME = re.compile(r"^\s*(at\s+\S|\.\.\.\s*\d+\s+more)")


def readable_error(text: str, limit: int = 300) -> str:
    """One line: the exception, its last cause, and how many stack frames were left out."""
    lines = [line.strip() for line in str(text).splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        return ""
    frames = [line for line in lines if _FRAME.match(line)]
    rest = [line for line in lines if not _FRAME.match(line)]
    if not frames:
        return " ".join(rest)[:limit]
    causes = [line for line in rest[1:] if line.startswith("Caused by:")]
    keep = rest[:1] + causes[-1:]
    out = " / ".join(keep)[:limit]
    return f"{out} (Java stack trace of {len(frames)} lines left out)"
