"""The one timestamp format the project writes: ISO 8601 in UTC with milliseconds and a
`Z`, e.g. 2026-11-24T10:00:00.123Z (command results, audits, the APK cache)."""

from __future__ import annotations

from datetime import datetime, timezone


def utc_now() -> str:
    """Now, in the one format (sorts as text in time order)."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
