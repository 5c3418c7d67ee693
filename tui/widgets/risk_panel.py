"""A pass/fail panel for one finding: the status, the title, what was found in one line.

Large panels (`large=True`) are the NCSC risks; compact ones (one line) the posture and
app checks. Enter or a click posts `FindingSelected`; up/down move between panels.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.widget import Widget

from tui.messages import FindingSelected
from audit import ranking
from tui.widgets.text import badge, one_line


class RiskPanel(Widget, can_focus=True):
    """One finding as a panel (see module docstring)."""

    BINDINGS = [
        Binding("enter", "open", "Details"),
        Binding("down", "step(1)", "Next", show=False),
        Binding("up", "step(-1)", "Previous", show=False),
    ]

    def __init__(self, finding: dict[str, Any], *, large: bool = False, attention: bool = False) -> None:
        check = str(finding.get("check", ""))
        super().__init__(classes=f"risk-panel {'large' if large else 'compact'} "
                                 f"status-{ranking.shown(finding)}"
                                 + (" attention" if attention else ""))
        self.finding = finding
        self.check = check
        self.large = large
        self.tooltip = None

    def render(self) -> Text:
        f = self.finding
        status = str(f.get("status", ""))
        # an accepted failure shows ACCEPTED, never PASS (audit/acceptance.py)
        head = badge(ranking.shown(f), ranking.word(f))
        head.append(" ")
        head.append(one_line(f.get("title"), 120), style="bold")
        if self.large:
            # a severity says how bad a problem is; on a pass it only puzzles
            if status in ("fail", "warn", "inconclusive") and f.get("severity"):
                head.append(f"  severity {f.get('severity')}", style="dim")
            return Text("\n").join([head, Text(one_line(f.get("summary")))])
        head.append("  ")
        head.append(one_line(f.get("summary")), style="dim")
        return head

    def action_step(self, step: int) -> None:
        """Focus the next/previous panel of the same results; at either end stay put
        (the first one shows the top of the results), so up/down never leave them
        for the tab strip, where the audit's keys would not apply."""
        container = self.parent
        panels = list(container.query(RiskPanel)) if container is not None else [self]
        i = panels.index(self) + step if self in panels else -1
        if 0 <= i < len(panels):
            panels[i].focus()
        elif i < 0 and container is not None and hasattr(container, "scroll_home"):
            container.scroll_home(animate=False)

    def action_open(self) -> None:
        self.post_message(FindingSelected(self.check))

    def on_click(self) -> None:
        self.post_message(FindingSelected(self.check))
