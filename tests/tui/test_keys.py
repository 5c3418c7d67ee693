"""Keys and focus on the main screen, driven with the pilot on the fixed Xiaomi audit:
the audit tab's keys work wherever the focus is, up/down never leave the panels, and
the tabs can be reached with keys every terminal passes through."""

from __future__ import annotations

from tui_helpers import run_async, wait_for

from tui.app import create_app
from tui.backend import Backend
from tui.screens.apps import AppsScreen
from tui.widgets.risk_panel import RiskPanel


def _app(db, data):
    return create_app(Backend(db), data=data, watch=False)


@run_async
async def test_up_down_stay_on_the_panels(db, fixture_data):
    app = _app(db, fixture_data)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.focused, RiskPanel))
        panels = list(app.main.query(RiskPanel))
        for _ in range(len(panels) + 3):
            await pilot.press("down")
        assert app.focused is panels[-1]
        for _ in range(len(panels) + 3):
            await pilot.press("up")
        assert app.focused is panels[0]


@run_async
async def test_audit_keys_work_with_the_focus_on_the_tab_strip(db, fixture_data):
    app = _app(db, fixture_data)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.focused, RiskPanel))
        app.main.query_one("#tabs Tabs").focus()
        await pilot.pause()
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AppsScreen))
        await pilot.press("escape")


@run_async
async def test_tabs_by_letter_and_number(db, fixture_data):
    app = _app(db, fixture_data)
    async with app.run_test(size=(80, 24)) as pilot:
        tabs = app.main.query_one("#tabs")
        await wait_for(pilot, lambda: tabs.active == "audit-1")
        await pilot.press("p")
        assert tabs.active == "phones"
        # the audit keys do nothing on the Phones tab
        await pilot.press("a")
        assert not isinstance(app.screen, AppsScreen)
        await pilot.press("1")
        assert tabs.active == "audit-1" and isinstance(app.focused, RiskPanel)
        await pilot.press("7")  # no such tab: nothing happens
        assert tabs.active == "audit-1"


class _RunningBackend(Backend):
    """The real backend, but its audit never ends (an audit still running)."""

    async def audit(self, serial, progress=None, cancel=None):
        import asyncio

        await asyncio.Event().wait()


@run_async
async def test_quit_asks_while_an_audit_runs(db):
    from tui.screens.confirm_quit import ConfirmQuitScreen

    app = create_app(_RunningBackend(db), serial="127.0.0.1:40001", watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.main.audit_panes() and app.main.audit_panes()[0].running)
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmQuitScreen))
        await pilot.press("escape")  # stay
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmQuitScreen))
        assert app.is_running and app.main.audit_panes()[0].running
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmQuitScreen))
        await pilot.press("q")  # q twice quits
        await wait_for(pilot, lambda: not app.is_running, timeout=30)


@run_async
async def test_quit_at_once_when_nothing_runs(db, fixture_data):
    app = _app(db, fixture_data)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.focused, RiskPanel))
        await pilot.press("q")
        await wait_for(pilot, lambda: not app.is_running, timeout=30)
