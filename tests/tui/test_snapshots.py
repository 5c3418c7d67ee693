"""Snapshot tests (pytest-textual-snapshot) of every screen, from a fixed audit of the
simulated Xiaomi (tests/tui/fixtures/xiaomi.json) and fixed times: no phone, no clock,
no spinner. Baselines live in tests/tui/__snapshots__; after a deliberate change,
look at the new SVGs and run `pytest tests/tui/test_snapshots.py --snapshot-update`."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from tui_helpers import wait_for

from adb.progress import Progress
from model.snapshot import DeviceInfo
from model.findings import Finding, Status
from tui.app import create_app
from tui.backend import Backend
from tui.messages import AuditProgress

EXPORT_DIR = "bench-reports"  # shown in the export dialog, never written


def results_app(db, data, **kwargs):
    return create_app(Backend(db), data=data, watch=False, export_dir=EXPORT_DIR, **kwargs)


class TestResults:
    def test_results_80x24(self, snap_compare, db, fixture_data):
        assert snap_compare(results_app(db, fixture_data), terminal_size=(80, 24))

    def test_results_120x40(self, snap_compare, db, fixture_data):
        assert snap_compare(results_app(db, fixture_data), terminal_size=(120, 40))

    def test_results_light_theme(self, snap_compare, db, fixture_data):
        def light(pilot):
            pilot.app.theme = "textual-light"

        assert snap_compare(results_app(db, fixture_data), terminal_size=(80, 24), run_before=light)

    def test_finding_detail(self, snap_compare, db, fixture_data):
        assert snap_compare(results_app(db, fixture_data), press=["down", "enter"],
                            terminal_size=(80, 24))

    def test_finding_detail_120x40(self, snap_compare, db, fixture_data):
        assert snap_compare(results_app(db, fixture_data), press=["down", "enter"],
                            terminal_size=(120, 40))

    def test_export_dialog_120x40(self, snap_compare, db, fixture_data):
        assert snap_compare(results_app(db, fixture_data), press=["e"], terminal_size=(120, 40))

    def test_help(self, snap_compare, db, fixture_data):
        assert snap_compare(results_app(db, fixture_data), press=["question_mark"],
                            terminal_size=(80, 24))

    def test_export_dialog(self, snap_compare, db, fixture_data):
        async def open_dialog(pilot):
            from textual.widgets import Input

            await pilot.press("e")
            await pilot.pause()
            # a blinking cursor is drawn or not depending on when the picture is taken
            # (a busy machine took it mid-blink): hold it still
            for field in pilot.app.screen.query(Input):
                field.cursor_blink = False
            await pilot.pause()

        assert snap_compare(results_app(db, fixture_data), run_before=open_dialog, terminal_size=(80, 24))


class TestApps:
    def test_apps(self, snap_compare, db, fixture_data):
        assert snap_compare(results_app(db, fixture_data), press=["a"], terminal_size=(80, 24))

    def test_apps_120x40(self, snap_compare, db, fixture_data):
        assert snap_compare(results_app(db, fixture_data), press=["a"], terminal_size=(120, 40))

    def test_apps_third_party_by_trackers(self, snap_compare, db, fixture_data):
        assert snap_compare(results_app(db, fixture_data), press=["a", "t", "s", "s", "s", "s"],
                            terminal_size=(120, 30))

    def test_app_detail(self, snap_compare, db, fixture_data):
        async def open_browser(pilot):
            await pilot.press("a", "slash", *"globalbrowser", "enter", "enter")

        assert snap_compare(results_app(db, fixture_data), run_before=open_browser,
                            terminal_size=(100, 40))


def _variant(findings: list[Finding], changes: dict[str, Status]) -> list[Finding]:
    return [dataclasses.replace(f, status=changes[f.check]) if f.check in changes else f
            for f in findings]


def _history(fixture_data):
    """The phone's history: audit #1 read from the phone on 2026-01-10, audit #2 a
    re-analysis of a capture taken 2026-01-15 (the audit on screen)."""
    fixture_data.report["audit_id"] = 2
    findings = [Finding.from_dict(f) for f in fixture_data.report["findings"]]
    device = DeviceInfo(**{k: v for k, v in fixture_data.device.items()})

    async def fill_and_open(pilot):
        await wait_for(pilot, lambda: pilot.app.focused is not None, timeout=30)
        store = await pilot.app.backend.store()
        earlier = _variant(findings, {"ncsc.appgallery-redirect": Status.FAIL,
                                      "apps.sms-access": Status.PASS})
        for n, found in enumerate((earlier, findings)):
            aid = await store.start_audit(device, started_at=f"2026-01-{10 + 5 * n}T09:00:00.000Z",
                                          source=("phone", "capture")[n])
            await store.save_findings(aid, found)
            await store.finish_audit(aid, complete=True,
                                     finished_at=f"2026-01-{10 + 5 * n}T09:00:41.000Z")
        await pilot.press("h")
        await wait_for(pilot, lambda: "compared with" in str(pilot.app.screen.query_one("#diff").render()),
                       timeout=30)

    return fill_and_open


class TestHistory:
    def test_history_with_changes(self, snap_compare, db, fixture_data):
        assert snap_compare(results_app(db, fixture_data), run_before=_history(fixture_data),
                            terminal_size=(80, 24))

    def test_history_with_changes_120x40(self, snap_compare, db, fixture_data):
        assert snap_compare(results_app(db, fixture_data), run_before=_history(fixture_data),
                            terminal_size=(120, 40))


#: an acceptance as `audit.acceptance` marks a finding (the person's words, a fixed date)
ACCEPTED = {"state": "accepted", "reason": "the owner uses this music app on purpose",
            "by": "Sam", "at": "2026-01-15T09:05:00.000Z"}
CHANGED = {"state": "changed", "reason": "bank app reads its one-time codes", "by": "Sam",
           "at": "2026-01-10T09:05:00.000Z", "accepted_status": "warn"}


def _with_acceptances(data):
    """The fixed audit with apps.trackers accepted and apps.sms-access accepted once,
    changed since (both warn)."""
    for f in data.report["findings"]:
        if f["check"] == "apps.trackers":
            f["acceptance"] = dict(ACCEPTED)
        elif f["check"] == "apps.sms-access":
            f["acceptance"] = dict(CHANGED)
    return data


def _open_detail(check: str):
    async def open_it(pilot):
        from tui.screens.finding import FindingScreen

        pane = pilot.app.main.audit_panes()[0]
        await pilot.app.push_screen(FindingScreen(pane.data, check, backend=pilot.app.backend))
        await pilot.pause()
        pilot.app.screen.query_one("#finding").focus()  # as after Enter on a panel: the footer
        await pilot.pause()                              # shows the detail's keys
    return open_it


async def _accept_dialog(pilot):
    from textual.widgets import Input

    await pilot.press("down", "enter", "a")
    await pilot.pause()
    await pilot.press(*"employer MDM")
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False  # a blinking cursor makes the picture depend on timing
    await pilot.pause()


class TestAccepted:
    def test_results_with_accepted_80x24(self, snap_compare, db, fixture_data):
        assert snap_compare(results_app(db, _with_acceptances(fixture_data)), terminal_size=(80, 24),
                            press=["end"])

    def test_results_with_accepted_120x40(self, snap_compare, db, fixture_data):
        assert snap_compare(results_app(db, _with_acceptances(fixture_data)), terminal_size=(120, 40))

    def test_accepted_detail_80x24(self, snap_compare, db, fixture_data):
        assert snap_compare(results_app(db, _with_acceptances(fixture_data)),
                            run_before=_open_detail("apps.trackers"), terminal_size=(80, 24))

    def test_accepted_detail_120x40(self, snap_compare, db, fixture_data):
        assert snap_compare(results_app(db, _with_acceptances(fixture_data)),
                            run_before=_open_detail("apps.sms-access"), terminal_size=(120, 40))

    def test_accept_dialog_80x24(self, snap_compare, db, fixture_data):
        assert snap_compare(results_app(db, fixture_data), run_before=_accept_dialog,
                            terminal_size=(80, 24))

    def test_accept_dialog_120x40(self, snap_compare, db, fixture_data):
        assert snap_compare(results_app(db, fixture_data), run_before=_accept_dialog,
                            terminal_size=(120, 40))


class _WaitingBackend(Backend):
    """The real backend, but its audit never ends: the progress screen is then shown
    with fixed progress events (the layout is what this snapshot checks)."""

    async def audit(self, serial, progress=None, cancel=None):
        await asyncio.Event().wait()


class TestPickerAndProgress:
    def test_picker_without_adb(self, snap_compare, db):
        assert snap_compare(create_app(Backend(db), watch=False), terminal_size=(80, 24))

    def test_audit_progress(self, snap_compare, db):
        async def progress(pilot):
            pane = pilot.app.main.audit_panes()[0]
            pane.post_message(AuditProgress(pane.key, {
                "collect": Progress("collect", 41, 41),
                "hash": Progress("hash", 220, 220),
                "pull": Progress("pull", 57, 220, 48_234_496, 0,
                                 detail="/system/priv-app/SecurityCenter/SecurityCenter.apk"),
                "inspect": Progress("inspect", 50, 220, detail="com.miui.securitycenter"),
            }))
            await pilot.pause()

        app = create_app(_WaitingBackend(db), serial="127.0.0.1:40001", watch=False)
        assert snap_compare(app, run_before=progress, terminal_size=(80, 24))

    def test_audit_progress_with_first_verdicts(self, snap_compare, db):
        # issue 20: the checks that need no app are shown while the apps are pulled
        from checks.registry import by_id
        from model.findings import finding

        early = (
            finding(by_id("os.security-patch").META, Status.FAIL, "Security patch 2020-10-01 is old."),
            finding(by_id("os.verified-boot").META, Status.PASS, "Verified boot is green."),
            finding(by_id("os.adb-network").META, Status.INCONCLUSIVE, "Could not read the setting."),
        )

        async def progress(pilot):
            pane = pilot.app.main.audit_panes()[0]
            pane.post_message(AuditProgress(pane.key, {
                "collect": Progress("collect", 41, 41),
                "verdicts": Progress("verdicts", 3, 21, findings=early),
                "hash": Progress("hash", 220, 220),
                "pull": Progress("pull", 57, 220, 48_234_496, 0, detail="/system/app/Foo/Foo.apk"),
            }))
            await pilot.pause()

        app = create_app(_WaitingBackend(db), serial="127.0.0.1:40001", watch=False)
        assert snap_compare(app, run_before=progress, terminal_size=(100, 36))


def test_audit_progress_with_app_checks_filling_in(snap_compare, db):
    # issue 20: while the apps are inspected, the checks that need them fill in: a FAIL
    # seen so far with its evidence (phone text, shown as text), the others "checking"
    from adb.progress import Provisional
    from checks.registry import by_id
    from model.findings import Evidence, finding

    early = (finding(by_id("os.security-patch").META, Status.FAIL, "Security patch 2020-10-01 is old."),
             finding(by_id("os.verified-boot").META, Status.PASS, "Verified boot is green."))
    tencent = by_id("ncsc.tencent-statistics").META
    trackers = by_id("apps.trackers").META
    bad = finding(tencent, Status.FAIL, "Tencent statistics code in 1 pre-installed app.",
                  evidence=(Evidence("classes.dex of com.miui.securitycenter", "[red]com.tencent.beacon[/red]"),))
    live = (Provisional(tencent.id, tencent.title, "fail", 50, 220, bad),
            Provisional(trackers.id, trackers.title, "checking", 4, 12))

    async def progress(pilot):
        pane = pilot.app.main.audit_panes()[0]
        pane.post_message(AuditProgress(pane.key, {
            "collect": Progress("collect", 41, 41),
            "verdicts": Progress("verdicts", 2, 24, findings=early),
            "hash": Progress("hash", 220, 220),
            "pull": Progress("pull", 57, 220, 48_234_496, 0, detail="/system/app/Foo/Foo.apk"),
            "inspect": Progress("inspect", 50, 220, detail="com.miui.securitycenter"),
            "apk-verdicts": Progress("apk-verdicts", 50, 220, provisional=live),
        }))
        await pilot.pause()

    app = create_app(_WaitingBackend(db), serial="127.0.0.1:40001", watch=False)
    assert snap_compare(app, run_before=progress, terminal_size=(100, 36))


def test_every_live_verdict_can_be_scrolled_to_on_an_80x24_terminal(db):
    # 17 first verdicts and 7 app checks are taller than an 80x24 terminal under the
    # stage bars: the progress area scrolls, so the last app check can still be read
    from adb.progress import Provisional
    from checks.registry import CHECKS

    none = [m.META for m in CHECKS if m.META.apk_scope == "none"]
    apk = [m.META for m in CHECKS if m.META.apk_scope != "none"]
    from model.findings import finding

    early = tuple(finding(meta, Status.PASS, "Looked and found nothing.") for meta in none)
    live = tuple(Provisional(meta.id, meta.title, "checking", 4, 12) for meta in apk)
    assert len(early) + len(live) > 20  # more lines than the terminal has rows

    async def go() -> None:
        app = create_app(_WaitingBackend(db), serial="127.0.0.1:40001", watch=False)
        async with app.run_test(size=(80, 24)) as pilot:
            pane = pilot.app.main.audit_panes()[0]
            pane.post_message(AuditProgress(pane.key, {
                "collect": Progress("collect", 41, 41),
                "verdicts": Progress("verdicts", len(early), len(CHECKS), findings=early),
                "apk-verdicts": Progress("apk-verdicts", 4, 12, provisional=live),
            }))
            await pilot.pause()
            scroller = pane.query_one("#progress")
            last = pane.query_one("#apk-verdicts")
            assert scroller.max_scroll_y > 0
            assert last.region.y + last.region.height > scroller.region.y + scroller.region.height
            scroller.scroll_end(animate=False)
            await pilot.pause()
            # after scrolling, the app checks' block ends inside the visible area
            assert last.region.y + last.region.height <= scroller.region.y + scroller.region.height
            assert apk[-1].title in str(last.render())

    asyncio.run(go())
