"""One stage of an audit (reading, pulling, inspecting, evaluating) with real progress."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, ProgressBar, Static


class StageProgress(Horizontal):
    """A stage's name, its bar, and a line of detail (counts, bytes, ETA, the item)."""

    def __init__(self, stage: str, title: str) -> None:
        super().__init__(id=f"stage-{stage}", classes="stage")
        self.stage = stage
        self.title = title

    def compose(self) -> ComposeResult:
        yield Label(Text(self.title), classes="stage-title")
        # total=1 until the stage starts: an indeterminate bar would animate for nothing
        # no ETA column: the detail line says it in words, and the bar stays still in snapshots
        yield ProgressBar(total=1, show_eta=False, show_percentage=True, classes="stage-bar")
        yield Static(Text("waiting", style="dim"), classes="stage-detail")

    def update_stage(self, done: int, total: int | None, detail: Text, finished: bool = False) -> None:
        bar = self.query_one(ProgressBar)
        if finished:
            bar.update(total=max(total or 1, 1), progress=max(total or 1, 1))
        elif total:
            bar.update(total=total, progress=done)
        self.query_one(".stage-detail", Static).update(detail)
        self.set_class(finished, "done")
