"""Phone text made safe for the screen: always a `rich.text.Text`, never markup.

Control characters (ANSI escapes, NUL, bidi overrides) become visible escapes via
`audit.reports.terminal_text.plain`, so a hostile label can neither move the cursor nor be
read as markup.
"""

from __future__ import annotations

from rich.text import Text

from audit.reports import terminal_text
from audit.reports.terminal_text import plain

#: characters of phone text in one table cell (the JSON and the detail screens keep it whole)
CELL = 120

#: status -> style name of the panel badge (defined per theme in app.tcss variables)
STATUS_STYLE = {
    "fail": "bold white on #b3261e",
    "warn": "bold black on #e0a100",
    "pass": "bold white on #2e7d32",
    "not_applicable": "bold white on #6b6b6b",
    "inconclusive": "bold white on #5c4ea0",
    # a failure or warning a person accepted for this phone: neither red nor pass-green
    "accepted": "bold white on #00695c",
}


def safe(value: object, style: str = "") -> Text:
    """`value` as literal text (None shows as "-")."""
    return Text(plain(value), style=style)


def cell(value: object, style: str = "", limit: int = CELL) -> Text:
    """`value` for one table cell: plain, cut to `limit` characters with the count of
    what was left out (`terminal_text.one_line`), so a 1 MB label is one short row."""
    return Text(terminal_text.one_line(value, limit), style=style)


def one_line(value: object, limit: int = 400) -> str:
    """The first line of `value`, made plain, cut to `limit` characters."""
    text = plain(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def badge(status: str, word: str) -> Text:
    """The status word on its colour. The colour is a span, not the Text's base style:
    text appended after the badge (a title, a summary) must not inherit its background."""
    out = Text()
    out.append(f" {word:^6} " if len(word) <= 6 else f" {word} ", style=STATUS_STYLE.get(status, "bold"))
    return out
