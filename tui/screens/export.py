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


def _safe(text: object, limit: int = 40) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", str(text or "")).strip("._-")[:limit]


def default_stem(data: AuditData) -> str:
    """`<model>-<serial>-<date>-<audit number>`, e.g. `M2007J3SG-8f3a71c2-2026-01-15-3`: what
    a bench sorts by (phone, then day), each part made safe for a file name. The number
    is the phone's own (its third audit: 3), so it is unique with the serial."""
    d = data.device
    parts = [_safe(d.get("model")) or "phone", _safe(data.device_key) or "unknown",
             _safe(str(data.report.get("started_at") or "")[:10])]
    if data.number is not None:
        parts.append(str(int(data.number)))
    return "-".join(p for p in parts if p)


def default_folder() -> str:
    """Where exports go unless the app is told otherwise: a `reports` folder beside the
    history (`~/.local/share/phone-audit/reports`), never the current folder (after
    `make demo` that is the git checkout)."""
    import platformdirs

    return str(Path(platformdirs.user_data_dir("phone-audit", appauthor=False)) / "reports")


class ExportScreen(ModalScreen[tuple[Path, Path] | None]):
    """Choose a folder and a file name; dismissed with the two paths written, or None."""

    BINDINGS = [Binding("escape", "close", "Cancel")]

    def __init__(self, backend, data: AuditData, folder: str | None = None) -> None:
        super().__init__()
        self.backend = backend
        self.data = data
        self.folder = folder or default_folder()

    def compose(self) -> ComposeResult:
        with Vertical(id="export"):
            yield Static(Text("Export this audit", style="bold"), classes="dialog-title")
            yield Label("Folder")
            # not selected on focus: a key pressed by habit (e again) must not replace it
            yield Input(self.folder, id="export-folder", select_on_focus=False)
            yield Label("File name (.json and .html are added)")
            yield Input(default_stem(self.data), id="export-stem", select_on_focus=False)
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
