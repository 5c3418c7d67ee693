"""Caps on what one APK and one finding may say, with counts of what was left out.

A hostile APK can repeat the same tracker in every one of its DEX files, and a hostile
phone can hold thousands of apps: without caps the reports grow with the phone (one
hit per tracker per DEX once gave 93 MB of reports). The caps keep every verdict
(every knowledge-base id found is kept, and every check still sees every app) and cut
only repetitions, each cut counted so the JSON says how much was left out.

- `merge_hits`: per APK, the hits of one id found in several DEX files are kept for
  the first `MAX_FILES_PER_HIT` files (DEX order) and counted beyond that;
- `cap_evidence`: per finding, at most `MAX_EVIDENCE` evidence lines, the last one
  saying "and N more", the count kept in `Finding.evidence_cut`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable

from model.apk_report import Hit
from model.findings import Evidence, Finding

__all__ = ["merge_hits", "cap_evidence", "MAX_FILES_PER_HIT", "MAX_EVIDENCE"]

#: DEX files named per knowledge-base id in one APK (where a tracker is found; one is
#: enough for the verdict, a few show a reader where else to look)
MAX_FILES_PER_HIT = 3
#: evidence lines per finding (a reader looks at the first few; the JSON keeps the count)
MAX_EVIDENCE = 100


def merge_hits(hits: Iterable[Hit], per_id: int = MAX_FILES_PER_HIT) -> tuple[list[Hit], int]:
    """(hits with at most `per_id` per id, in their order; how many were left out)."""
    kept: list[Hit] = []
    seen: dict[str, int] = {}
    cut = 0
    for h in hits:
        n = seen.get(h.id, 0)
        if n < per_id:
            kept.append(h)
        else:
            cut += 1
        seen[h.id] = n + 1
    return kept, cut


def cap_evidence(f: Finding, limit: int = MAX_EVIDENCE) -> Finding:
    """`f` with at most `limit` evidence lines; the last says how many more there were."""
    if len(f.evidence) <= limit:
        return f
    left = len(f.evidence) - (limit - 1)
    more = Evidence("report", f"and {left} more evidence lines (left out of this report)")
    return replace(f, evidence=f.evidence[: limit - 1] + (more,), evidence_cut=f.evidence_cut + left)
