"""Knowledge-base matching over the tables of one DEX file.

Trackers match by namespace prefix over the classes a DEX defines (class_defs): one Hit
per tracker per DEX file, its value the first matching class in sorted order. Indicators
match by kind: "string" (a DEX string equals the pattern), "substring" (a DEX string
contains it), "url" / "host" (a DEX string contains it; the Hit's value is the whole
string), "class" (a type the DEX defines or references starts with the prefix). One Hit
per indicator per DEX file.

Cost: prefix matching bisects sorted name lists (a few microseconds per namespace).
String patterns are searched in one text, all strings joined, where each search is one
C-level scan; patterns sharing a substring (`xiaomi.com` in five hosts) are grouped under
it (`search_plan`), so one scan rules out the whole group and a DEX pays one scan per
group, not per pattern. Only a pattern actually present is looked up string by string
(to return the first whole string holding it, in string-id order).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from operator import methodcaller

from model.apk_report import Hit
from checks.dex import DexTables
from model.knowledge import Indicator, Tracker

__all__ = ["DexIndex", "match_trackers", "match_indicators", "search_plan", "MAX_VALUE_CHARS"]

#: evidence strings longer than this are cut (with "…") so a report stays readable
MAX_VALUE_CHARS = 500
#: length of the substrings patterns are grouped by; long enough to be rare in a DEX
KEY_CHARS = 6
_CONTAINED_KINDS = ("substring", "url", "host", "string")


def _first_with_prefix(sorted_names: list[str], prefix: str) -> str | None:
    i = bisect_left(sorted_names, prefix)
    if i < len(sorted_names) and sorted_names[i].startswith(prefix):
        return sorted_names[i]
    return None


def _clip(value: str) -> str:
    return value if len(value) <= MAX_VALUE_CHARS else value[: MAX_VALUE_CHARS - 1] + "…"


@lru_cache(maxsize=16)
def search_plan(patterns: tuple[str, ...]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Group `patterns` under shared keys: ((key, patterns holding key), ...).

    Greedy: the `KEY_CHARS`-long substring shared by the most still ungrouped patterns
    becomes a key (ties: the smallest string, so the plan is deterministic), until no
    substring is shared; each pattern left is its own key. Every pattern is in exactly
    one group and contains its key, so "key not in text" proves no member is.
    """
    left = sorted(set(p for p in patterns if p))
    plan: list[tuple[str, tuple[str, ...]]] = []
    while left:
        counts: Counter[str] = Counter()
        for p in left:
            counts.update({p[i : i + KEY_CHARS] for i in range(len(p) - KEY_CHARS + 1)})
        shared = [(n, k) for k, n in counts.items() if n > 1]
        if not shared:
            break
        best = max(n for n, _ in shared)
        key = min(k for n, k in shared if n == best)
        members = tuple(p for p in left if key in p)
        plan.append((key, members))
        left = [p for p in left if key not in p]
    plan.extend((p, (p,)) for p in left)
    return tuple(plan)


@dataclass
class DexIndex:
    """Lookup structures over one DEX's tables, built once and matched many times."""

    classes: list[str]  # class_defs, sorted
    types: list[str]  # class_defs and referenced types, sorted (may hold repeats)
    strings: list[str]  # string_ids order
    text: str  # all strings joined by NUL: one C-level scan answers "is it anywhere?"
    _found: dict[str, str | None] = field(default_factory=dict, repr=False)
    _class_text: str | None = field(default=None, repr=False)

    @classmethod
    def build(cls, tables: DexTables) -> "DexIndex":
        classes = sorted(tables.class_names)
        # type_ids are sorted in the DEX, so this is a merge of two sorted runs; repeats
        # (a defined class is also a type id) do not disturb a prefix bisect.
        types = sorted(tables.type_names + classes)
        return cls(classes=classes, types=types, strings=tables.strings,
                   text="\0".join(tables.strings))

    @property
    def class_text(self) -> str:
        """The defined class names joined by newlines (sorted), for fragment searches;
        built on first use, since few trackers need it."""
        if self._class_text is None:
            self._class_text = "\n" + "\n".join(self.classes) + "\n"
        return self._class_text

    def first_class_containing(self, fragments: tuple[str, ...]) -> str | None:
        """The first defined class (sorted order) whose name contains one of `fragments`."""
        text = self.class_text
        found = []
        for f in fragments:
            i = text.find(f)
            if i >= 0:
                start = text.rfind("\n", 0, i) + 1
                found.append(text[start : text.index("\n", i)])
        return min(found) if found else None

    def first_class_except(self, prefixes: tuple[str, ...], excludes: tuple[str, ...]) -> str | None:
        """Like `first_class`, skipping classes under one of the `excludes` prefixes."""
        names = self.classes
        found = []
        for p in prefixes:
            i = bisect_left(names, p)
            while i < len(names) and names[i].startswith(p):
                if not names[i].startswith(excludes):
                    found.append(names[i])
                    break
                # jump past the whole excluded namespace, not class by class
                ex = next(e for e in excludes if names[i].startswith(e))
                i = bisect_left(names, ex + "\uffff", i)
        return min(found) if found else None

    def first_class(self, prefixes: tuple[str, ...], *, referenced: bool = False) -> str | None:
        names = self.types if referenced else self.classes
        found = [m for p in prefixes if (m := _first_with_prefix(names, p)) is not None]
        return min(found) if found else None

    def first_containing(self, pattern: str) -> str | None:
        """The first DEX string (whole, in string-id order) containing `pattern`, or None."""
        if not pattern:
            return None
        if pattern in self._found:
            return self._found[pattern]
        hit = None
        if pattern in self.text:
            hit = next(filter(methodcaller("__contains__", pattern), self.strings), None)
        self._found[pattern] = hit
        return hit

    def search(self, patterns: tuple[str, ...]) -> None:
        """Settle which of `patterns` occur, one text scan per group of `search_plan`.

        Afterwards `first_containing` answers for each of them without scanning again.
        """
        for key, members in search_plan(patterns):
            if len(members) == 1 or key in self.text:
                for p in members:
                    self.first_containing(p)
            else:
                for p in members:
                    self._found.setdefault(p, None)

    def has_string(self, pattern: str) -> bool:
        """Is `pattern` one of the DEX strings (exactly)?"""
        return self.first_containing(pattern) is not None and pattern in self.strings


def match_trackers(index: DexIndex, trackers: tuple[Tracker, ...], file: str) -> list[Hit]:
    """One Hit per tracker whose namespace prefixes a class this DEX defines (or whose
    fragment a defined class name contains), not counting its excluded namespaces.
    Withdrawn trackers are not matched."""
    hits = []
    for t in trackers:
        if t.withdrawn:
            continue
        if t.excludes:
            first = index.first_class_except(t.namespaces, t.excludes)
        else:
            first = index.first_class(t.namespaces)
        if t.contains:
            other = index.first_class_containing(t.contains)
            if other is not None and (first is None or other < first):
                first = other
        if first is not None:
            hits.append(Hit(id=t.id, name=t.name, kind="class", value=first, file=file,
                            category=t.categories[0] if t.categories else ""))
    return hits


def _contained_patterns(indicators: tuple[Indicator, ...]) -> tuple[str, ...]:
    return tuple(p for ind in indicators if ind.kind in _CONTAINED_KINDS for p in ind.patterns)


def match_indicators(index: DexIndex, indicators: tuple[Indicator, ...], file: str) -> list[Hit]:
    """One Hit per indicator found in this DEX, with the exact evidence."""
    index.search(_contained_patterns(indicators))
    hits = []
    for ind in indicators:
        value: str | None = None
        kind = ind.kind
        if ind.kind == "string":
            value = next((p for p in ind.patterns if index.has_string(p)), None)
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
