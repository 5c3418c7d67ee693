"""`content query --uri URI --projection a:b:c`: `Row: N a=..., b=..., c=...`.

Values are printed raw: an address or any other value may contain `, ` or a newline.
So rows are cut only where `Row: <next index> <first column>=` begins a line, and a
row's values only where `, <next column>=` follows, in projection order. Rows whose
columns come in another order fall back to the earliest `, <known column>=` cut.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from adb.parsers._text import as_text
from model.snapshot import FrozenMap


@dataclass(frozen=True)
class ContentResult:
    """Rows (column -> raw value; `NULL` becomes None is left to the caller) or an error."""

    rows: tuple[FrozenMap, ...] = ()
    #: the provider's error text (stderr), or None when the query ran
    error: str | None = None


def _split_rows(text: str, first_col: str | None) -> list[str]:
    """Row bodies (after `Row: N `); a row starts only at a line `Row: <next N> <col0>=`."""
    starts: list[int] = []
    n = 0
    search_from = 0
    while True:
        head = f"Row: {n} " + (f"{first_col}=" if first_col else "")
        if n == 0 and text.startswith(head):
            idx = 0
        else:
            j = text.find("\n" + head, search_from)
            idx = -1 if j < 0 else j + 1
        if idx < 0:
            break
        starts.append(idx)
        search_from = idx + 1
        n += 1
    rows = []
    for k, idx in enumerate(starts):
        last = k + 1 == len(starts)
        end = len(text) if last else starts[k + 1] - 1
        body = text[idx + len(f"Row: {k} "):end]
        rows.append(body.rstrip("\n") if last else body)
    return rows


def _split_row(row: str, columns: tuple[str, ...]) -> dict[str, str]:
    if not columns:
        return {}
    values: dict[str, str] = {}
    if row.startswith(columns[0] + "="):
        start = len(columns[0]) + 1
        ok = True
        for i, col in enumerate(columns):
            if i + 1 < len(columns):
                nxt = f", {columns[i + 1]}="
                end = row.find(nxt, start)
                if end < 0:
                    ok = False
                    break
                values[col] = row[start:end]
                start = end + len(nxt)
            else:
                values[col] = row[start:]
        if ok:
            return values
    # another column order: cut at every `, known=` (first occurrence of each)
    alt = "|".join(re.escape(c) for c in sorted(columns, key=len, reverse=True))
    cuts = []
    used: set[str] = set()
    for m in re.finditer(r"(?:^|, )(" + alt + r")=", row):
        if m.group(1) not in used:
            used.add(m.group(1))
            cuts.append(m)
    values = {}
    for i, m in enumerate(cuts):
        end = cuts[i + 1].start() if i + 1 < len(cuts) else len(row)
        values[m.group(1)] = row[m.end():end]
    return values


def parse_content_query(stdout: str | bytes, columns: tuple[str, ...] | list[str],
                        stderr: str | bytes = b"") -> ContentResult:
    """Parse the rows of a content query made with this projection."""
    cols = tuple(c for c in columns if c)
    out = as_text(stdout)
    err = as_text(stderr).strip()
    bodies = _split_rows(out, cols[0] if cols else None)
    if not bodies:
        # a provider that prints the columns in another order than asked
        bodies = _split_rows(out, None)
    rows = [FrozenMap(_split_row(r, cols)) for r in bodies]
    if not rows:
        lowered = (err + "\n" + out).lower()
        if err or "exception" in lowered or "error" in lowered:
            return ContentResult((), (err or out.strip())[:2000] or "error")
    return ContentResult(tuple(rows), None)
