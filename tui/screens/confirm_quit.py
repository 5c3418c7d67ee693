"""Asked before quitting while audits run: at a bench, a stray `q` must not stop
every phone's audit at once."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmQuitScreen(ModalScreen[bool]):
    """Dismissed with True (quit) or False (stay)."""

    BINDINGS = [
        Binding("q,y", "answer(True)", "Quit", show=False),
        Binding("escape,n", "answer(False)", "Stay", show=False),
    ]

    def __init__(self, running: int) -> None:
        super().__init__()
        self.running = running

    def compose(self) -> ComposeResult:
        what = "An audit is" if self.running == 1 else f"{self.running} audits are"
        with Vertical(id="confirm-quit"):
            yield Static(Text(f"{what} still running.", style="bold"), classes="dialog-title")
            yield Static(Text("Quitting stops it; what was gathered so far is not a complete "
                              "audit. Quit anyway?"))
            with Horizontal(classes="buttons"):
                yield Button("Quit (q)", id="quit-yes", variant="error")
                yield Button("Stay (Esc)", id="quit-no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#quit-no", Button).focus()

    def action_answer(self, quit_: bool) -> None:
        self.dismiss(quit_)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "quit-yes")
