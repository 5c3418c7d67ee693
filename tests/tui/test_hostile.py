"""Phone strings are never markup: a phone whose app labels and a setting value are
`[/x]`, `[@click=app.quit]x[/]` and an ANSI escape sequence (and `[bold red]big[/]`) is audited for real
(simulator -> adb -> androguard), and every screen shows them literally; nothing
crashes, nothing runs (clicking the label does not quit)."""

from __future__ import annotations

import pytest

from tui_helpers import derive_profile, run_async, screen_text, wait_for

from tui.app import create_app
from tui.backend import Backend
from tui.screens.app_detail import AppDetailScreen
from tui.screens.apps import AppsScreen
from tui.screens.finding import FindingScreen
from tui.screens.history import HistoryScreen
from tui.widgets.device_table import DeviceTable

pytestmark = pytest.mark.adb

CLOSE = "[/x]"
CLICK = "[@click=app.quit]x[/]"
STYLE = "[bold red]big[/]"
ANSI = "\x1b[31mred\x1b[0m"
#: how the ANSI value shows: its control characters made visible
ANSI_SHOWN = "\\x1b[31mred\\x1b[0m"

EDITS = (
    ('label = "System UI"', f"label = '{CLOSE}'"),
    ('label = "Settings"', f"label = '{CLICK}'"),
    ('label = "Pixel Launcher"', f"label = '{STYLE}'"),
    ('verifier_verify_adb_installs = "1"', f"verifier_verify_adb_installs = '{CLICK}'"),
    # settings reach the report verbatim (APK labels lose control characters on the way)
    ('package_verifier_user_consent = "1"', 'package_verifier_user_consent = "\\u001b[31mred\\u001b[0m"'),
)


@run_async
async def test_hostile_strings_render_literally_everywhere(sim_phone, db, tmp_path):
    phone = sim_phone(derive_profile(tmp_path, "pixel-clean", "hostile", EDITS))
    app = create_app(Backend(db))
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.main.query_one(DeviceTable)
        await wait_for(pilot, lambda: phone.serial in table.rows_by_key, timeout=60)
        table.move_cursor(row=table.get_row_index(phone.serial))
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.main.audit_panes() and app.main.audit_panes()[0].data)
        pane = app.main.audit_panes()[0]
        labels = {a["package"]: a["label"] for a in pane.data.report["apps"]}
        assert labels["com.android.systemui"] == CLOSE
        assert labels["com.android.settings"] == CLICK
        assert labels["com.google.android.apps.nexuslauncher"] == STYLE

        # the finding whose evidence carries the setting value
        panel = next(p for p in pane.query("RiskPanel") if p.check == "os.app-verification")
        panel.focus()
        await pilot.pause()
        await pilot.press("enter")
        assert isinstance(app.screen, FindingScreen) and app.screen.check == "os.app-verification"
        assert f"verifier_verify_adb_installs = {CLICK}" in str(app.screen.query_one("#evidence").render())
        assert f"verifier_verify_adb_installs = {CLICK}" in screen_text(app)
        finding = pane.data.finding("os.app-verification")
        assert f"package_verifier_user_consent = {ANSI}" in [e["detail"] for e in finding["evidence"]]
        assert f"package_verifier_user_consent = {ANSI_SHOWN}" in screen_text(app)
        await pilot.press("escape")

        # the apps view: every hostile label literally, in a Text cell
        await pilot.press("a")
        assert isinstance(app.screen, AppsScreen)
        apps = app.screen.query_one("#apps")
        for package, shown in (("com.android.systemui", CLOSE), ("com.android.settings", CLICK),
                               ("com.google.android.apps.nexuslauncher", STYLE)):
            await pilot.press("slash", *package, "enter")
            assert apps.get_row(package)[0].plain == shown
            text = screen_text(app)
            assert shown[:15] in text, text  # the column may cut it; the detail shows it whole
            # a click on the label selects the row; it must not run the label's action
            row = apps.get_row_index(package)
            await pilot.click("#apps", offset=(3, 1 + row))
            await pilot.pause()
            assert app.is_running and app.return_code is None
            if not isinstance(app.screen, AppDetailScreen):
                assert apps.cursor_row == row
                await pilot.press("enter")
            assert isinstance(app.screen, AppDetailScreen) and app.screen.package == package
            assert shown in str(app.screen.query_one("#app-report").render())
            assert shown in screen_text(app)
            await pilot.press("escape")
            app.screen.query_one("#apps-filter").value = ""
            apps.focus()
        await pilot.press("escape")

        # history and help still open
        await pilot.press("h")
        assert isinstance(app.screen, HistoryScreen)
        await wait_for(pilot, lambda: app.screen.query_one("#audits").row_count == 1, timeout=30)
        await pilot.press("escape", "question_mark", "escape")
        assert app.is_running
        await pilot.press("q")
    assert app.return_code == 0


@run_async
async def test_a_megabyte_label_is_one_short_row_in_the_apps_table(sim_phone, db, tmp_path):
    """A 1 MB app label (random letters: an APK holding it is no zip bomb) is audited for
    real; the apps table shows 120 characters and the count of the rest, the report
    keeps it whole."""
    import random

    big = "L" + "".join(random.Random(7).choices("abcdefghijklmnopqrstuvwxyz", k=(1 << 20) - 1))
    phone = sim_phone(derive_profile(tmp_path, "pixel-clean", "mega-label",
                                     (('label = "System UI"', f"label = '{big}'"),)))
    app = create_app(Backend(db))
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.main.query_one(DeviceTable)
        await wait_for(pilot, lambda: phone.serial in table.rows_by_key, timeout=60)
        table.move_cursor(row=table.get_row_index(phone.serial))
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.main.audit_panes() and app.main.audit_panes()[0].data)
        pane = app.main.audit_panes()[0]
        labels = {a["package"]: a["label"] for a in pane.data.report["apps"]}
        assert labels["com.android.systemui"] == big
        await pilot.press("a")
        assert isinstance(app.screen, AppsScreen)
        apps = app.screen.query_one("#apps")
        # written by hand: 120 characters kept, 1,048,456 counted
        assert apps.get_row("com.android.systemui")[0].plain == big[:120] + "… (1048456 more chars)"
        await pilot.press("escape", "q")
    assert app.return_code == 0
