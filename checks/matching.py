"""Knowledge-base matching over the tables of one DEX file.

Trackers match by namespace prefix over the classes a DEX defines (class_defs): one Hit
per tracker per DEX file, its value the first matching class in sorted order. Indicators
match by kind: "string" (a DEX string equals the pattern), "substring" (a DEX string
contains it), "url" / "host" (a DEX string contains it; the Hit's value is the whole
string), "class" (a type the DEX defines or references starts with the prefix). One Hit
per indicator per DEX file.

Prefix matching bisects a sorted name list (cheap for hundreds of namespaces); contained
strings are searched in one NUL-joined text, so each pattern is one C-level `find`.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

from checks.apk_report import Hit
from checks.dex import DexTables
from checks.knowledge.model import Indicator, Knowledge, Tracker

__all__ = ["DexIndex", "match_trackers", "match_indicators", "MAX_VALUE_CHARS"]

#: evidence strings longer than this are cut (with "…") so a report stays readable
MAX_VALUE_CHARS = 500


def _first_with_prefix(sorted_names: list[str], prefix: str) -> str | None:
    i = bisect_left(sorted_names, prefix)
    if i < len(sorted_names) and sorted_names[i].startswith(prefix):
        return sorted_names[i]
    return None


def _clip(value: str) -> str:
    return value if len(value) <= MAX_VALUE_CHARS else value[: MAX_VALUE_CHARS - 1] + "…"


@dataclass
class DexIndex:
    """Lookup structures over one DEX's tables, built once and matched many times."""

    classes: list[str]  # class_defs, sorted
    types: list[str]  # class_defs and referenced types, sorted
    string_set: frozenset[str]
    text: str  # all strings joined by NUL, for "contains" searches

    @classmethod
    def build(cls, tables: DexTables) -> "DexIndex":
        return cls(
            classes=sorted(tables.class_names),
            types=sorted(set(tables.type_names).union(tables.class_names)),
            string_set=frozenset(tables.strings),
            text="\0".join(tables.strings),
        )

    def first_class(self, prefixes: tuple[str, ...], *, referenced: bool = False) -> str | None:
        names = self.types if referenced else self.classes
        found = [m for p in prefixes if (m := _first_with_prefix(names, p)) is not None]
        return min(found) if found else None

    def first_containing(self, pattern: str) -> str | None:
        """The first DEX string containing `pattern` (whole string), or None."""
        if not pattern:
            return None
        pos = self.text.find(pattern)
        if pos < 0:
            return None
        start = self.text.rfind("\0", 0, pos) + 1
        end = self.text.find("\0", pos)
        return self.text[start : end if end >= 0 else len(self.text)]


def match_trackers(index: DexIndex, trackers: tuple[Tracker, ...], file: str) -> list[Hit]:
    """One Hit per tracker whose namespace prefixes a class this DEX defines."""
    hits = []
    for t in trackers:
        first = index.first_class(t.namespaces)
        if first is not None:
            hits.append(Hit(id=t.id, name=t.name, kind="class", value=first, file=file,
                            category=t.categories[0] if t.categories else ""))
    return hits


def match_indicators(index: DexIndex, indicators: tuple[Indicator, ...], file: str) -> list[Hit]:
    """One Hit per indicator found in this DEX, with the exact evidence."""
    hits = []
    for ind in indicators:
        value: str | None = None
        kind = ind.kind
        if ind.kind == "string":
            value = next((p for p in ind.patterns if p in index.string_set), None)
        elif ind.kind in ("substring", "url", "host"):
            for p in ind.patterns:
                value = index.first_containing(p)
                if value is not None:
                    break
            if ind.kind == "substring":
                kind = "string"
        elif ind.kind == "class":
            value = index.first_class(ind.patterns, referenced=True)
        if value is not None:
            hits.append(Hit(id=ind.id, name=ind.name, kind=kind, value=_clip(value), file=file,
                            category=ind.group))
    return hits
