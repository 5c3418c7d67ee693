"""The accept dialog: a person accepts one failed or warned finding for this phone
(an employer's device administrator, say) and types why. Keyboard-only: the reason
field has the focus, Enter accepts, Escape cancels; it fits 80x24.

Dismissed with the reason (stripped, non-empty) or None. Storing it is the caller's
(`tui.screens.finding.FindingScreen`, through `Backend.accept`).
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from store.acceptances import MAX_REASON
from tui.widgets.text import safe


class AcceptScreen(ModalScreen[str | None]):
    """Ask for the reason of an acceptance (see module docstring)."""

    BINDINGS = [Binding("escape", "close", "Cancel")]

    def __init__(self, title: str, check: str, status_word: str) -> None:
        super().__init__()
        self.finding_title = title
        self.check = check
        self.status_word = status_word

    def compose(self) -> ComposeResult:
        with Vertical(id="accept"):
            head = Text("Accept for this phone: ", style="bold")
            head.append_text(safe(self.finding_title, style="bold"))
            yield Static(head, classes="dialog-title")
            yield Static(Text(
                f"It stays {self.status_word} and is shown as ACCEPTED, never as passed. Later "
                "audits of this phone honour it while the finding stays the same; if it "
                "changes, it counts again. w in the detail withdraws it.", style="dim"))
            yield Label("Why? (kept in this phone's history and in its reports)")
            yield Input(placeholder="e.g. the employer's MDM; the owner knows", id="accept-reason",
                        max_length=MAX_REASON)
            yield Static("", id="accept-status")
            with Horizontal(classes="buttons"):
                yield Button("Accept", id="accept-go", variant="primary")
                yield Button("Cancel", id="accept-cancel")

    def on_mount(self) -> None:
        self.query_one("#accept-reason", Input).focus()

    @on(Button.Pressed, "#accept-go")
    @on(Input.Submitted)
    def _go(self) -> None:
        reason = " ".join(self.query_one("#accept-reason", Input).value.split())
        if not reason:
            self.query_one("#accept-status", Static).update(
                Text("Say why it is accepted: a reason is required.", style="bold red"))
            return
        self.dismiss(reason)

    @on(Button.Pressed, "#accept-cancel")
    def action_close(self) -> None:
        self.dismiss(None)
