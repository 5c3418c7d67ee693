"""A finding in detail: summary, subjects, evidence (each with the adb command that
shows it again), why it matters, what to do, references."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from audit import acceptance, ranking
from tui.viewmodel import STATUS_WORD, AuditData
from tui.widgets.text import badge, safe


def evidence_text(items: list[dict[str, Any]]) -> Text:
    out = Text()
    if not items:
        return Text("No evidence recorded.", style="dim")
    for n, e in enumerate(items, 1):
        if n > 1:
            out.append("\n\n")
        out.append(f"{n}. ", style="bold")
        out.append_text(safe(e.get("source"), style="bold"))
        out.append("\n   ")
        out.append_text(safe(e.get("detail")))
        if e.get("command"):
            out.append("\n   $ ", style="dim")
            out.append_text(safe(e.get("command"), style="italic"))
    return out


def tracker_pages_text(data: AuditData, f: dict[str, Any]) -> Text:
    """The pages of the trackers found in the apps this finding concerns (its subjects),
    each tracker once; empty for findings that concern no app with trackers."""
    from tui.screens.app_detail import tracker_page_text

    seen: dict[str, str] = {}
    for package in f.get("subjects") or ():
        pa = data.apks.get(package) if isinstance(package, str) else None
        for r in (pa.reports if pa else ()):
            for h in r.trackers:
                seen.setdefault(h.id, h.name)
    out = Text()
    for n, (tid, name) in enumerate(sorted(seen.items(), key=lambda kv: kv[1].lower())):
        if n:
            out.append("\n\n")
        out.append_text(safe(name, style="bold yellow"))
        out.append_text(tracker_page_text(tid, indent="  "))
    return out


def looks_at(check: str) -> str:
    from checks.registry import by_id

    module = by_id(check)
    return module.META.looks_at if module is not None else ""


def missing_text(missing: list[dict[str, Any]]) -> Text:
    """Each fact an inconclusive verdict needed: why it is missing, the command that shows it."""
    out = Text()
    for n, m in enumerate(missing, 1):
        if n > 1:
            out.append("\n")
        out.append_text(safe(m.get("fact"), style="bold"))
        out.append(": ")
        out.append_text(safe(str(m.get("state", "")).replace("_", " ")))
        if m.get("detail"):
            out.append(" (")
            out.append_text(safe(m.get("detail")))
            out.append(")")
        if m.get("command"):
            out.append("\n   $ ", style="dim")
            out.append_text(safe(m.get("command"), style="italic"))
    return out


#: packages whose activity the screen lists (the JSON report keeps every one)
SHOWN_ACTIVITY = 50


def activity_text(acts: list[dict[str, Any]]) -> Text:
    """What the phone records of each named package's use (present and active / dormant /
    activity unknown), with the first command that shows it."""
    out = Text()
    style = {"active": "bold red", "dormant": "green", "unknown": "yellow"}
    for n, a in enumerate(acts[:SHOWN_ACTIVITY], 1):
        if n > 1:
            out.append("\n\n")
        package, words, detail = str(a.get("package")), str(a.get("words")), str(a.get("detail"))
        out.append_text(safe(package, style="bold"))
        out.append("  ")
        out.append_text(safe(words, style=style.get(str(a.get("state")), "bold")))
        # the detail repeats "PACKAGE: WORDS" for the plain reports: shown once here
        head = f"{package}: {words}"
        rest = detail[len(head):].lstrip(":. ") if detail.startswith(head) else detail
        if rest:
            out.append("\n   ")
            out.append_text(safe(rest))
        if a.get("commands"):
            out.append("\n   $ ", style="dim")
            out.append_text(safe((a.get("commands") or [""])[0], style="italic"))
    if len(acts) > SHOWN_ACTIVITY:
        out.append(f"\n\nand {len(acts) - SHOWN_ACTIVITY} more (in the JSON report)", style="dim")
    return out


def what_to_do_text(data: AuditData, f: dict[str, Any]) -> Text:
    """The advice with this phone's package names, and the command for each app."""
    from audit import ranking

    subjects = [str(s) for s in f.get("subjects") or ()]
    out = safe(ranking.advice_text(str(f.get("remediation", "")), subjects))
    action = next((a for a in data.actions() if a.check == f.get("check")), None)
    for c in (action.commands if action else ()):
        out.append("\n   $ ", style="dim")
        out.append_text(safe(c.do, style="italic"))
        out.append("   undo: ", style="dim")
        out.append_text(safe(c.undo or "cannot be undone from adb", style="italic"))
    return out


def acceptance_text(f: dict[str, Any]) -> Text:
    """The acceptance of a finding: who accepted it, when and why; or that it was
    accepted once and has changed since. The status word stays the finding's own."""
    acc = f.get("acceptance") or {}
    out = Text(f"{STATUS_WORD.get(str(f.get('status')), '')}, ", style="bold")
    out.append_text(safe(acceptance.describe(acc)))
    if ranking.shown(f) == "accepted":
        out.append("\nNot among what to do, and not counted by --fail-on; still in the scores. "
                   "w: withdraw", style="dim")
    else:
        out.append("\na: accept it again as it is now", style="dim")
    return out


class FindingScreen(Screen):
    """The detail of one finding (Escape goes back; a accepts a failure or warning
    for this phone with a reason, w withdraws that)."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("a", "accept", "Accept…"),
        Binding("w", "withdraw", "Withdraw acceptance"),
    ]

    def __init__(self, data: AuditData, check: str, *, backend=None, on_change=None) -> None:
        super().__init__(classes="detail-screen")
        self.data = data
        self.check = check
        self.finding = data.finding(check) or {}
        self.backend = backend
        self.on_change = on_change

    def check_action(self, action: str, parameters) -> bool | None:
        stored = self.backend is not None and self.data.audit_id is not None
        if action == "accept":
            return stored and self.finding.get("status") in acceptance.ACCEPTABLE \
                and ranking.shown(self.finding) != "accepted"
        if action == "withdraw":
            return stored and bool(self.finding.get("acceptance"))
        return True

    def action_accept(self) -> None:
        from tui.screens.accept import AcceptScreen

        f = self.finding
        self.app.push_screen(
            AcceptScreen(str(f.get("title") or self.check), self.check,
                         STATUS_WORD.get(str(f.get("status")), "")),
            self._accepted)

    def _accepted(self, reason: str | None) -> None:
        if reason:
            self.run_worker(self._store(reason), exclusive=True, exit_on_error=False, name="accept")

    def action_withdraw(self) -> None:
        self.run_worker(self._store(None), exclusive=True, exit_on_error=False, name="accept")

    async def _store(self, reason: str | None) -> None:
        """Accept (with `reason`) or withdraw (None), then show the finding as stored."""
        if reason is None:
            new = await self.backend.withdraw(self.data.audit_id, self.check)
        else:
            new = await self.backend.accept(self.data.audit_id, self.check, reason)
        if new is not None:
            self.data.replace_finding(new)
            self.finding = new
        await self.recompose()
        self.refresh_bindings()
        if self.on_change is not None:
            await self.on_change()
        self.app.notify("Accepted for this phone" if reason else "Acceptance withdrawn",
                        title=str(self.finding.get("title") or self.check), markup=False)

    def compose(self) -> ComposeResult:
        f = self.finding
        status = str(f.get("status", ""))
        head = badge(ranking.shown(f), ranking.word(f))
        head.append(" ")
        head.append_text(safe(f.get("title"), style="bold"))
        head.append(f"  {f.get('check', '')}  severity {f.get('severity', '')}", style="dim")
        with VerticalScroll(id="finding"):
            yield Static(head, classes="detail-head")
            if f.get("acceptance"):
                title = "Accepted" if ranking.shown(f) == "accepted" else "No longer accepted"
                yield from self._section(title, acceptance_text(f), id="acceptance")
            yield from self._section("What was found", safe(f.get("summary")))
            subjects = f.get("subjects") or []
            if subjects:
                yield from self._section(f"Concerns ({len(subjects)})",
                                         Text("\n").join(safe(s) for s in subjects))
            acts = list(f.get("activity") or [])
            if acts:
                yield from self._section(f"Activity, apart from the verdict ({len(acts)})",
                                         activity_text(acts), id="activity")
            yield from self._section(f"Evidence ({len(f.get('evidence') or [])})",
                                     evidence_text(list(f.get("evidence") or [])), id="evidence")
            missing = list(f.get("missing") or [])
            if missing:
                yield from self._section(f"What is missing ({len(missing)})", missing_text(missing),
                                         id="missing")
            if status == "not_applicable":
                looked = looks_at(str(f.get("check", "")))
                if looked:
                    yield from self._section("What was looked at", safe(looked))
            if f.get("why"):
                yield from self._section("Why it matters", safe(f.get("why")))
            # advice only for a problem that is there (or may be): none on a pass or N/A
            if f.get("remediation") and status in ("fail", "warn", "inconclusive"):
                yield from self._section("What to do", what_to_do_text(self.data, f))
            pages = tracker_pages_text(self.data, f)
            if pages.plain:
                yield from self._section("About these trackers", pages, id="tracker-pages")
            refs = f.get("references") or []
            if refs:
                yield from self._section("References", Text("\n").join(safe(r) for r in refs))
        yield Footer()

    @staticmethod
    def _section(title: str, body: Text, id: str | None = None) -> ComposeResult:
        yield Static(Text(title, style="bold underline"), classes="detail-title")
        yield Static(body, classes="detail-body", id=id)
