"""The results of one audit: the NCSC risks first as large panels, then the security
posture and the apps as compact panels, with the counts by status on top.

Selecting a panel (Enter or a click) opens its detail (`FindingScreen`).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from adb.parsers.error_text import readable_error
from tui.viewmodel import SECTIONS, AuditData
from tui.widgets.counts_bar import CountsBar
from tui.widgets.risk_panel import RiskPanel
from tui.widgets.text import one_line, safe


def device_line(data: AuditData) -> Text:
    d = data.device
    out = safe(data.title(), style="bold")
    out.append("  Android ")
    out.append_text(safe(d.get("android_release")))
    out.append("  patch ")
    out.append_text(safe(d.get("security_patch")))
    out.append("  serial ")
    out.append_text(safe(d.get("serial") or d.get("adb_serial")))
    if data.number is not None:
        out.append(f"  audit #{data.number}", style="dim")
    out.append("  ")
    if data.reanalysis:
        out.append("re-analysis of a capture taken ", style="dim")
    out.append_text(safe(_when(data.report.get("started_at")), style="dim"))
    return out


def _when(stamp: object) -> str:
    """"2026-01-15T09:00:00.000Z" as "2026-01-15 09:00 UTC" (anything else as it is)."""
    text = str(stamp or "")
    if len(text) >= 16 and text[10] == "T" and text.endswith("Z"):
        return f"{text[:10]} {text[11:16]} UTC"
    return text


def verdict_text(data: AuditData) -> Text:
    """The one-line verdict, the scores and the top actions (the summary's head)."""
    from audit.ranking import TOP

    out = safe(data.verdict(), style="bold")
    out.append("\n")
    out.append_text(safe("Scores: " + data.scores(), style="dim"))
    actions = data.actions()
    for n, a in enumerate(actions[:TOP], 1):
        out.append(f"\n{n}. ", style="bold")
        out.append_text(safe(a.title, style="bold"))
        apps = f", {len(a.commands)} app{'s' if len(a.commands) != 1 else ''}" if a.commands else ""
        out.append(f" ({a.severity}{apps})", style="dim")
    if actions:
        more = f"{len(actions) - TOP} more below; " if len(actions) > TOP else ""
        out.append(f"\n{more}Enter on a panel: the commands for each app and how to undo them",
                   style="dim")
    return out


class ResultsView(VerticalScroll):
    """Every finding of an audit as panels (see module docstring)."""

    def __init__(self, data: AuditData) -> None:
        super().__init__(classes="results")
        self.data = data

    def compose(self) -> ComposeResult:
        data = self.data
        yield Static(device_line(data), classes="device-line")
        if not data.report.get("complete", True):
            cancelled = any(p.get("reason") == "cancelled" for p in data.report.get("problems", []))
            head = "Cancelled: " if cancelled else "Incomplete: "
            msg = Text(head + "the audit did not complete; what was gathered is judged and saved.",
                       style="bold")
            for p in data.report.get("problems", [])[:3]:
                msg.append("\n• ")
                msg.append(one_line(readable_error(str(p.get("reason") or "")), 160))
            yield Static(msg, classes="incomplete-banner")
        yield Static(verdict_text(data), classes="verdict")
        yield CountsBar(data.counts(), classes="counts")
        # what needs the reader first, worst first: on a phone whose NCSC checks pass, a
        # stalkerware fail would otherwise sit below five green panels, off the screen
        attention = data.attention()
        if attention:
            yield Static(Text(f"Needs attention ({len(attention)})", style="bold"),
                         classes="section-title attention-title")
            for f in attention:
                yield RiskPanel(f, attention=True)
        elif data.accepted():
            yield Static(Text("Nothing else needs attention.", style="bold"),
                         classes="section-title attention-title")
        else:
            yield Static(Text("Nothing needs attention: every check passed or does not apply "
                              "to this phone.", style="bold"), classes="section-title attention-title")
        accepted = data.accepted()
        if accepted:
            # still failed or warned, accepted with a reason: apart, never among the passes
            yield Static(Text(f"Accepted for this phone ({len(accepted)})", style="bold"),
                         classes="section-title accepted-title")
            for f in accepted:
                yield RiskPanel(f, attention=True)
        for category, heading in SECTIONS:
            findings = data.findings(category)
            if not findings:
                continue
            yield Static(Text(heading, style="bold"), classes="section-title")
            for f in findings:
                yield RiskPanel(f, large=category == "ncsc")
        yield Static(Text("Enter: details  a: apps  h: history  e: export  p: phones  ?: help", style="dim"),
                     classes="results-hint")
