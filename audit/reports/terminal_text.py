"""The one sanitiser for text from a phone or an APK shown as plain text (terminal,
CLI output, the app's widgets, HTML before escaping).

Control and format characters, and line or paragraph separators, become visible
escapes (\\xNN / \\uNNNN): a hostile label can neither move the cursor, change colours,
hide part of a line nor reorder it with bidi overrides.
"""

from __future__ import annotations

import unicodedata


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
