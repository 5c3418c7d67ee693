"""Every package of an audit: label, system or third-party, installer, trackers found,
risky permissions. Sortable (s, or a click on a column header) and filterable (/);
Enter opens the app's inspection report (`AppDetailScreen`).

Below `WIDE` columns the table folds: the label and the package share one two-line
cell, kind and installer another, so at 80x24 every column is wide enough to read
instead of six columns cut to a few letters each."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from tui.viewmodel import AppRow, AuditData
from tui.widgets.text import cell, safe

#: (column key, title, sort key)
COLUMNS = (
    ("label", "App", lambda r: (r.label or r.package).casefold()),
    ("package", "Package", lambda r: r.package),
    ("kind", "Kind", lambda r: (r.system, r.package)),
    ("installer", "Installer", lambda r: (r.installer or "", r.package)),
    ("trackers", "Trackers", lambda r: (-len(r.trackers), r.package)),
    ("risky", "Risky permissions", lambda r: (-len(r.risky), r.package)),
)


#: from this terminal width on, one column per field; below it the folded layout
WIDE = 110
#: folded layout: (column key, title, share of the width); sorting keys stay COLUMNS'
FOLDED = (("label", "App / package", 42), ("kind", "Source", 14),
          ("trackers", "Trackers", 20), ("risky", "Permissions", 24))


def matches(row: AppRow, needle: str) -> bool:
    if not needle:
        return True
    hay = " ".join([row.label, row.package, row.installer or "", " ".join(row.trackers),
                    " ".join(row.risky), "system" if row.system else "third-party"]).casefold()
    return all(word in hay for word in needle.casefold().split())


class AppsScreen(Screen):
    """The apps view of one audit."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("slash", "filter", "Filter"),
        Binding("s", "sort", "Sort"),
        Binding("t", "third_party", "3rd-party only"),
        Binding("k", "trackers", "With trackers"),
    ]

    def __init__(self, data: AuditData) -> None:
        super().__init__()
        self.data = data
        self.rows = data.app_rows()
        self.sort_index = 0
        self.only_third = False
        self.only_trackers = False

    def compose(self) -> ComposeResult:
        yield Static(id="apps-status")
        yield Input(placeholder="filter: label, package, installer, tracker, permission…",
                    id="apps-filter")
        yield DataTable(id="apps", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#apps", DataTable)
        self.folded = self.app.size.width < WIDE
        if self.folded:
            room = max(60, self.app.size.width - 2 * len(FOLDED) - 2)
            for key, title, share in FOLDED:
                table.add_column(title, key=key, width=max(8, room * share // 100))
        else:
            # shares of the width, so every column shows
            shares = {"label": 18, "package": 24, "kind": 10, "installer": 14, "trackers": 16, "risky": 18}
            room = max(60, self.app.size.width - 2 * len(COLUMNS) - 2)
            for key, title, _ in COLUMNS:
                table.add_column(title, key=key, width=max(6, room * shares[key] // 100))
        self.refill()
        table.focus()

    def visible(self) -> list[AppRow]:
        needle = self.query_one("#apps-filter", Input).value
        rows = [r for r in self.rows if matches(r, needle)
                and (not self.only_third or not r.system)
                and (not self.only_trackers or r.trackers)]
        return sorted(rows, key=COLUMNS[self.sort_index][2])

    def refill(self) -> None:
        table = self.query_one("#apps", DataTable)
        table.clear()
        rows = self.visible()
        for r in rows:
            label = cell(r.label) if r.label else Text("(no label)", style="dim")
            if not r.enabled:
                label.append(" (disabled)", style="dim")
            kind = Text("system" if r.system else "3rd-party", style="" if r.system else "bold")
            installer = cell(r.installer) if r.installer else Text("-", style="dim")
            trackers = cell(", ".join(r.trackers), style="bold yellow") if r.trackers else Text("")
            risky = cell(", ".join(r.risky))
            if getattr(self, "folded", False):
                table.add_row(Text("\n").join([label, cell(r.package, style="dim")]),
                              Text("\n").join([kind, installer]), trackers, risky,
                              key=r.package, height=2)
                continue
            table.add_row(label, cell(r.package), kind, installer, trackers, risky, key=r.package)
        parts = [f"{len(rows)} of {len(self.rows)} apps", f"sorted by {COLUMNS[self.sort_index][1]}"]
        if self.only_third:
            parts.append("third-party only")
        if self.only_trackers:
            parts.append("with trackers only")
        status = safe(self.data.title(), style="bold")
        status.append("  " + ", ".join(parts), style="dim")
        self.query_one("#apps-status", Static).update(status)

    @on(Input.Changed, "#apps-filter")
    def _filter_changed(self) -> None:
        self.refill()

    @on(Input.Submitted, "#apps-filter")
    def _filter_done(self) -> None:
        self.query_one("#apps", DataTable).focus()

    @on(DataTable.HeaderSelected, "#apps")
    def _header(self, event: DataTable.HeaderSelected) -> None:
        keys = [c[0] for c in COLUMNS]  # folded columns keep the key of their first field
        self.sort_index = keys.index(event.column_key.value)
        self.refill()

    @on(DataTable.RowSelected, "#apps")
    def _open(self, event: DataTable.RowSelected) -> None:
        from tui.screens.app_detail import AppDetailScreen

        self.app.push_screen(AppDetailScreen(self.data, str(event.row_key.value)))

    def action_filter(self) -> None:
        self.query_one("#apps-filter", Input).focus()

    def action_sort(self) -> None:
        self.sort_index = (self.sort_index + 1) % len(COLUMNS)
        self.refill()

    def action_third_party(self) -> None:
        self.only_third = not self.only_third
        self.refill()

    def action_trackers(self) -> None:
        self.only_trackers = not self.only_trackers
        self.refill()
