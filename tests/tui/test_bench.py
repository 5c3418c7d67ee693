"""Bench details (pilot tests over the fixed Xiaomi audit, no phone): two audits of one
phone get different tab labels, short enough for 80 columns; the export dialog leaves its
folder unselected (pressing e again types, it does not replace the folder) and names the
files from model, serial and date, in a folder that is not the current one."""

from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest
from tui_helpers import audit_finished, derive_profile, pick_phone, run_async, screen_text, wait_for

from textual.widgets import Input, TabbedContent

from tui.app import create_app
from tui.backend import Backend
from tui.screens.export import ExportScreen, default_folder, default_stem
from tui.viewmodel import AuditData
from tui.widgets.risk_panel import RiskPanel


def _second(data: AuditData, audit_id: int) -> AuditData:
    report = copy.deepcopy(data.report)
    report["audit_id"] = audit_id
    return AuditData(report=report, apks=data.apks, packages=data.packages)


@run_async
async def test_two_audits_of_one_phone_have_different_short_tab_labels(db, fixture_data):
    app = create_app(Backend(db), data=fixture_data, watch=False, export_dir="bench-reports")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await app.screen.open_audit(data=_second(fixture_data, 2))
        await pilot.pause()
        tabs = app.screen.query_one("#tabs", TabbedContent)
        labels = [str(tabs.get_tab(k).label) for k in ("audit-1", "audit-2")]
        # the fixture is audit #1 of the Xiaomi M2007J3SG (Mi 10T Pro)
        assert labels == ["1: Mi 10T Pro #1", "2: Mi 10T Pro #2"]
        assert all(len(x) <= 32 for x in labels)


@run_async
async def test_export_dialog_does_not_select_the_folder(db, fixture_data):
    app = create_app(Backend(db), data=fixture_data, watch=False, export_dir="bench-reports")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen)
        folder = app.screen.query_one("#export-folder", Input)
        folder.focus()
        await pilot.pause()
        assert folder.selected_text == ""
        await pilot.press("e")  # by habit: it is typed at the cursor, the folder stays
        assert folder.value.startswith("bench-reports") and folder.value != "e"


def test_export_names_and_folder(fixture_data):
    # model M2007J3SG, serial 8f3a71c2, started 2026-01-15, audit 1 (tests/tui/fixtures/xiaomi.json)
    assert default_stem(fixture_data) == "M2007J3SG-8f3a71c2-2026-01-15-1"
    hostile = _second(fixture_data, 7)
    hostile.report["device"]["model"] = "../../etc/passwd"
    assert "/" not in default_stem(hostile) and ".." not in default_stem(hostile).split("-")[0]
    assert Path(default_folder()).name == "reports"
    assert Path(default_folder()).resolve() != Path(os.getcwd()).resolve()


@run_async
async def test_apps_view_folds_at_80_columns_and_keeps_every_field(db, fixture_data):
    from textual.widgets import DataTable

    app = create_app(Backend(db), data=fixture_data, watch=False, export_dir="bench-reports")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        table = app.screen.query_one("#apps", DataTable)
        assert [str(c.label) for c in table.columns.values()] == [
            "App / package", "Source", "Trackers", "Permissions"]
        # a package name of 28 characters is read whole, under its label
        row = table.get_row("com.google.android.webview")
        assert row[0].plain == "Android System WebView\ncom.google.android.webview"
        assert row[1].plain == "system\n-"
    wide = create_app(Backend(db), data=fixture_data, watch=False, export_dir="bench-reports")
    async with wide.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        table = wide.screen.query_one("#apps", DataTable)
        assert len(table.columns) == 6


#: an app installed from the Play Store between the two visits (as tests/scan/test_inventory_diff.py)
FLASHLIGHT = '''
[[packages]]
name = "com.example.flashlight"
path = "/data/app/~~q9==/com.example.flashlight-w9==/base.apk"
system = false
installer = "com.android.vending"
uid = 10312
version_code = 3
version_name = "3.0"
label = "Flashlight"
granted = ["android.permission.INTERNET"]
'''
#: pixel-clean with app verification off: os.app-verification fails (medium), nothing
#: else is wrong (tests/scan/test_exit_codes.py), so there is one finding to accept
NO_VERIFY = [('package_verifier_enable = "1"', 'package_verifier_enable = "0"')]


@pytest.mark.adb
@run_async
async def test_bench_two_visits_accept_and_inventory_diff(sim_phone, db, tmp_path):
    """One phone (pixel-clean's serial) audited twice in the app, with an app installed
    between the visits: per-phone numbers #1 #2 in tabs and history, a finding accepted
    by keys on the first visit and still accepted on the second, the apps added shown
    in the history's diff, and both audits exported automatically by model, serial,
    date and number."""
    from tui.screens.accept import AcceptScreen
    from tui.screens.finding import FindingScreen
    from tui.screens.history import HistoryScreen

    first_visit = sim_phone(derive_profile(tmp_path, "pixel-clean", "visit-1", edits=NO_VERIFY))
    auto = tmp_path / "auto-export"
    app = create_app(Backend(db), auto_export=str(auto))
    async with app.run_test(size=(80, 24)) as pilot:
        await pick_phone(app, pilot, first_visit.serial)
        first = await audit_finished(app, pilot, 1)
        assert first.data.number == 1
        [panel] = [p for p in first.query("RiskPanel.attention")]
        assert panel.check == "os.app-verification" and panel.finding["status"] == "fail"

        # accept it, keyboard only: Enter on the panel, a, the reason, Enter
        panel.focus()
        await pilot.press("enter")
        assert isinstance(app.screen, FindingScreen)
        await pilot.press("a")
        assert isinstance(app.screen, AcceptScreen)
        await pilot.press("enter")  # no reason: refused, the dialog stays
        assert isinstance(app.screen, AcceptScreen)
        await pilot.press(*"bench phone")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, FindingScreen)
                       and app.screen.finding.get("acceptance"), timeout=30)
        assert app.screen.finding["status"] == "fail"  # never turned into a pass
        assert "ACCEPTED" in screen_text(app) and "bench phone" in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: [p.has_class("status-accepted") for p in first.query(RiskPanel)
                                       if p.check == "os.app-verification"] == [True, True], timeout=30)

        # the phone goes, and comes back with an app installed
        first_visit.close()
        second_visit = sim_phone(derive_profile(tmp_path, "pixel-clean", "visit-2", edits=NO_VERIFY,
                                                extra=FLASHLIGHT))
        await pick_phone(app, pilot, second_visit.serial)
        second = await audit_finished(app, pilot, 2)
        assert second.data.number == 2
        tabs = app.main.query_one("#tabs", TabbedContent)
        labels = [str(tabs.get_tab(p.parent.id).label) for p in (first, second)]
        assert [label.split(": ", 1)[1] for label in labels] == ["Pixel 7 #1", "Pixel 7 #2"]
        # the acceptance holds: same status and evidence on the second visit
        accepted = second.data.finding("os.app-verification")
        assert accepted["status"] == "fail" and accepted["acceptance"]["state"] == "accepted"
        assert accepted["acceptance"]["reason"] == "bench phone"
        assert not list(second.query("RiskPanel.attention.status-fail"))
        assert "Nothing new to act on: 1 finding accepted" in second.data.verdict()

        # history: #2 compared with #1, and the app that was added
        await pilot.press("h")
        assert isinstance(app.screen, HistoryScreen)
        await wait_for(pilot, lambda: "compared with" in str(app.screen.query_one("#diff").render()),
                       timeout=30)
        diff = str(app.screen.query_one("#diff").render())
        assert "Audit #2 compared with #1" in diff
        assert "Apps added (1)\n  com.example.flashlight (Flashlight) 3.0" in diff
        await pilot.press("escape")

        # both exported as they finished: model-serial-date-number
        days = [p.data.report["started_at"][:10] for p in (first, second)]
        expected = sorted(f"Pixel_7-28241FDH2001PQ-{day}-{n}.{ext}"
                          for n, day in ((1, days[0]), (2, days[1])) for ext in ("json", "html"))
        await wait_for(pilot, lambda: auto.is_dir() and len(list(auto.iterdir())) == 4, timeout=60)
        assert sorted(p.name for p in auto.iterdir()) == expected
        await pilot.press("q")
