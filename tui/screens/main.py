"""The main screen: a "Phones" tab (the picker) and one tab per audit, so a bench can
audit the next phone while another is still running."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Header, TabbedContent, TabPane

from tui.messages import AuditDone, AuditRequested, SimulatedRequested
from audit.reports.terminal_text import one_line
from tui.screens.audit import AuditPane
from tui.screens.picker import PickerPane
from tui.viewmodel import AuditData


#: the audit tab's actions, bound here (not on the pane) so they work wherever the
#: focus is on this screen, the tab strip included
PANE_ACTIONS = ("cancel", "apps", "history", "export")


class MainScreen(Screen):
    """Tabs: Phones, then one per audit (see module docstring)."""

    BINDINGS = [
        Binding("c", "pane('cancel')", "Cancel audit"),
        Binding("a", "pane('apps')", "Apps"),
        Binding("h", "pane('history')", "History"),
        Binding("e", "pane('export')", "Export"),
        Binding("p", "phones", "Phones"),
        # tab N is labelled "N: phone"; ctrl+pageup/down (app) are often taken by the terminal
        *(Binding(str(n), f"tab({n})", f"Tab {n}", show=False) for n in range(1, 10)),
    ]

    def __init__(self, backend, *, watch: bool = True, data: AuditData | None = None,
                 serial: str | None = None, demo: str | None = None) -> None:
        super().__init__()
        self.backend = backend
        self.watch = watch
        self._count = 0
        #: what to open first: a finished audit, a phone to audit, or a simulated phone
        self._first = (data, serial, demo)

    def on_mount(self) -> None:
        # after the first refresh, once the tabs have settled on their first pane
        self.call_after_refresh(self._open_first)

    async def _open_first(self) -> None:
        data, serial, demo = self._first
        if data is not None:
            await self.open_audit(data=data)
        elif serial is not None:
            await self.open_audit(serial)
        elif demo is not None:
            self.post_message(SimulatedRequested(demo))

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with TabbedContent(id="tabs"):
            with TabPane("Phones", id="phones"):
                yield PickerPane(self.backend, watch=self.watch)
        yield Footer()

    # -- keys --------------------------------------------------------------------

    def check_action(self, action: str, parameters) -> bool | None:
        if action == "pane":
            pane = self.active_pane()
            return pane is not None and pane.check_action(parameters[0], ()) is True
        if action == "phones":
            return self.query_one("#tabs", TabbedContent).active != "phones"
        return True

    def action_pane(self, action: str) -> None:
        pane = self.active_pane()
        if pane is not None and action in PANE_ACTIONS and pane.check_action(action, ()) is True:
            getattr(pane, f"action_{action}")()

    def action_phones(self) -> None:
        self.query_one("#tabs", TabbedContent).active = "phones"
        self.query_one("PickerPane DataTable").focus()

    def action_tab(self, number: int) -> None:
        tabs = self.query_one("#tabs", TabbedContent)
        key = f"audit-{number}"
        if tabs.query(f"TabPane#{key}"):
            tabs.active = key
            pane = self.active_pane()
            if pane is not None:
                pane.focus_first()

    @on(TabbedContent.TabActivated)
    def _tab_changed(self) -> None:
        self.refresh_bindings()

    # -- opening tabs --------------------------------------------------------------

    async def open_audit(self, serial: str | None = None, *, data: AuditData | None = None,
                         label: str | None = None) -> AuditPane:
        """A new tab auditing `serial` (or showing the finished audit `data`)."""
        self._count += 1
        key = f"audit-{self._count}"
        pane = AuditPane(self.backend, key, serial, data=data)
        # a tab label reaches the terminal: phone text only through the one sanitiser
        title = one_line(label or (data.tab_title() if data is not None else serial) or key)
        tabs = self.query_one("#tabs", TabbedContent)
        await tabs.add_pane(TabPane(Content(f"{self._count}: {title}"), pane, id=key))
        tabs.active = key
        self.set_focus(None)
        pane.focus_first()
        return pane

    def audit_panes(self) -> list[AuditPane]:
        return list(self.query(AuditPane))

    def active_pane(self) -> AuditPane | None:
        tabs = self.query_one("#tabs", TabbedContent)
        found = self.query(f"#{tabs.active} AuditPane") if tabs.active else []
        return found.first() if found else None

    async def on_audit_requested(self, message: AuditRequested) -> None:
        if message.serial:  # before the tab opens: the picker says so from the start
            self.query_one(PickerPane).audit_started(message.serial)
        await self.open_audit(message.serial, label=message.simulated)

    def on_simulated_requested(self, message: SimulatedRequested) -> None:
        self.notify(f"Starting the simulated phone {message.profile}…", markup=False)
        self.start_simulated(message.profile)

    @work(thread=True, exit_on_error=False, name="start simulated phone")
    def start_simulated(self, profile: str) -> None:
        serial = self.backend.start_simulated(profile)
        # short enough for a tab beside others: "(simulated)" was cut to "(si"
        self.post_message(AuditRequested(serial, simulated=f"{profile[:20]} (sim)"))

    def on_audit_done(self, message: AuditDone) -> None:
        tabs = self.query_one("#tabs", TabbedContent)
        tab = tabs.get_tab(message.key)
        word = "" if message.data.report.get("complete") else " (incomplete)"
        tab.label = Content(f"{message.key.split('-')[1]}: {message.data.tab_title()}{word}")
        panes = self.query(f"#{message.key} AuditPane")
        pane = panes.first() if panes else None
        if getattr(pane, "serial", None):
            self.query_one(PickerPane).audit_finished(pane.serial, message.data.report)
            folder = getattr(self.app, "auto_export", None)
            if folder:
                self.export_now(message.data, folder)

    @work(thread=True, exit_on_error=False, name="auto export")
    def export_now(self, data: AuditData, folder: str) -> None:
        """`--export-to DIR`: write the finished audit's JSON and HTML there, named from
        model, serial, date and audit number (`tui.screens.export.default_stem`)."""
        from tui.screens.export import default_stem

        paths = self.backend.export(data.report, folder, default_stem(data))
        self.app.call_from_thread(self.app.notify, f"Wrote {paths[0]} and {paths[1]}",
                                  title="Exported", markup=False)
