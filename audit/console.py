"""Progress for the command line: one self-rewriting line on stderr.

Only used when stderr is a terminal; otherwise `scan` stays quiet there. Progress
details may hold phone text (paths, package names), so they go through `plain`.
The first verdicts (checks that need no APK) and, while the APKs are read, each
APK-dependent check found failing so far are printed one line each above it; the
checks still being checked are counted on the progress line.
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
        #: checks already printed as failing while the APKs are read
        self._failing: set[str] = set()
        #: "APK checks ..." summary appended to the progress line during the APK stage
        self._apk_note = ""

    def __call__(self, event: Progress) -> None:
        if event.stage == "verdicts":
            self._verdicts(event)
            return
        if event.stage == "apk-verdicts":
            self._provisional(event)
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
            if self._apk_note:
                parts.append(self._apk_note)
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

    def _provisional(self, event: Progress) -> None:
        """The APK-dependent checks while the APKs are read: a check the reports so far
        show failing gets one line (once, with its first evidence), kept above the
        progress line; the others are counted on the progress line ("checking"). Never
        a PASS here: the final verdicts follow once every APK is read."""
        new = [p for p in event.provisional if p.state == "fail" and p.check not in self._failing]
        checking = sum(1 for p in event.provisional if p.state != "fail")
        failing = len(event.provisional) - checking
        lines = []
        for p in new:
            evidence = getattr(p.finding, "evidence", ()) or ()
            seen = f": {plain(str(evidence[0].detail))}" if evidence else ""
            lines.append(f"{self.prefix}  {'FAIL (so far)':<13} {plain(p.title)}{seen}"[:150])
        with self._lock:
            self._failing.update(p.check for p in new)
            self._apk_note = (f"[app checks: {failing} failing, {checking} checking, "
                              f"{event.done}/{event.total} APKs]")
            if lines:
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
