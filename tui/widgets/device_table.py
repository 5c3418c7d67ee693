"""The device picker's table: phones adb sees, and the built-in simulated phones.

Every cell is a `Text` (serials, models and states come from the adb server, which
reports what phones say about themselves).
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import DataTable

from tui.widgets.text import safe

SIMULATED_PREFIX = "sim:"


@dataclass(frozen=True)
class PickerRow:
    """What a row stands for: a real device (serial) or a built-in profile to start."""

    key: str
    serial: str | None
    profile: str | None
    ready: bool


class DeviceTable(DataTable):
    """Phones (live) then simulated phones (marked as such)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.rows_by_key: dict[str, PickerRow] = {}
        #: what each row's "What to do" says in full (the column is cut at 80 columns)
        self.hints: dict[str, Text] = {}
        #: the row `show` last put the cursor on; elsewhere means the user moved it
        self._placed: int | None = None

    def on_mount(self) -> None:
        self.add_column("Phone", key="phone", width=26)
        self.add_column("State", key="state", width=13)
        self.add_column("What to do", key="hint")

    def show(self, entries: list, profiles: list[tuple[str, str]], simulated: set[str],
             auditing: set[str] = frozenset(), last: dict[str, str] | None = None) -> None:
        """Replace the rows, keeping the cursor on the same phone where possible.

        `auditing`: serials with an audit running now (their state says so); `last`:
        serial -> its last result in history ("5 fail, 2 warn, 2026-01-15 09:00"), shown
        in the "What to do" column, so a bench sees which phone is where."""
        last = last or {}
        keep = None
        if self.row_count and self.cursor_row < self.row_count:
            keep = self.coordinate_to_cell_key((self.cursor_row, 0)).row_key.value
        user_moved = keep is not None and self.cursor_row != self._placed
        self.clear()
        self.rows_by_key = {}
        self.hints = {}
        for e in entries:
            name = safe(e.serial)
            if e.model:
                name.append(f" {e.model.replace('_', ' ')}", style="dim")
            if e.serial in simulated:
                name.append(" (simulated)", style="italic")
            # adb's word for a usable phone is "device"; say what it means
            state = Text("ready" if e.ready else e.state, style="bold green" if e.ready else "bold red")
            if e.serial in auditing:
                state = Text("auditing…", style="bold yellow")
            where = "USB" if e.transport == "usb" else "network (adb over TCP)"
            hint = safe(e.hint) if e.hint else Text(f"{where}; Enter audits it", style="dim")
            if not e.hint and e.serial in last:
                hint = safe(f"last: {last[e.serial]}", style="dim")
            self.add_row(name, state, hint, key=e.serial)
            self.rows_by_key[e.serial] = PickerRow(e.serial, e.serial, None, e.ready)
            full = safe(e.serial, style="bold")
            full.append(": ")
            full.append_text(safe(e.hint) if e.hint else Text(f"ready, connected by {where}. "
                                                              "Enter audits it."))
            if e.serial in auditing:
                full.append(" An audit of it is running (its tab shows the progress).")
            if e.serial in last:
                full.append(" Last audit: ")
                full.append_text(safe(last[e.serial]))
                full.append(".")
            self.hints[e.serial] = full
        for name, desc in profiles:
            key = SIMULATED_PREFIX + name
            self.add_row(Text(f"{name}", style="italic"), Text("simulated", style="bold magenta"),
                         safe(desc, style="dim"), key=key)
            self.rows_by_key[key] = PickerRow(key, None, name, True)
            full = Text(f"{name}: ", style="bold")
            full.append_text(safe(desc))
            full.append(". A built-in simulated phone, no phone needed: Enter starts it and audits it.")
            self.hints[key] = full
        # the user's choice stays put; until they choose, the first ready phone is chosen
        # (a phone plugged in while the cursor sat on a simulated one must not lose to it)
        first_ready = next((e.serial for e in entries if e.ready), None)
        target = keep if user_moved or first_ready is None else first_ready
        if target in self.rows_by_key:
            self.move_cursor(row=self.get_row_index(target))
        self._placed = self.cursor_row

    def hint_for(self, key: str | None) -> Text:
        """The full "what to do" of a row (empty when there is no such row)."""
        return self.hints.get(key or "", Text(""))

    def selected(self) -> PickerRow | None:
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key((self.cursor_row, 0)).row_key.value
        return self.rows_by_key.get(key)
