"""The verdict and the advice in the app (pilot tests over the fixed Xiaomi audit):
the verdict box on top, the one word "inconclusive", real package names with their
undo in "What to do", and a N/A that says what was looked at and gives no advice."""

from __future__ import annotations

import copy

from tui_helpers import run_async, screen_text

from tui.app import create_app
from tui.backend import Backend
from tui.screens.finding import FindingScreen
from tui.viewmodel import AuditData


def _app(db, data):
    return create_app(Backend(db), data=data, watch=False, export_dir="bench-reports")


def _titles(screen) -> list[str]:
    return [str(w.render()).split(" (")[0] for w in screen.query(".detail-title")]


@run_async
async def test_verdict_box_and_advice_with_this_phones_packages(db, fixture_data):
    app = _app(db, fixture_data)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        verdict = str(app.screen.query_one(".verdict").render())
        assert verdict.startswith("Act now: 4 serious problems")
        assert "Scores: privacy 46/100, security 88/100" in verdict
        assert "1. Vendor service that registers the phone number by hidden SMS (high, 1 app)" in verdict
        assert "UNSURE" not in screen_text(app) and "INCONCLUSIVE 0" in screen_text(app)

        app.push_screen(FindingScreen(fixture_data, "ncsc.censorship-list"))
        await pilot.pause()
        todo = str(app.screen.query(".detail-body")[_titles(app.screen).index("What to do")].render())
        assert "PACKAGE" not in todo and "`" not in todo
        assert "$ adb shell pm disable-user --user 0 com.miui.securitycenter   undo: adb shell pm " \
               "enable com.miui.securitycenter" in todo
        app.pop_screen()

        # N/A: what was looked at, and no advice for a problem that is not there
        app.push_screen(FindingScreen(fixture_data, "ncsc.appgallery-redirect"))
        await pilot.pause()
        titles = _titles(app.screen)
        assert "What was looked at" in titles and "What to do" not in titles


@run_async
async def test_inconclusive_finding_shows_what_is_missing(db, fixture_data):
    data = AuditData(report=copy.deepcopy(fixture_data.report), apks=fixture_data.apks,
                     packages=fixture_data.packages)
    f = data.finding("os.selinux")
    f.update(status="inconclusive", summary="Could not decide: needs getprop (refused).",
             missing=[{"fact": "getprop", "state": "refused", "detail": "Permission Denial",
                       "command": "adb shell getprop"}])
    app = _app(db, data)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.push_screen(FindingScreen(data, "os.selinux"))
        await pilot.pause()
        assert "What is missing" in _titles(app.screen)
        missing = str(app.screen.query_one("#missing").render())
        assert missing == "getprop: refused (Permission Denial)\n   $ adb shell getprop"
