"""The export dialog: write the current audit as JSON (the report contract) and as a
self-contained HTML file. The files are written in a thread worker."""

from __future__ import annotations

import re
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from tui.messages import ExportWritten
from tui.viewmodel import AuditData


def default_stem(data: AuditData) -> str:
    """`phone-audit-<serial>-<audit id>`, the serial made safe for a file name."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", data.device_key).strip("._") or "phone"
    return f"phone-audit-{safe[:40]}-{data.audit_id if data.audit_id is not None else 'report'}"


class ExportScreen(ModalScreen[tuple[Path, Path] | None]):
    """Choose a folder and a file name; dismissed with the two paths written, or None."""

    BINDINGS = [Binding("escape", "close", "Cancel")]

    def __init__(self, backend, data: AuditData, folder: str | None = None) -> None:
        super().__init__()
        self.backend = backend
        self.data = data
        self.folder = folder or str(Path.cwd())

    def compose(self) -> ComposeResult:
        with Vertical(id="export"):
            yield Static(Text("Export this audit", style="bold"), classes="dialog-title")
            yield Label("Folder")
            yield Input(self.folder, id="export-folder")
            yield Label("File name (.json and .html are added)")
            yield Input(default_stem(self.data), id="export-stem")
            yield Static("", id="export-status")
            with Horizontal(classes="buttons"):
                yield Button("Export", id="export-go", variant="primary")
                yield Button("Cancel", id="export-cancel")

    @on(Button.Pressed, "#export-go")
    @on(Input.Submitted)
    def _go(self) -> None:
        folder = self.query_one("#export-folder", Input).value.strip()
        stem = self.query_one("#export-stem", Input).value.strip()
        if not folder or not stem or "/" in stem or stem in (".", ".."):
            self.query_one("#export-status", Static).update(
                Text("Give a folder and a file name without '/'.", style="bold red"))
            return
        self.query_one("#export-status", Static).update(Text("Writing…", style="dim"))
        self.write(folder, stem)

    @work(thread=True, exclusive=True, exit_on_error=False, name="export")
    def write(self, folder: str, stem: str) -> None:
        self.post_message(ExportWritten(self.backend.export(self.data.report, folder, stem)))

    def on_export_written(self, message: ExportWritten) -> None:
        paths = message.paths
        self.app.notify(f"Wrote {paths[0]} and {paths[1]}", title="Exported", markup=False)
        self.dismiss(tuple(paths))

    @on(Button.Pressed, "#export-cancel")
    def action_close(self) -> None:
        self.dismiss(None)
