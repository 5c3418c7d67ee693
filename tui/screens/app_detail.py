"""One app in detail: what the package manager says and its inspection report
(`ApkReport`): versions, signer certificates, permissions, trackers and risk
indicators with the class or string and DEX file they were found in."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from checks.knowledge import load as load_knowledge
from checks.knowledge.pages import page_rows
from tui.viewmodel import RISKY_PERMISSIONS, AuditData
from tui.widgets.text import safe


def _pairs(rows: list[tuple[str, object]]) -> Text:
    out = Text()
    for n, (k, v) in enumerate(rows):
        if n:
            out.append("\n")
        out.append(f"{k:<18}", style="bold")
        out.append_text(safe(v))
    return out


def tracker_page_text(tracker_id: str, indent: str = "") -> Text:
    """The knowledge base's page of one tracker (what it is, collects, company, sources),
    one labelled line each; empty if the id is unknown to this knowledge base."""
    t = load_knowledge().tracker(tracker_id)
    out = Text()
    if t is None:
        return out
    for label, value in page_rows(t):
        out.append(f"\n{indent}{label + ':':<12}", style="dim")
        out.append_text(safe(value))
    return out


def app_text(data: AuditData, package: str) -> Text:
    """Everything known of one package, as literal text."""
    app = next((a for a in data.report.get("apps", []) if a.get("package") == package), {})
    pkg = data.packages.get(package)
    pa = data.apks.get(package)
    out = Text()
    out.append_text(safe(app.get("label") or package, style="bold"))
    out.append("\n")
    out.append_text(_pairs([
        ("package", package),
        ("kind", "system (pre-installed)" if app.get("system") else "third-party"),
        ("enabled", "yes" if app.get("enabled", True) else "no (disabled)"),
        ("installer", app.get("installer") or "none (pre-installed or installed over adb)"),
        ("version", f"{app.get('version_name') or '-'} ({app.get('version_code') or '-'})"),
    ]))
    if pkg is not None and pkg.apk_paths:
        out.append("\n\nAPK files\n", style="bold underline")
        out.append_text(Text("\n").join(safe(p) for p in pkg.apk_paths))
    reports = pa.reports if pa else ()
    if not reports:
        out.append("\n\nNot inspected", style="bold underline")
        for path, why in (pa.failures if pa else ()):
            out.append("\n")
            out.append_text(safe(f"{path}: {why}"))
        if not pa:
            out.append("\nThe APK was not pulled in this audit (scope or stored audit).", style="dim")
    for r in reports:
        out.append("\n\nInspection of ", style="bold underline")
        out.append_text(safe(r.sha256[:16] + "…", style="bold underline"))
        out.append("\n")
        out.append_text(_pairs([
            ("sha256", r.sha256), ("size", f"{r.size} bytes"),
            ("label", r.label or "-"), ("sdk", f"min {r.min_sdk}, target {r.target_sdk}"),
            ("dex files", ", ".join(r.dex_files) or "-"),
            ("classes/strings", f"{r.class_count} / {r.string_count}"),
        ]))
        for cert, subject in zip(r.cert_sha256, r.cert_subjects or ("",) * len(r.cert_sha256)):
            out.append("\n")
            out.append_text(_pairs([("signer sha256", cert), ("signer", subject or "-")]))
        out.append("\n\nTrackers (" + str(len(r.trackers)) + ")", style="bold")
        for h in r.trackers:
            out.append("\n  ")
            out.append_text(safe(h.name, style="bold yellow"))
            out.append_text(safe(f"  {h.category}: {h.kind} {h.value} in {h.file}", style="dim"))
            out.append_text(tracker_page_text(h.id, indent="    "))
        out.append("\n\nRisk indicators (" + str(len(r.indicators)) + ")", style="bold")
        for h in r.indicators:
            out.append("\n  ")
            out.append_text(safe(h.name, style="bold red"))
            out.append_text(safe(f"  {h.kind} {h.value} in {h.file}", style="dim"))
        risky = [p for p in r.permissions if p in RISKY_PERMISSIONS]
        out.append(f"\n\nPermissions requested ({len(r.permissions)}, {len(risky)} risky)", style="bold")
        for p in r.permissions:
            out.append("\n  ")
            out.append_text(safe(p, style="bold" if p in RISKY_PERMISSIONS else ""))
        if r.error:
            out.append("\n\n")
            out.append_text(safe(r.error, style="bold red"))
        for w in r.warnings:
            out.append("\n")
            out.append_text(safe(w, style="dim"))
    if pkg is not None and pkg.granted_permissions:
        out.append(f"\n\nGranted on the phone ({len(pkg.granted_permissions)})", style="bold")
        for p in sorted(pkg.granted_permissions):
            out.append("\n  ")
            out.append_text(safe(p, style="bold" if p in RISKY_PERMISSIONS else ""))
    return out


class AppDetailScreen(Screen):
    """The inspection report of one app (Escape goes back)."""

    BINDINGS = [Binding("escape", "app.pop_screen", "Back")]

    def __init__(self, data: AuditData, package: str) -> None:
        super().__init__(classes="detail-screen")
        self.data = data
        self.package = package

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="app-detail"):
            yield Static(app_text(self.data, self.package), id="app-report")
        yield Footer()
