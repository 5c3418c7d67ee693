"""English for summaries: plurals, verb agreement, lists of names, what to call an app.

Pure: nothing here talks to a phone.
"""

from __future__ import annotations

from typing import Iterable


def label(pkg_name: str, apks: dict) -> str:
    """A package with its app label when the APK told us one: 'Security (com.miui...)'."""
    pa = apks.get(pkg_name)
    lab = pa.base.label if pa is not None and pa.base is not None else None
    return f"{lab} ({pkg_name})" if lab else pkg_name


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def names(items: Iterable[str], limit: int = 6) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    if len(items) <= limit:
        return ", ".join(items[:-1]) + " and " + items[-1]
    return ", ".join(items[:limit]) + f" and {len(items) - limit} more"


def display(pkg_name: str, apks: dict) -> str:
    """What to call an app in a summary: its label from the APK ("Mi Browser"), else
    the package name. Subjects and evidence keep the package name."""
    pa = apks.get(pkg_name)
    lab = pa.base.label if pa is not None and pa.base is not None else None
    lab = (lab or "").strip()
    return lab if lab and len(lab) <= 60 else pkg_name


def displays(pkg_names: Iterable[str], apks: dict, limit: int = 6) -> str:
    return names([display(n, apks) for n in pkg_names], limit)


def verb(n: int, one: str, many: str) -> str:
    """Agreement: verb(1, "carries", "carry") -> "carries"."""
    return one if n == 1 else many
