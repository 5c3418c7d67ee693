"""Turning phone bytes into text the same way in every parser."""

from __future__ import annotations

from adb.capture import decode


def as_text(data: str | bytes | None) -> str:
    """bytes -> str (UTF-8, bad bytes replaced, CRLF/CR -> LF); str only gets the line
    endings normalised; None -> ""."""
    if data is None:
        return ""
    if isinstance(data, (bytes, bytearray, memoryview)):
        return decode(bytes(data))
    return str(data).replace("\r\n", "\n").replace("\r", "\n")


def to_int(value: str | None) -> int | None:
    """An int from a decimal string, or None (never raises)."""
    if value is None:
        return None
    value = value.strip()
    if not value or len(value) > 30:
        return None
    try:
        return int(value, 10)
    except ValueError:
        return None


def iter_lines(text: str):
    """The lines of `text` one at a time, without their newline: a dump of tens of MiB
    (netstats, usagestats) is not copied into a list of lines first."""
    start = 0
    while start <= len(text):
        end = text.find("\n", start)
        if end < 0:
            yield text[start:]
            return
        yield text[start:end]
        start = end + 1
