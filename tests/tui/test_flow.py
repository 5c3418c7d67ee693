"""The real flow, driven by Textual's pilot: the app finds simulated phones through the
real adb server, audits them (real runner, androguard, SQLite), and every screen is
reached by keys as a user would reach it."""

from __future__ import annotations

import json
import re

import pytest

from checks import registry
from tui_helpers import audit_finished as finished, derive_profile, pick_phone as pick, run_async, screen_text, wait_for

from tui.app import create_app
from tui.backend import Backend
from audit.reports.json_report import validate_report
from tui.screens.apps import AppsScreen
from tui.screens.export import ExportScreen
from tui.screens.finding import FindingScreen
from tui.screens.history import HistoryScreen
from tui.widgets.device_table import DeviceTable
from tui.widgets.risk_panel import RiskPanel

pytestmark = pytest.mark.adb

#: slow pulls (bytes per second) so an audit is still running when the test acts
SLOW = "\n[faults]\nbandwidth_bytes_per_s = 4000000\n"


@run_async
async def test_pick_audit_panel_evidence_export_history(sim_phone, db, tmp_path):
    phone = sim_phone("xiaomi-mi10t")
    app = create_app(Backend(db))
    async with app.run_test(size=(100, 32)) as pilot:
        await pick(app, pilot, phone.serial)
        pane = await finished(app, pilot, 1)
        assert pane.data.report["complete"] is True
        # what needs attention first (worst first, focused), then every check by section
        attention = list(pane.query("RiskPanel.attention"))
        assert [p.finding["status"] for p in attention] == ["fail"] * 5 + ["warn"] * 2
        assert app.focused is attention[0]
        panels = [p for p in pane.query(RiskPanel) if not p.has_class("attention")]
        assert [p.check for p in panels][:5] == [
            "ncsc.appgallery-redirect", "ncsc.tencent-statistics", "ncsc.cloud-sms-registration",
            "ncsc.censorship-list", "ncsc.browser-analytics"]
        assert all(p.large for p in panels[:5]) and not any(p.large for p in panels[5:])
        assert len(panels) == len(registry.CHECKS)  # one panel per check
        text = screen_text(app)
        assert "FAIL 5" in text and "Keyword blacklist for filtering content" in text

        # the second NCSC panel is a failing risk: open it and read its evidence
        panels[1].focus()
        await pilot.press("enter")
        assert isinstance(app.screen, FindingScreen)
        assert app.screen.check == "ncsc.tencent-statistics"
        assert app.screen.finding["status"] == "fail"
        evidence = str(app.screen.query_one("#evidence").render())
        assert "$ adb pull /system/" in evidence and "com.tencent" in evidence
        titles = [str(w.render()) for w in app.screen.query(".detail-title")]
        assert [t.split(" (")[0] for t in titles] == [
            "What was found", "Concerns", "Activity, apart from the verdict", "Evidence", "Why it matters",
            "What to do", "About these trackers", "References"]
        # issue 15: Weather carries Tencent statistics, and the phone records no use of it
        activity = str(app.screen.query_one("#activity").render())
        assert "com.miui.weather2" in activity and "present and dormant" in activity
        pages = str(app.screen.query_one("#tracker-pages").render())
        assert "Tencent Stats" in pages and "what it is:" in pages
        await pilot.press("escape")
        assert app.screen is app.main

        # export JSON and HTML from the dialog
        await pilot.press("e")
        assert isinstance(app.screen, ExportScreen)
        out = tmp_path / "out"
        app.screen.query_one("#export-folder").value = str(out)
        await pilot.click("#export-go")
        await wait_for(pilot, lambda: app.screen is app.main, timeout=60)
        written = sorted(p.name for p in out.iterdir())
        assert len(written) == 2 and written[0].endswith(".html") and written[1].endswith(".json")
        report = json.loads((out / written[1]).read_text(encoding="utf-8"))
        validate_report(report)
        assert report["audit_id"] == pane.data.audit_id
        assert "Keyword blacklist for filtering content" in (out / written[0]).read_text(encoding="utf-8")

        # the apps view: third-party only, sorted, and one app's report
        await pilot.press("a")
        assert isinstance(app.screen, AppsScreen)
        table = app.screen.query_one("#apps")
        everything = table.row_count
        assert everything == len(pane.data.report["apps"])
        await pilot.press("t")
        third = table.row_count
        assert 0 < third < everything
        await pilot.press("escape")

        # history: the first audit of this phone
        await pilot.press("h")
        assert isinstance(app.screen, HistoryScreen)
        await wait_for(pilot, lambda: app.screen.query_one("#audits").row_count == 1, timeout=30)
        await wait_for(pilot, lambda: "first stored audit" in str(app.screen.query_one("#diff").render()),
                       timeout=30)
        await pilot.press("escape")

        # audit it again: a second tab; its history compares with the first
        await pick(app, pilot, phone.serial)
        second = await finished(app, pilot, 2)
        assert second.data.audit_id > pane.data.audit_id
        await pilot.press("h")
        assert isinstance(app.screen, HistoryScreen)
        await wait_for(pilot, lambda: "compared with" in str(app.screen.query_one("#diff").render()),
                       timeout=30)
        diff = str(app.screen.query_one("#diff").render())
        # the phone's own numbers: its second audit against its first
        assert (pane.data.number, second.data.number) == (1, 2)
        assert "Audit #2 compared with #1" in diff
        assert f"0 new, 0 fixed, {len(registry.catalogue())} unchanged" in diff  # audit/diff_words.py
        assert "Apps: no app added, removed, updated, enabled or disabled" in diff
        await pilot.press("escape", "q")
    assert app.return_code == 0


@run_async
async def test_cancel_an_audit_half_way(sim_phone, db, tmp_path, monkeypatch):
    from audit import live

    monkeypatch.setattr(live, "INTERVAL", 0.1)  # the app checks judged again every 0.1 s
    phone = sim_phone(derive_profile(tmp_path, "xiaomi-mi10t", "slow-xiaomi", extra=SLOW))
    backend = Backend(db)
    app = create_app(backend)
    async with app.run_test(size=(80, 24)) as pilot:
        await pick(app, pilot, phone.serial)
        await wait_for(pilot, lambda: app.main.audit_panes())
        pane = app.main.audit_panes()[0]
        # half-way: wait until at least one APK has been inspected, so there is something
        # gathered to keep (waiting for "pull" alone raced the first inspection)
        await wait_for(pilot, lambda: "inspect" in pane.relay.latest and pane.relay.latest["inspect"].done >= 1)
        # issue 20: the first verdicts are on screen while the apps are inspected, and
        # the checks that need apps fill in as they are: "n of m APKs inspected" growing
        # past 0, each check FAIL (with its evidence) or "checking", never a PASS yet
        first = pane.query_one("#first-verdicts")
        assert first.display and str(first.render()).startswith("First verdicts: ")
        apk = pane.query_one("#apk-verdicts")
        header = re.compile(r"Checks that need apps: [1-9][0-9]* of [0-9]+ APKs inspected")
        await wait_for(pilot, lambda: header.match(str(apk.render())), timeout=30)
        shown = str(apk.render()).splitlines()
        titles = [m.META.title for m in registry.CHECKS if m.META.apk_scope != "none"]
        assert len(shown) == 1 + len(titles)
        for line, title in zip(shown[1:], titles):
            assert title[:40] in line and (line.startswith("checking ") or line.startswith("  FAIL  ")), line
            assert "APKs inspected" in line if line.startswith("checking") else True
        assert "PASS" not in "\n".join(shown)
        # the profile's hidden-SMS registration service fails on what the phone lists
        # (no APK needed to see it), shown with its evidence
        sms = next(line for line in shown if "registers the phone number" in line)
        assert sms.startswith("  FAIL  ") and "com.xiaomi.simactivate.service" in sms
        assert pane.running and app.focused.id == "cancel"
        await pilot.press("c")
        await finished(app, pilot, 1)
        report = pane.data.report
        assert report["complete"] is False
        assert any(p["reason"] == "cancelled" for p in report["problems"])
        # stopped half-way: some APKs were inspected, the rest were never pulled
        reasons = [f["reason"] for a in report["apps"] for f in a["failures"]]
        assert any("cancelled" in r for r in reasons)
        assert any(a["inspected"] for a in report["apps"])
        assert len(report["findings"]) == len(registry.CHECKS)  # what was gathered is still judged
        assert "Cancelled" in screen_text(app)
        stored = await backend.stored_report(pane.data.audit_id)
        assert stored["status"] == "incomplete"
        await pilot.press("q")


@run_async
async def test_demo_starts_audits_and_stops_the_simulated_phone(adb_server, db):
    backend = Backend(db)
    app = create_app(backend, demo="pixel-clean")
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await finished(app, pilot, 1)
        serial = pane.serial
        assert serial in backend.simulated_serials()
        assert pane.data.device["manufacturer"] == "Google"
        assert pane.data.report["complete"] is True
        table = app.main.query_one(DeviceTable)
        await wait_for(pilot, lambda: serial in table.rows_by_key, timeout=30)
        assert "(simulated)" in table.get_row(serial)[0].plain
        assert "simulated" in table.get_row("sim:xiaomi-mi10t")[1].plain
        await pilot.press("q")
    assert backend.simulated_serials() == set()
    assert serial not in adb_server.states()


@run_async
async def test_bench_next_phone_while_another_runs(sim_phone, db, tmp_path):
    one = sim_phone(derive_profile(tmp_path, "pixel-clean", "slow-pixel", extra=SLOW))
    two = sim_phone("huawei-p40")
    auto = tmp_path / "auto-export"
    app = create_app(Backend(db), auto_export=str(auto))
    async with app.run_test(size=(100, 32)) as pilot:
        await pick(app, pilot, one.serial)
        await wait_for(pilot, lambda: app.main.audit_panes())
        first = app.main.audit_panes()[0]
        await wait_for(pilot, lambda: "pull" in first.relay.latest)
        await pick(app, pilot, two.serial)
        await wait_for(pilot, lambda: len(app.main.audit_panes()) == 2)
        second = app.main.audit_panes()[1]
        assert first.running and second.running  # both at once
        # the picker says which phones are being audited
        from tui.widgets.device_table import DeviceTable

        table = app.main.query_one(DeviceTable)
        assert str(table.get_cell(one.serial, "state")) == "auditing…"
        await wait_for(pilot, lambda: str(table.get_cell(two.serial, "state")) == "auditing…", timeout=30)
        await finished(app, pilot, 1)
        await finished(app, pilot, 2)
        # and, once done, each one's last result and when
        await wait_for(pilot, lambda: str(table.get_cell(two.serial, "state")) == "ready", timeout=30)
        assert str(table.get_cell(two.serial, "hint")).startswith("last: ")
        assert str(table.get_cell(one.serial, "hint")).startswith("last: nothing found, ")
        # --export-to: each finished audit written at once, named model-serial-date-audit
        day = first.data.report["started_at"][:10]
        expected = sorted(f"{stem}.{ext}" for stem in (
            # each phone's first audit: number 1 (the database ids are 1 and 2)
            f"Pixel_7-28241FDH2001PQ-{day}-1",
            f"ANA-NX9-NRE0220A15008743-{second.data.report['started_at'][:10]}-1")
            for ext in ("json", "html"))
        await wait_for(pilot, lambda: auto.is_dir() and len(list(auto.iterdir())) == 4, timeout=60)
        assert sorted(p.name for p in auto.iterdir()) == expected
        assert first.data.device["manufacturer"] == "Google"
        assert second.data.device["manufacturer"] == "HUAWEI"
        assert first.data.report["complete"] and second.data.report["complete"]
        await pilot.press("q")
