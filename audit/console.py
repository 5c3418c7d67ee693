"""Progress for the command line: one self-rewriting line on stderr.

Only used when stderr is a terminal; otherwise `scan` stays quiet there. Progress
details may hold phone text (paths, package names), so they go through `plain`.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

from adb.progress import Progress
from audit.reports.terminal_text import plain


def human_bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


class StderrProgress:
    """A progress callback that redraws one line, at most ten times a second."""

    def __init__(self, stream: TextIO | None = None, prefix: str = "") -> None:
        self.stream = stream or sys.stderr
        self.prefix = prefix
        self._last = 0.0
        self._lock = threading.Lock()
        self._width = 0

    def __call__(self, event: Progress) -> None:
        if event.stage == "verdicts":
            self._verdicts(event)
            return
        now = time.monotonic()
        with self._lock:
            if now - self._last < 0.1 and event.done != event.total:
                return
            self._last = now
            parts = [self.prefix + event.stage]
            if event.total:
                parts.append(f"{event.done}/{event.total}")
            if event.bytes_done:
                parts.append(human_bytes(event.bytes_done)
                             + (f"/{human_bytes(event.bytes_total)}" if event.bytes_total else ""))
            if event.detail:
                parts.append(plain(event.detail)[-60:])
            line = " ".join(parts)[:110]
            pad = max(0, self._width - len(line))
            self._width = len(line)
            self.stream.write("\r" + line + " " * pad)
            self.stream.flush()

    def _verdicts(self, event: Progress) -> None:
        """The first verdicts (checks that need no APK), one line each, kept on screen
        above the progress line while the APKs are pulled and inspected."""
        lines = [f"{self.prefix}first verdicts, {event.done} of {event.total} checks (no app needed; "
                 "the others follow once the apps are inspected):"]
        for f in event.findings:
            status = getattr(getattr(f, "status", None), "value", "")
            lines.append(f"{self.prefix}  {status.upper():<13} {plain(str(getattr(f, 'title', '')))[:90]}")
        with self._lock:
            pad = " " * self._width
            self._width = 0
            self.stream.write("\r" + pad + "\r" + "\n".join(lines) + "\n")
            self.stream.flush()

    def done(self) -> None:
        with self._lock:
            if self._width:
                self.stream.write("\r" + " " * self._width + "\r")
                self.stream.flush()
                self._width = 0
