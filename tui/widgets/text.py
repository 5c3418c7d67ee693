"""Phone text made safe for the screen: always a `rich.text.Text`, never markup.

Control characters (ANSI escapes, NUL, bidi overrides) become visible escapes via
`tui.safe_text.plain` (the one sanitiser), so a hostile label can neither move the cursor nor be
read as markup.
"""

from __future__ import annotations

from rich.text import Text

from tui.safe_text import plain

#: status -> style name of the panel badge (defined per theme in app.tcss variables)
STATUS_STYLE = {
    "fail": "bold white on #b3261e",
    "warn": "bold black on #e0a100",
    "pass": "bold white on #2e7d32",
    "not_applicable": "bold white on #6b6b6b",
    "inconclusive": "bold white on #5c4ea0",
}


def safe(value: object, style: str = "") -> Text:
    """`value` as literal text (None shows as "-")."""
    return Text(plain(value), style=style)


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
