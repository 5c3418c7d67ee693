"""Finding the line of a key in a profile.toml: tomllib gives no positions, so
`Locator` scans the text for table headers and keys, and `ProfileError` messages can
name file, key and line.
"""

from __future__ import annotations

import re


_HEADER = re.compile(r"^\s*(\[\[?)\s*(.+?)\s*(\]\]?)\s*(#.*)?$")


def _split_dotted(s: str) -> list[str]:
    """Split a TOML dotted key (quotes respected)."""
    parts, cur, quote = [], "", None
    for ch in s:
        if quote:
            if ch == quote:
                quote = None
            else:
                cur += ch
        elif ch in "\"'":
            quote = ch
        elif ch == ".":
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    parts.append(cur.strip())
    return parts


class Locator:
    """Finds the line of a key in profile.toml text (1-based; best effort)."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        #: (line index, resolved table path) of every header, in order
        self.headers: list[tuple[int, tuple]] = []
        counts: dict[tuple, int] = {}
        in_multiline = None
        for i, line in enumerate(self.lines):
            # skip lines inside multi-line strings
            for q in ('"""', "'''"):
                if line.count(q) % 2 == 1:
                    in_multiline = None if in_multiline == q else (in_multiline or q)
            if in_multiline:
                continue
            m = _HEADER.match(line)
            if not m or m.group(1) != m.group(3).replace("]", "["):
                continue
            inner = m.group(2)
            if '"' not in inner and "'" not in inner and any(c in inner for c in "=,{"):
                continue  # an array line inside a value, not a header
            keys = _split_dotted(m.group(2))
            resolved: tuple = ()
            for j, k in enumerate(keys):
                resolved += (k,)
                last = j == len(keys) - 1
                if last and m.group(1) == "[[":
                    counts[resolved] = counts.get(resolved, 0) + 1
                    resolved += (counts[resolved] - 1,)
                elif resolved in counts:
                    resolved += (counts[resolved] - 1,)
            self.headers.append((i, resolved))

    def _region(self, table: tuple) -> tuple[int, int] | None:
        if table == ():
            end = self.headers[0][0] if self.headers else len(self.lines)
            return (0, end)
        for n, (i, path) in enumerate(self.headers):
            if path == table:
                end = self.headers[n + 1][0] if n + 1 < len(self.headers) else len(self.lines)
                return (i, end)
        return None

    def _find_key(self, key: str, start: int, end: int) -> int | None:
        pat = re.compile(r'(^|[\s{,\[])(' + re.escape(key) + r'|"' + re.escape(key) + r'"|\'' + re.escape(key) + r"')\s*=")
        for i in range(start, min(end, len(self.lines))):
            if pat.search(self.lines[i]):
                return i
        return None

    def line(self, table: tuple, key: str | int | None = None) -> int:
        """1-based line of `key` in `table` (header line if key is None or not found)."""
        region = self._region(table)
        if region is None:
            # an inline table or array element: look from the parent key's line on
            parent = tuple(t for t in table[:-1])
            while parent and isinstance(parent[-1], int) and self._region(parent) is None:
                parent = parent[:-1]
            name = [t for t in table if isinstance(t, str)]
            start = self.line(parent, name[-1] if name else None) - 1
            pregion = self._region(parent) or (0, len(self.lines))
            region = (start, pregion[1])
        if isinstance(key, str):
            found = self._find_key(key, region[0], region[1])
            if found is not None:
                return found + 1
        return region[0] + 1
