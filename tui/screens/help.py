"""The help screen: what each place does and its keys."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

HELP = [
    ("Everywhere", [
        ("?", "this help"), ("ctrl+p", "command palette (audit, export, apps, history, theme...)"),
        ("tab / shift+tab", "move between panels and fields"), ("escape", "back"), ("q", "quit"),
    ]),
    ("Phones tab", [
        ("enter", "audit the phone under the cursor (simulated phones are started first)"),
        ("r", "look for phones again"),
        ("", "each audit opens in its own tab; the next phone can be audited while one runs"),
    ]),
    ("An audit tab", [
        ("c", "cancel the running audit (what was gathered is still judged and saved)"),
        ("enter / click", "open the detail of a panel: evidence, adb commands, what to do"),
        ("a", "apps: every package, sortable and filterable"),
        ("h", "history of this phone and what changed since the last audit"),
        ("e", "export this audit as JSON and HTML"),
        ("p", "back to the Phones tab"),
        ("1 ... 9", "the audit tab with that number"),
        ("up / down", "previous / next panel"),
    ]),
    ("A finding's detail", [
        ("a", "accept a failure or warning for this phone, with a reason (shown as ACCEPTED)"),
        ("w", "withdraw that acceptance"),
    ]),
    ("Apps", [
        ("/", "filter"), ("s", "sort by the next column"), ("t", "third-party apps only"),
        ("k", "apps with trackers only"), ("enter", "the app's inspection report"),
    ]),
    ("History", [
        ("up / down", "choose an audit: it is compared with the one before it"),
    ]),
]


def help_text() -> Table:
    """Places and keys as a two-column table: a long description wraps inside its own
    column (as plain text it wrapped back to the left edge, under the keys)."""
    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True, style="bold")
    table.add_column(ratio=1)
    for n, (place, keys) in enumerate(HELP):
        if n:
            table.add_row("", "")
        table.add_row(Text(place, style="bold underline"), "")
        for key, what in keys:
            table.add_row(Text(f"  {key}"), Text(what))
    return table


class HelpScreen(ModalScreen):
    """Keys and places (Escape or ? closes it)."""

    BINDINGS = [Binding("escape", "dismiss", "Close"), Binding("question_mark", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(Text("phone-audit help", style="bold"), classes="dialog-title")
            yield Static(help_text())
            yield Static(Text("\nphone-audit only reads the phone: every adb command it sends is "
                              "read-only.", style="dim"))
