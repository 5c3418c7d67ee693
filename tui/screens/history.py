"""History: the earlier audits of this phone (from the store), and what changed between
an audit and the one before it, in the words of `audit.diff_words` (new, worse, better,
fixed, gone).

The store is aiosqlite, so loading is an async worker on the app's loop; it reports by
updating its own widgets once the data is there.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from tui.viewmodel import STATUS_WORD, AuditData
from tui.widgets.text import one_line, safe

#: the style of each word of `audit.diff_words`
_STYLE = {"new": "bold red", "worse": "bold red", "better": "bold green", "fixed": "bold green",
          "gone": "bold yellow", "changed": "bold yellow", "unchanged": "dim"}


def diff_text(diff: dict[str, Any], before: int, after: int) -> Text:
    """The diff in words; `before` and `after` are what the audits are called (the
    phone's own numbers, as the table shows them)."""
    from audit import diff_words

    groups = diff_words.grouped(diff)
    out = Text(f"Audit #{after} compared with #{before}: ", style="bold")
    out.append(", ".join(f"{len(groups[k])} {name.lower()}" for k, name in diff_words.ORDER
                         if groups[k] or k in ("new", "fixed", "unchanged")))
    for key, name in diff_words.ORDER:
        items = groups[key]
        style = _STYLE[key]
        if not items or key == "unchanged":
            continue
        out.append(f"\n\n{name}", style=style + " underline")
        for e in items:
            out.append("\n  ")
            word = f"{STATUS_WORD.get(e['before'], '-') if e['before'] else '-'} -> " \
                   f"{STATUS_WORD.get(e['after'], '-') if e['after'] else '-'}"
            out.append(f"{word:<16}", style=style)
            out.append_text(safe(e.get("title")))
            if not diff_words.shows_subjects(key):
                continue
            for s in e.get("subjects_added", [])[:5]:
                out.append("\n      new: ")
                out.append_text(safe(s))
            for s in e.get("subjects_removed", [])[:5]:
                out.append("\n      gone: ")
                out.append_text(safe(s))
    if groups["unchanged"]:
        out.append("\n\nUnchanged: ", style="dim")
        out.append(", ".join(e["check"] for e in groups["unchanged"]), style="dim")
    if "apps" in diff:
        from audit.inventory_diff import lines
        from audit.reports.terminal_text import plain

        for line in lines(diff["apps"], plain):
            heading = not line.startswith("  ")
            out.append(("\n\n" if heading else "\n") + line, style="bold" if heading else "")
    return out


def _number(audit: dict[str, Any]) -> int:
    """The phone's own number of a stored audit (its database id if it has none)."""
    return audit.get("number") or audit["id"]


class HistoryScreen(Screen):
    """Earlier audits of the phone of `data`, and the changes since the one before."""

    BINDINGS = [Binding("escape", "app.pop_screen", "Back")]

    def __init__(self, backend, data: AuditData) -> None:
        super().__init__()
        self.backend = backend
        self.data = data
        self.audits: list[dict[str, Any]] = []

    def compose(self) -> ComposeResult:
        title = Text("History of ")
        title.append_text(safe(self.data.title(), style="bold"))
        title.append(" (serial ")
        title.append_text(safe(self.data.device_key))
        title.append(")")
        yield Static(title, id="history-title")
        yield DataTable(id="audits", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="diff-box"):
            yield Static(Text("Loading…", style="dim"), id="diff")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#audits", DataTable)
        # Audit is the phone's own number (#1 its first); a re-analysed capture is
        # marked beside its date, which is the capture's
        for key, title, width in (("id", "Audit", 6), ("started", "Started (UTC)", 24),
                                  ("status", "Status", 11), ("fail", "Fail", 5), ("warn", "Warn", 5),
                                  ("pass", "Pass", 5), ("other", "Other", 6)):
            table.add_column(title, key=key, width=width)
        self.load()

    @work(exclusive=True, exit_on_error=False, name="history")
    async def load(self) -> None:
        self.audits = await self.backend.history(self.data.device_key)
        table = self.query_one("#audits", DataTable)
        table.clear()
        for a in self.audits:
            c = a["counts"]
            other = c["findings"] - c["fail"] - c["warn"] - c["pass"]
            status = Text(a["status"], style="" if a["complete"] else "bold red")
            started = safe(str(a["started_at"] or "")[:16].replace("T", " "))
            if a.get("source") == "capture":
                started.append(" capture", style="italic")
            table.add_row(Text(f"#{_number(a)}"), started,
                          status, Text(str(c["fail"])), Text(str(c["warn"])), Text(str(c["pass"])),
                          Text(str(other)), key=str(a["id"]))
        if not self.audits:
            self.query_one("#diff", Static).update(Text("No audit of this phone is stored."))
            return
        current = self.data.audit_id
        ids = [a["id"] for a in self.audits]
        table.move_cursor(row=ids.index(current) if current in ids else 0)
        table.focus()
        await self.show_diff(ids[ids.index(current)] if current in ids else ids[0])

    async def show_diff(self, audit_id: int) -> None:
        ids = [a["id"] for a in self.audits]
        older = [i for i in ids if i < audit_id]
        box = self.query_one("#diff", Static)
        by_id = {a["id"]: a for a in self.audits}
        name = _number(by_id[audit_id]) if audit_id in by_id else audit_id
        if not older:
            box.update(Text(f"Audit #{name} is the first stored audit of this phone: "
                            "nothing to compare with."))
            return
        before = max(older)
        diff = await self.backend.diff(before, audit_id)
        text = diff_text(diff, _number(by_id[before]), name)
        if by_id.get(audit_id, {}).get("source") == "capture":
            text.append(f"\n\nAudit #{name} re-analysed a capture taken "
                        f"{str(by_id[audit_id]['started_at'])[:16].replace('T', ' ')} UTC.", style="dim")
        box.update(text)

    @on(DataTable.RowHighlighted, "#audits")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key is not None and event.row_key.value is not None and self.audits:
            self.run_worker(self.show_diff(int(event.row_key.value)), exclusive=True,
                            group="diff", exit_on_error=False, name="diff")
