"""Dates as the checks read them: the audit's notion of "now", ISO dates and the SMS
provider's epoch milliseconds.

Pure: nothing here talks to a phone.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from model.timestamps import parse_datetime

__all__ = ["audit_date", "parse_datetime", "parse_date", "ms_to_iso"]


def audit_date(snapshot) -> date:
    """"Now" for date checks: when the snapshot was collected (so a capture re-analysed
    later gives the same verdict); today's UTC date only if the snapshot lacks it."""
    raw = getattr(snapshot, "collected_at", None)
    if raw:
        parsed = parse_datetime(raw)
        if parsed is not None:
            return parsed.date()
    return datetime.now(timezone.utc).date()


def parse_date(text: str | None) -> date | None:
    """"2020-11-01" -> date; None for anything else (never raises)."""
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


def ms_to_iso(ms: str | None) -> str | None:
    """Epoch milliseconds as the SMS provider gives them -> ISO date-time (UTC)."""
    try:
        return datetime.fromtimestamp(int(ms) / 1000, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    except (TypeError, ValueError, OverflowError, OSError):
        return None
