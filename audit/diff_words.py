"""The words for what changed between two audits of one phone: new, worse, better,
fixed, gone (and changed / unchanged for the rest), the same in `phone-audit diff` and
the app's history.

`store.history.diff_reports` sorts checks into appeared / fixed / changed / unchanged;
this says, for each entry, the word a person reads:

- **new**: the check fails or warns now and did not before;
- **worse**: it still fails or warns, and now more badly (warn to fail), or about more
  apps than before;
- **better**: it still fails or warns, less badly (fail to warn) or about fewer apps;
- **fixed**: it failed or warned, and now passes or does not apply;
- **gone**: the check is not in the later audit at all;
- **changed**: any other change (e.g. a pass that is now inconclusive);
- **unchanged**.
"""

from __future__ import annotations

from typing import Any

BAD_RANK = {"fail": 2, "warn": 1}
GOOD = ("pass", "not_applicable")
#: the groups in the order they are shown, each with its heading
ORDER = (("new", "New"), ("worse", "Worse"), ("better", "Better"), ("fixed", "Fixed"),
         ("gone", "Gone"), ("changed", "Changed"), ("unchanged", "Unchanged"))


def word(entry: dict[str, Any]) -> str:
    """The word for one entry of `diff_reports`."""
    before, after = entry.get("before"), entry.get("after")
    added, removed = entry.get("subjects_added") or [], entry.get("subjects_removed") or []
    if after is None:
        return "gone"
    if after in BAD_RANK and before not in BAD_RANK:
        return "new"
    if before in BAD_RANK and after in GOOD:
        return "fixed"
    if before in BAD_RANK and after in BAD_RANK:
        if BAD_RANK[after] != BAD_RANK[before]:
            return "worse" if BAD_RANK[after] > BAD_RANK[before] else "better"
        if added:
            return "worse"
        if removed:
            return "better"
        return "unchanged"
    if before != after or added or removed:
        return "changed"
    return "unchanged"


def grouped(diff: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Every entry of a `diff_reports` result under its word, in `ORDER`."""
    out: dict[str, list[dict[str, Any]]] = {k: [] for k, _ in ORDER}
    for key in ("appeared", "fixed", "changed", "unchanged"):
        for e in diff.get(key, ()):
            out[word(e)].append(e)
    return out


def shows_subjects(group: str) -> bool:
    """Whether the apps added and removed belong under this word: not under fixed or
    gone (a check that passes now may still name apps, e.g. the phone's own admins)."""
    return group not in ("fixed", "gone", "unchanged")
