"""The audit pane of one phone's tab: each stage with real progress, cancellable; then
the results in the same place.

`run_audit` runs in an async worker (it keeps its blocking work in threads and a
process pool). Its progress callback is called from those threads; it posts at most a
few `AuditProgress` messages a second (and queued ones replace each other), so the UI
never floods. Cancel sets the runner's event: the audit stops at its next step and
ends incomplete, with what it had gathered judged and stored.
"""

from __future__ import annotations

import threading
import time

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Button, Static
from textual.worker import Worker, WorkerState

from adb.progress import Progress
from audit.console import human_bytes
from tui.messages import AuditDone, AuditFinished, AuditProgress, FindingSelected
from tui.viewmodel import AuditData
from tui.widgets.stage_progress import StageProgress
from tui.viewmodel import STATUS_WORD
from tui.widgets.text import badge, one_line, safe

#: the stages shown, and which runner stages feed each
STAGES = (
    ("read", "Reading the phone", ("connect", "collect", "hash")),
    ("pull", "Pulling apps", ("pull",)),
    ("inspect", "Inspecting apps", ("inspect",)),
    ("evaluate", "Evaluating checks", ("evaluate", "store")),
)
_ROW_OF = {s: row for row, _title, stages in STAGES for s in stages}
_ORDER = [row for row, _t, _s in STAGES]

#: seconds between two progress messages of the same stage
PROGRESS_INTERVAL = 0.2


class ProgressRelay:
    """The runner's progress callback: keeps the latest event per stage and posts a
    coalesced `AuditProgress` at most every PROGRESS_INTERVAL (and on every new stage
    or completed step). Called from any thread."""

    def __init__(self, pane: "AuditPane") -> None:
        self.pane = pane
        self.latest: dict[str, Progress] = {}
        self._lock = threading.Lock()
        self._last = 0.0
        self.posted = 0

    def __call__(self, event: Progress) -> None:
        now = time.monotonic()
        with self._lock:
            new_stage = event.stage not in self.latest
            self.latest[event.stage] = event
            step_done = bool(event.total) and event.done == event.total
            if not (new_stage or step_done) and now - self._last < PROGRESS_INTERVAL:
                return
            self._last = now
            stages = dict(self.latest)
            self.posted += 1
        self.pane.post_message(AuditProgress(self.pane.key, stages))


class AuditPane(Vertical):
    """One phone's audit, then its results (see module docstring)."""

    # keys c/a/h/e are bound on MainScreen (so they work with the focus on the tab strip);
    # they call the actions below, which `check_action` enables

    def __init__(self, backend, key: str, serial: str | None = None, *,
                 data: AuditData | None = None, **kwargs) -> None:
        super().__init__(classes="audit-pane", **kwargs)
        self.backend = backend
        self.key = key
        self.serial = serial
        self.data = data
        self.cancel = threading.Event()
        self.relay = ProgressRelay(self)
        self._pull_started: float | None = None
        self.running = data is None

    # -- layout --------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        if self.data is not None:
            from tui.screens.results import ResultsView

            yield ResultsView(self.data)
            return
        # scrolls: 24 verdict lines do not fit an 80x24 terminal under the stages
        with VerticalScroll(id="progress", classes="progress"):
            title = Text("Auditing ")
            title.append_text(safe(self.serial, style="bold"))
            title.append(" (read-only: nothing on the phone is changed)", style="dim")
            yield Static(title, id="audit-title")
            for row, title_text, _stages in STAGES:
                yield StageProgress(row, title_text)
            yield Button("Cancel audit (c)", id="cancel", variant="error")
            # the checks that need no app, shown as soon as the phone is read (issue 20)
            yield Static("", id="first-verdicts", classes="first-verdicts")
            # the checks that need apps, filling in while the apps are inspected
            yield Static("", id="apk-verdicts", classes="first-verdicts")

    def on_mount(self) -> None:
        if self.data is None:
            self.run_audit()

    def focus_first(self) -> None:
        """Put the focus in this pane (its cancel button, or its first panel)."""
        target = self.query("#cancel, RiskPanel")
        if target:
            self.app.set_focus(target.first(), scroll_visible=False)

    def check_action(self, action: str, parameters) -> bool | None:
        if action == "cancel":
            return self.running and not self.cancel.is_set()
        if action in ("apps", "history", "export"):
            return self.data is not None
        return True

    # -- the audit -----------------------------------------------------------------

    @work(exclusive=True, exit_on_error=False, name="audit")
    async def run_audit(self) -> AuditData:
        result = await self.backend.audit(self.serial, progress=self.relay, cancel=self.cancel)
        data = AuditData.from_result(result)
        self.post_message(AuditFinished(self.key, data))
        return data

    def on_audit_progress(self, message: AuditProgress) -> None:
        message.stop()
        if not self.running:
            return
        verdicts = message.stages.get("verdicts")
        if verdicts is not None and verdicts.findings:
            self._show_verdicts(verdicts)
        provisional = message.stages.get("apk-verdicts")
        if provisional is not None and provisional.provisional:
            self._show_provisional(provisional)
        latest: dict[str, Progress] = {}
        for stage, event in message.stages.items():
            if stage in ("verdicts", "apk-verdicts"):
                continue
            latest[_ROW_OF.get(stage, "read")] = event  # later stages of a row win
        reached = max((_ORDER.index(r) for r in latest), default=0)
        for i, row in enumerate(_ORDER):
            widget = self.query_one(f"#stage-{row}", StageProgress)
            event = latest.get(row)
            finished = i < reached
            if event is None:
                if finished:
                    widget.update_stage(1, 1, Text(self._skipped(row), style="dim"), finished=True)
                continue
            widget.update_stage(event.done, event.total or None, self._detail(row, event, message.stages),
                                finished=finished)

    def _show_verdicts(self, event: Progress) -> None:
        out = Text(f"First verdicts: {event.done} of {event.total} checks need no app "
                   "(the others follow once the apps are inspected)", style="bold")
        for f in event.findings:
            status = f.status.value
            out.append("\n")
            out.append_text(badge(status, STATUS_WORD.get(status, status.upper())))
            out.append(" ")
            out.append(one_line(f.title, 70))
        widget = self.query_one("#first-verdicts", Static)
        widget.update(out)
        widget.display = True

    def _show_provisional(self, event: Progress) -> None:
        """The checks that need apps, while the apps are inspected: FAIL with its first
        evidence where the apps read so far show it, else "checking: n of m APKs
        inspected" (never a PASS before the last APK: `audit.live`)."""
        out = Text(f"Checks that need apps: {event.done} of {event.total} APKs inspected "
                   "(final verdicts once every app is read)", style="bold")
        for p in event.provisional:
            out.append("\n")
            if p.state == "fail":
                out.append_text(badge("fail", STATUS_WORD.get("fail", "FAIL")))
                out.append(" ")
                out.append(one_line(p.title, 50))
                evidence = getattr(p.finding, "evidence", ()) or ()
                if evidence:
                    out.append("  ")
                    out.append(one_line(evidence[0].detail, 60), style="dim")
            else:
                out.append("checking", style="dim")
                out.append(" ")
                out.append(one_line(p.title, 50))
                out.append(f"  {p.done} of {p.total} APKs inspected", style="dim")
        widget = self.query_one("#apk-verdicts", Static)
        widget.update(out)
        widget.display = True

    def _skipped(self, row: str) -> str:
        if row == "pull":
            return "nothing to pull: every app was already in the cache"
        if row == "inspect":
            return "nothing new to inspect"
        return "done"

    def _detail(self, row: str, event: Progress, stages: dict[str, Progress]) -> Text:
        out = Text()
        if row == "read":
            what = {"connect": "connecting", "collect": "reading", "hash": "fingerprinting APKs"}
            out.append(what.get(event.stage, event.stage))
            if event.total:
                out.append(f" {event.done}/{event.total}")
        elif row == "pull":
            if self._pull_started is None:
                self._pull_started = time.monotonic()
            out.append(f"{event.done}/{event.total} APKs, {human_bytes(event.bytes_done)}")
            elapsed = time.monotonic() - self._pull_started
            if elapsed > 1 and event.bytes_done:
                out.append(f", {human_bytes(int(event.bytes_done / elapsed))}/s")
            if 0 < event.done < event.total and elapsed > 1:
                left = elapsed * (event.total - event.done) / event.done
                out.append(f", about {_duration(left)} left")
        elif row == "inspect":
            out.append(f"{event.done}/{event.total} inspected")
        else:
            out.append("judging every check")
        if event.detail:
            out.append("  ")
            out.append(one_line(event.detail, 60), style="dim")
        return out

    def action_cancel(self) -> None:
        if self.running and not self.cancel.is_set():
            self.cancel.set()
            self.query_one("#audit-title", Static).update(
                Text("Cancelling: the audit stops after the current step…", style="bold"))
            self.refresh_bindings()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    async def on_audit_finished(self, message: AuditFinished) -> None:
        message.stop()
        from tui.screens.results import ResultsView

        self.running = False
        await self.query("#progress").remove()
        await self.mount(ResultsView(message.data))
        # set last: `data` is what says "the results are on screen"
        self.data = message.data
        # a finished audit in a background tab must not take the focus from the user
        tabs = self.screen.query("TabbedContent")
        if not tabs or tabs.first().active == getattr(self.parent, "id", None):
            self.focus_first()
        self.refresh_bindings()
        self.post_message(AuditDone(self.key, self.data))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # the app's one handler shows the error; here the pane only stops looking busy
        if event.worker.name == "audit" and event.state is WorkerState.ERROR and self.running:
            self.running = False
            err = event.worker.error
            self.query_one("#audit-title", Static).update(
                safe(f"The audit stopped: {type(err).__name__}: {err}", style="bold red"))
            self.refresh_bindings()

    # -- what the results offer ----------------------------------------------------

    def on_finding_selected(self, message: FindingSelected) -> None:
        message.stop()
        from tui.screens.finding import FindingScreen

        if self.data is not None and self.data.finding(message.check) is not None:
            self.app.push_screen(FindingScreen(self.data, message.check, backend=self.backend,
                                               on_change=self.refresh_results))

    async def refresh_results(self) -> None:
        """Show the results again (a finding was accepted or its acceptance withdrawn)."""
        from tui.screens.results import ResultsView

        if self.data is None:
            return
        await self.query(ResultsView).remove()
        await self.mount(ResultsView(self.data))

    def action_apps(self) -> None:
        from tui.screens.apps import AppsScreen

        if self.data is not None:
            self.app.push_screen(AppsScreen(self.data))

    def action_history(self) -> None:
        from tui.screens.history import HistoryScreen

        if self.data is not None:
            self.app.push_screen(HistoryScreen(self.backend, self.data))

    def action_export(self) -> None:
        from tui.screens.export import ExportScreen

        if self.data is not None:
            self.app.push_screen(ExportScreen(self.backend, self.data,
                                              folder=getattr(self.app, "export_dir", None)))


def _duration(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    if seconds < 60:
        return f"{seconds} s"
    return f"{seconds // 60} min {seconds % 60:02d} s"
