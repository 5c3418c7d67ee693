"""The one timestamp format the project writes: ISO 8601 in UTC with milliseconds and a
`Z`, e.g. 2026-11-24T10:00:00.123Z (command results, audits, the APK cache), and the
one reader of such times (and of any ISO 8601 time, a zone-less one taken as UTC)."""

from __future__ import annotations

from datetime import datetime, timezone


def utc_now() -> str:
    """Now, in the one format (sorts as text in time order)."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def parse_datetime(text: str) -> datetime | None:
    """An ISO 8601 time ("Z" or an offset; none means UTC) -> aware datetime; None for
    anything else (never raises)."""
    if not isinstance(text, str):
        return None
    text = text.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)
