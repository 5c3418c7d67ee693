"""The phone-audit terminal app: small on purpose. Screens live in `tui/screens/`,
widgets in `tui/widgets/`, styles in `app.tcss`; everything that talks to phones or
the history goes through the `Backend` given to the constructor."""

from __future__ import annotations

from typing import Iterable

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from tui.backend import Backend
from audit.reports.terminal_text import plain
from tui.screens.help import HelpScreen
from tui.screens.main import MainScreen
from tui.viewmodel import AuditData


class PhoneAuditApp(App):
    """Audit Android phones over adb: pick a phone, watch the audit, read the panels."""

    TITLE = "phone-audit"
    SUB_TITLE = "read-only Android privacy and security audit"
    CSS_PATH = "app.tcss"
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help"),
        Binding("ctrl+pagedown", "next_tab", "Next tab", show=False),
        Binding("ctrl+pageup", "previous_tab", "Previous tab", show=False),
    ]

    def __init__(self, backend: Backend, *, demo: str | None = None, serial: str | None = None,
                 data: AuditData | None = None, watch: bool = True,
                 export_dir: str | None = None, auto_export: str | None = None) -> None:
        super().__init__()
        #: where every finished audit is exported at once (None: only when asked, `e`)
        self.auto_export = auto_export
        #: where the export dialog proposes to write (default: the current folder)
        self.export_dir = export_dir
        self.backend = backend
        self._demo = demo
        self._serial = serial
        self._data = data
        self._watch = watch

    @property
    def main(self) -> MainScreen:
        return next(s for s in self.screen_stack if isinstance(s, MainScreen))

    async def on_mount(self) -> None:
        await self.push_screen(MainScreen(self.backend, watch=self._watch, data=self._data,
                                          serial=self._serial, demo=self._demo))

    async def on_unmount(self) -> None:
        import asyncio

        for pane in self.main.audit_panes() if self.screen_stack else ():
            pane.cancel.set()
        await self.backend.close()
        await asyncio.to_thread(self.backend.stop_simulated)

    # -- one handler for every worker's failure ------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR:
            return
        err = event.worker.error
        self.notify(f"{event.worker.name or 'a task'} failed: {plain(err) or type(err).__name__}",
                    title="Something went wrong", severity="error", timeout=15, markup=False)

    # -- actions -------------------------------------------------------------------

    async def action_quit(self) -> None:
        """Quit; while audits run, ask first (a stray `q` at a bench stops them all)."""
        running = [p for p in self.main.audit_panes() if p.running] if self.screen_stack else []
        if not running:
            self.exit()
            return
        from tui.screens.confirm_quit import ConfirmQuitScreen

        if not isinstance(self.screen, ConfirmQuitScreen):
            self.push_screen(ConfirmQuitScreen(len(running)),
                             lambda quit_: self.exit() if quit_ else None)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def _pane_action(self, action: str) -> None:
        pane = self.main.active_pane()
        if pane is None:
            self.notify("Open an audit tab first (Phones tab: choose a phone, press Enter).",
                        severity="warning")
            return
        if pane.check_action(action, ()) is not True:
            self.notify("Not available while the audit runs." if action != "cancel"
                        else "No audit is running here.", severity="warning")
            return
        getattr(pane, f"action_{action}")()

    def action_next_tab(self) -> None:
        self._switch_tab(1)

    def action_previous_tab(self) -> None:
        self._switch_tab(-1)

    def _switch_tab(self, step: int) -> None:
        from textual.widgets import TabbedContent

        tabs = self.main.query_one("#tabs", TabbedContent)
        ids = [p.id for p in tabs.query("TabPane")]
        if tabs.active in ids:
            tabs.active = ids[(ids.index(tabs.active) + step) % len(ids)]

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)

        def phones() -> None:
            from textual.widgets import TabbedContent

            self.main.query_one("#tabs", TabbedContent).active = "phones"

        yield SystemCommand("Audit a phone", "Go to the Phones tab to choose a phone", phones)
        for profile, _desc in self.backend.profiles():
            yield SystemCommand(f"Audit simulated {profile}", "Start this built-in simulated phone "
                                "and audit it", lambda p=profile: self.main.start_simulated(p),
                                discover=False)
        yield SystemCommand("Export audit", "Write the current audit as JSON and HTML",
                            lambda: self._pane_action("export"))
        yield SystemCommand("Apps", "Every package of the current audit",
                            lambda: self._pane_action("apps"))
        yield SystemCommand("History", "Earlier audits of this phone and what changed",
                            lambda: self._pane_action("history"))
        yield SystemCommand("Cancel audit", "Stop the audit in the current tab",
                            lambda: self._pane_action("cancel"))
        yield SystemCommand("Help", "Keys and what each screen does", self.action_help)


def create_app(backend: Backend | None = None, *, db: str | None = None, demo: str | None = None,
               serial: str | None = None, data: AuditData | None = None,
               watch: bool = True, export_dir: str | None = None,
               auto_export: str | None = None) -> PhoneAuditApp:
    """The app factory (used by `phone-audit`, the tests and the screenshot script).

    `demo` starts that built-in simulated phone and audits it; `serial` audits that
    phone at once; `data` opens on a finished audit (no phone); `watch=False` does not
    follow the adb server (snapshot tests)."""
    from loguru import logger

    logger.disable("androguard")  # androguard's loguru output would corrupt the screen
    Backend.prepare_processes()
    return PhoneAuditApp(backend or Backend(db), demo=demo, serial=serial, data=data, watch=watch,
                         export_dir=export_dir, auto_export=auto_export)
