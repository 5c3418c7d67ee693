"""Bench details (pilot tests over the fixed Xiaomi audit, no phone): two audits of one
phone get different tab labels, short enough for 80 columns; the export dialog leaves its
folder unselected (pressing e again types, it does not replace the folder) and names the
files from model, serial and date, in a folder that is not the current one."""

from __future__ import annotations

import copy
import os
from pathlib import Path

from tui_helpers import run_async

from textual.widgets import Input, TabbedContent

from tui.app import create_app
from tui.backend import Backend
from tui.screens.export import ExportScreen, default_folder, default_stem
from tui.viewmodel import AuditData


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
