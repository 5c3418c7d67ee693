"""The one sanitiser for phone text on its way to a terminal.

Every string from a phone (model, labels, package names, error details, ...) goes
through `plain` before it reaches a Textual widget, a tab label, a notification, the
log or the stdout/stderr of a command. `plain` turns every control and format
character into a visible escape: C0 controls (ESC, BEL, NUL), DEL, C1 controls
(U+0080-U+009F, including ST U+009C and CSI U+009B), bidi overrides, line/paragraph
separators, and lone surrogates (raw bytes decoded with surrogateescape). With ESC,
BEL and the C1 introducers visible, no OSC/DCS/APC/PM/SOS sequence can be formed,
whatever its terminator, so phone text can neither set the window title nor write
the clipboard (OSC 2 / OSC 52). It returns a `str`; screens wrap it in `rich.text.Text`
(never markup).

`one_line` also cuts the text to a readable length for places that show one line
(tab labels, summary lines); the full value stays in the JSON report.
"""

from __future__ import annotations

import unicodedata

#: how much phone text a one-line place shows (tab labels, device line, summaries)
ONE_LINE = 80


def plain(text: object) -> str:
    """`text` safe for a terminal: control and format characters become \\xNN / \\uNNNN."""
    if text is None:
        return "-"
    out = []
    for ch in str(text):
        cat = unicodedata.category(ch)
        if ch == " " or not (cat.startswith("C") or cat in ("Zl", "Zp")):
            out.append(ch)
        elif ord(ch) < 0x100:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(f"\\u{ord(ch):04x}")
    return "".join(out)


def one_line(text: object, limit: int = ONE_LINE) -> str:
    """`text` made plain and cut to `limit` characters, with an ellipsis and the count
    of what was left out when cut (the escapes count, so the line stays short)."""
    safe = plain(text)
    if len(safe) <= limit:
        return safe
    return f"{safe[:limit]}… ({len(safe) - limit} more chars)"
