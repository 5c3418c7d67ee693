"""The device picker: the phones the adb server sees, updated live as they are plugged
in and out, and the built-in simulated phones (clearly marked).

A thread worker follows `host:track-devices`; it reports only by `DevicesChanged` /
`AdbUnavailable` messages. Enter on a ready phone asks for an audit; on a simulated
one it asks for that phone to be started first.
"""

from __future__ import annotations

import threading

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from tui.messages import AdbUnavailable, AuditRequested, DevicesChanged, SimulatedRequested
from tui.widgets.device_table import DeviceTable
from tui.widgets.text import safe

INTRO = ("Choose a phone and press Enter to audit it. Phones appear here as you plug them in "
         "(USB debugging on, the phone unlocked). Simulated phones need no phone.")


def _counts(report: dict) -> dict[str, int]:
    c = {"fail": 0, "warn": 0}
    for f in report.get("findings", ()):
        if f.get("status") in c:
            c[f["status"]] += 1
    return c


def last_result(audit: dict) -> str:
    """"5 fail, 2 warn, 2026-01-15 09:00" (or "nothing found", "incomplete") from a
    `Store.list_audits` summary."""
    c = audit.get("counts") or {}
    bad = [f"{c[k]} {k}" for k in ("fail", "warn") if c.get(k)]
    what = ", ".join(bad) if bad else "nothing found"
    if not audit.get("complete", True):
        what = "incomplete"
    when = str(audit.get("started_at") or "")[:16].replace("T", " ")
    return f"{what}, {when}" if when else what


class PickerPane(Vertical):
    """The "Phones" tab."""

    BINDINGS = [Binding("r", "refresh", "Refresh")]

    def __init__(self, backend, *, watch: bool = True, **kwargs) -> None:
        super().__init__(**kwargs)
        self.backend = backend
        self.watch = watch
        self._stop = threading.Event()
        self._entries: list = []
        self._profiles = backend.profiles()
        #: serials audited right now, and each phone's last result in history
        self.auditing: set[str] = set()
        self.last: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield Static(Text(INTRO), id="picker-intro")
        yield Static(Text("Looking for the adb server…", style="dim"), id="picker-status")
        yield DeviceTable(id="devices")
        yield Static(Text(""), id="picker-hint")

    def on_mount(self) -> None:
        self._show()
        self.query_one(DeviceTable).focus()
        if self.watch:
            self.watch_adb()

    def on_unmount(self) -> None:
        self._stop.set()

    @work(thread=True, exclusive=True, group="adb-watch", exit_on_error=False)
    def watch_adb(self) -> None:
        """Follow the adb server's device list until the pane goes away."""
        try:
            self.backend.watch_devices(lambda entries: self.post_message(DevicesChanged(entries)),
                                       self._stop)
        except Exception as exc:  # no adb server and none could be started
            self.post_message(AdbUnavailable(f"cannot reach the adb server: {exc}"))
            return
        if not self._stop.is_set():
            self.post_message(AdbUnavailable("the adb server went away; press r to look again"))

    def action_refresh(self) -> None:
        self._stop.set()
        self._stop = threading.Event()
        self.watch_adb()

    def on_devices_changed(self, message: DevicesChanged) -> None:
        self._entries = list(message.entries)
        ready = sum(1 for e in self._entries if e.ready)
        self.query_one("#picker-status", Static).update(Text(
            f"adb sees {len(self._entries)} device(s), {ready} ready.", style="dim"))
        self._show()

    @work(exclusive=True, group="picker-last", exit_on_error=False, name="last results")
    async def load_last(self) -> None:
        """Each ready phone's last audit in history, for its row."""
        changed = False
        for e in list(self._entries):
            if not e.ready or e.serial in self.last:
                continue
            audits = await self.backend.history(e.serial)
            if audits:
                self.last[e.serial] = last_result(audits[0])
                changed = True
        if changed:
            self._show()

    def audit_started(self, serial: str) -> None:
        self.auditing.add(serial)
        self._show()

    def audit_finished(self, serial: str, report: dict) -> None:
        self.auditing.discard(serial)
        self.last[serial] = last_result({"counts": _counts(report), "started_at": report.get("started_at"),
                                         "complete": report.get("complete", True)})
        self._show()
        self.load_last()

    def on_adb_unavailable(self, message: AdbUnavailable) -> None:
        self.query_one("#picker-status", Static).update(safe(message.reason, style="bold red"))

    def _show(self) -> None:
        table = self.query_one(DeviceTable)
        table.show(self._entries, self._profiles, self.backend.simulated_serials(),
                   self.auditing, self.last)
        row = table.selected()
        self.query_one("#picker-hint", Static).update(table.hint_for(row.key if row else None))

    @on(DataTable.RowHighlighted, "#devices")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value if event.row_key is not None else None
        self.query_one("#picker-hint", Static).update(self.query_one(DeviceTable).hint_for(key))

    @on(DataTable.RowSelected, "#devices")
    def _chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        row = self.query_one(DeviceTable).selected()
        if row is None:
            return
        if row.profile is not None:
            self.post_message(SimulatedRequested(row.profile))
        elif not row.ready:
            entry = next((e for e in self._entries if e.serial == row.serial), None)
            hint = entry.hint if entry is not None else "it is not ready"
            self.app.notify(f"{row.serial}: {hint}", title="This phone cannot be audited yet",
                            severity="warning", markup=False)
        else:
            self.post_message(AuditRequested(row.serial))
