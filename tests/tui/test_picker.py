"""The picker's table, mounted alone and fed `adb devices -l` lines through the real
parser: which row Enter would audit, and the full "what to do" of each row."""

from __future__ import annotations

from textual.app import App

from tui_helpers import run_async

from adb.connection import parse_devices_l
from tui.widgets.device_table import SIMULATED_PREFIX, DeviceTable

PROFILES = [("pixel-clean", "Google Pixel 7"), ("xiaomi-mi10t", "Xiaomi Mi 10T 5G")]
LINES = ("R58N12ABC       unauthorized usb:1-1 transport_id:3\n"
         "R58N99XYZ       device usb:1-2 product:a52 model:SM_A525F device:a52 transport_id:4\n")


class _TableApp(App):
    def compose(self):
        yield DeviceTable(id="devices")


@run_async
async def test_a_phone_plugged_in_takes_the_cursor_until_the_user_moves_it():
    app = _TableApp()
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(DeviceTable)
        table.show([], PROFILES, set())  # adb not answered yet: only simulated phones
        await pilot.pause()
        assert table.selected().profile == "pixel-clean"
        table.show(parse_devices_l(LINES), PROFILES, set())  # the phones arrive
        await pilot.pause()
        assert table.selected().serial == "R58N99XYZ"  # the ready phone, not a simulated one
        assert str(table.get_cell("R58N99XYZ", "state")) == "ready"
        # the user chooses a simulated phone: a later update keeps their choice
        table.focus()
        table.move_cursor(row=table.get_row_index(SIMULATED_PREFIX + "xiaomi-mi10t"))
        await pilot.pause()
        table.show(parse_devices_l(LINES), PROFILES, set())
        await pilot.pause()
        assert table.selected().profile == "xiaomi-mi10t"


@run_async
async def test_the_full_hint_of_a_phone_that_is_not_ready():
    app = _TableApp()
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(DeviceTable)
        table.show(parse_devices_l(LINES), PROFILES, set())
        await pilot.pause()
        hint = table.hint_for("R58N12ABC").plain
        assert "accept the USB debugging prompt" in hint  # cut in the 80-column table
        assert "Enter audits it" in table.hint_for("R58N99XYZ").plain
        assert "no phone needed" in table.hint_for(SIMULATED_PREFIX + "pixel-clean").plain


@run_async
async def test_the_picker_shows_which_phone_is_being_audited_and_each_last_result():
    from tui.screens.picker import last_result

    app = _TableApp()
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(DeviceTable)
        last = {"R58N99XYZ": last_result({"counts": {"fail": 5, "warn": 2, "pass": 12},
                                          "started_at": "2026-01-15T09:00:41.000Z", "complete": True})}
        assert last["R58N99XYZ"] == "5 fail, 2 warn, 2026-01-15 09:00"
        table.show(parse_devices_l(LINES), PROFILES, set(), {"R58N99XYZ"}, last)
        await pilot.pause()
        assert str(table.get_cell("R58N99XYZ", "state")) == "auditing…"
        assert str(table.get_cell("R58N99XYZ", "hint")) == "last: 5 fail, 2 warn, 2026-01-15 09:00"
        assert "An audit of it is running" in table.hint_for("R58N99XYZ").plain
        # done: ready again, with its new last result
        table.show(parse_devices_l(LINES), PROFILES, set(), set(),
                   {"R58N99XYZ": last_result({"counts": {}, "started_at": "2026-01-15T10:00:00Z"})})
        await pilot.pause()
        assert str(table.get_cell("R58N99XYZ", "state")) == "ready"
        assert str(table.get_cell("R58N99XYZ", "hint")) == "last: nothing found, 2026-01-15 10:00"
        assert last_result({"counts": {"fail": 1}, "complete": False, "started_at": ""}) == "incomplete"


def _bench_picker(pilot):
    """The app's picker with one phone being audited and another with a last result."""
    from tui.screens.picker import last_result

    table = pilot.app.main.query_one(DeviceTable)
    last = {"R58N99XYZ": last_result({"counts": {"fail": 5, "warn": 2, "pass": 12},
                                      "started_at": "2026-01-15T09:00:41.000Z", "complete": True})}
    table.show(parse_devices_l(LINES), PROFILES, set(), {"R58N99XYZ"}, last)


class TestPickerSnapshots:
    """The real app's picker (no adb watcher), fed the same lines, at both sizes."""

    def test_bench_picker_80x24(self, snap_compare, tmp_path):
        from tui.app import create_app
        from tui.backend import Backend

        assert snap_compare(create_app(Backend(tmp_path / "h.sqlite3"), watch=False),
                            run_before=_bench_picker, terminal_size=(80, 24))

    def test_bench_picker_120x40(self, snap_compare, tmp_path):
        from tui.app import create_app
        from tui.backend import Backend

        assert snap_compare(create_app(Backend(tmp_path / "h.sqlite3"), watch=False),
                            run_before=_bench_picker, terminal_size=(120, 40))
