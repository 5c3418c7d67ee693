"""The summary of an audit: how many checks failed, warned, passed..."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from tui.viewmodel import STATUS_ORDER, STATUS_WORD
from tui.widgets.text import badge


def counts_text(counts: dict[str, int]) -> Text:
    out = Text()
    for status in STATUS_ORDER:
        n = counts.get(status, 0)
        out.append_text(badge(status, f"{STATUS_WORD[status]} {n}"))
        out.append(" ")
    out.append(f" {sum(counts.values())} checks", style="dim")
    return out


class CountsBar(Static):
    """Counts of findings by status, worst first."""

    def __init__(self, counts: dict[str, int], **kwargs) -> None:
        super().__init__(counts_text(counts), **kwargs)
