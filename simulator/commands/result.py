"""Small helpers for building a command's `ShellResult`."""

from __future__ import annotations

from simulator.model import ShellResult


def ok(stdout: str | bytes = "", stderr: str | bytes = "", code: int = 0) -> ShellResult:
    """A result from text (str is encoded as UTF-8)."""
    o = stdout.encode() if isinstance(stdout, str) else stdout
    e = stderr.encode() if isinstance(stderr, str) else stderr
    return ShellResult(o, e, code)


def fail(stderr: str, code: int = 1, stdout: str = "") -> ShellResult:
    """A failed command: text on stderr and a non-zero status."""
    return ok(stdout, stderr, code)
