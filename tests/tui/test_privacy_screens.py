"""Issue 18: no screen of the app shows a person's data the audit read but must not keep.

A simulated Xiaomi whose SMS correspondents' numbers and account names are marker
strings, plus one SMS row written by the vendor's cloud service to a (made-up)
registration number, is audited once for real (simulator -> adb -> androguard) in the
Textual app, after an earlier audit of it was replayed from a capture (the real
collection plan against the simulator's shell, `run_audit(capture_in=...)`, which
minimises the capture as any audit does) so the history has two audits to compare.
Every screen that shows phone data is visited in that one app run: the audit tab (every
panel), every finding's detail, the apps list and every app's detail, the history with
its diff, the export dialog, the command palette and the help. No marker appears in the
text of any of them (what the terminal shows, and the whole text of every panel and
table, scrolled off or not), while the vendor-number verdict still holds: the cloud-SMS
finding fails and shows the vendor row's number.
"""

from __future__ import annotations

import re
import shutil

import pytest

from tui_helpers import pick_phone, run_async, screen_text, wait_for

from adb.capture import save_capture
from audit.runner import run_audit
from simulator.profile import builtin_profiles_dir
from store import Store
from tests.evidence.replay import capture
from tui.app import create_app
from tui.backend import Backend
from tui.screens.app_detail import AppDetailScreen
from tui.screens.apps import AppsScreen
from tui.screens.export import ExportScreen
from tui.screens.finding import FindingScreen
from tui.screens.history import HistoryScreen

pytestmark = pytest.mark.adb

NUMBER_MARKER = "+3709917731"
NAME_MARKER = "zqx.person.marker@example.org"
XIAOMI_ID_MARKER = "9917731602"
#: made up: the real registration number is not public (adb/privacy.py)
VENDOR_NUMBER = "+8610690000123"
MARKERS = (NUMBER_MARKER, NAME_MARKER, XIAOMI_ID_MARKER)


def _marker_phone(tmp_path):
    """xiaomi-mi10t with marker numbers in every SMS address, marker account names, and
    one sent SMS written by com.miui.cloudservice to VENDOR_NUMBER."""
    dest = tmp_path / "xiaomi-markers"
    shutil.copytree(builtin_profiles_dir() / "xiaomi-mi10t", dest)
    toml = dest / "profile.toml"
    text = toml.read_text(encoding="utf-8")
    for old, new in (('name = "6021548837"', f'name = "{XIAOMI_ID_MARKER}"'),
                     ('name = "jonas.demo@example.com"', f'name = "{NAME_MARKER}"')):
        assert old in text
        text = text.replace(old, new)
    head, sms = text.split('uri = "content://sms"', 1)
    rows, tail = sms.split("\n]\n", 1)
    n = iter(range(100))
    rows, count = re.subn(r'address = "[^"]*"', lambda m: f'address = "{NUMBER_MARKER}{next(n)}"', rows)
    assert count == 8
    rows = rows.replace("rows = [", "rows = [\n  { _id = \"9\", thread_id = \"9\", address = "
                        f"\"{VENDOR_NUMBER}\", date = \"1632300000000\", date_sent = \"0\", type = \"2\", "
                        "read = \"1\", seen = \"1\", status = \"-1\", creator = \"com.miui.cloudservice\", "
                        "body = \"SMSBODY registration\" },", 1)
    toml.write_text(head + 'uri = "content://sms"' + rows + "\n]\n" + tail, encoding="utf-8")
    return dest


def _widget_text(screen) -> str:
    """The whole text of every Static and every DataTable cell on `screen` (also what is
    scrolled out of view)."""
    from textual.widgets import DataTable, Static

    parts = []
    for w in screen.query(Static):
        parts.append(str(w.render()))
    for table in screen.query(DataTable):
        for i in range(table.row_count):
            parts.extend(str(c) for c in table.get_row_at(i))
        parts.extend(str(c.label) for c in table.columns.values())
    return "\n".join(parts)


class Seen:
    """Everything the screens showed, by where it was seen."""

    def __init__(self, app) -> None:
        self.app = app
        self.texts: dict[str, str] = {}

    def look(self, where: str) -> str:
        text = screen_text(self.app) + "\n" + _widget_text(self.app.screen)
        self.texts[where] = text
        return text

    def assert_no_marker(self) -> None:
        assert len(self.texts) > 10
        for where, text in self.texts.items():
            for m in MARKERS:
                assert m not in text, (where, m)


async def _earlier_audit(folder, db, tmp_path) -> int:
    """An earlier audit of the marker phone in the history `db`, replayed from a capture
    of it (no APK is read: that audit is incomplete, which the history shows as such)."""
    saved = tmp_path / "earlier-capture"
    save_capture(capture(str(folder)), saved)
    store = await Store.open(db)
    try:
        return (await run_audit(capture_in=saved, store=store)).audit_id
    finally:
        await store.close()


async def _finished(app, pilot, n):
    await wait_for(pilot, lambda: len(app.main.audit_panes()) >= n
                   and app.main.audit_panes()[n - 1].data is not None)
    await pilot.pause()
    return app.main.audit_panes()[n - 1]


@pytest.mark.timeout(900)  # a real audit and some forty screens, on a shared machine
@run_async
async def test_no_marker_on_any_screen_and_the_vendor_verdict_holds(sim_phone, db, tmp_path):
    folder = _marker_phone(tmp_path)
    # the test can fail: the phone really serves the markers
    served = (folder / "profile.toml").read_text(encoding="utf-8")
    assert all(m in served for m in MARKERS) and VENDOR_NUMBER in served
    earlier = await _earlier_audit(folder, db, tmp_path)
    phone = sim_phone(folder)
    app = create_app(Backend(db))
    seen = Seen(app)
    async with app.run_test(size=(160, 50)) as pilot:
        seen.look("phones")
        await pick_phone(app, pilot, phone.serial)
        pane = await _finished(app, pilot, 1)
        seen.look("audit tab")
        # the vendor-number verdict, from the data the app holds
        cloud = pane.data.finding("ncsc.cloud-sms-registration")
        assert cloud["status"] == "fail"
        details = [e["detail"] for e in cloud["evidence"]]
        assert f"sent message #9 to {VENDOR_NUMBER} on 2021-09-22 08:40 UTC, written by " \
               "com.miui.cloudservice" in details, details
        # counted by hand from the profile: 5 inbox, 3 sent, and the vendor's one sent
        assert "inbox: 5, sent: 4" in details
        assert "1 xiaomi account(s) signed in (type com.xiaomi)" in details

        # every finding's detail screen
        checks = [p.check for p in pane.query("RiskPanel") if not p.has_class("attention")]
        assert len(checks) >= 20
        for check in checks:
            panel = next(p for p in pane.query("RiskPanel")
                         if p.check == check and not p.has_class("attention"))
            panel.focus()
            await pilot.pause()
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, FindingScreen), timeout=30)
            assert app.screen.check == check
            text = seen.look(f"finding {check}")
            if check == "ncsc.cloud-sms-registration":
                assert VENDOR_NUMBER in text
            await pilot.press("escape")

        # the apps list and every app's detail
        await pilot.press("a")
        assert isinstance(app.screen, AppsScreen)
        seen.look("apps")
        table = app.screen.query_one("#apps")
        packages = [a["package"] for a in pane.data.report["apps"]]
        assert table.row_count == len(packages) > 10
        # the detail of every app a finding names, the SMS writers and the vendor SMS
        # services (the apps whose detail could carry SMS or account data), and the
        # first rows of the list; all 200-odd would take minutes on a shared machine
        wanted = {s for f in pane.data.report["findings"] for s in f["subjects"]}
        wanted |= {"com.android.mms", "com.miui.cloudservice", "com.xiaomi.simactivate.service",
                   "com.xiaomi.account"}
        rows = sorted({table.get_row_index(p) for p in wanted if p in packages} | set(range(5)))
        assert len(rows) >= 10
        for row in rows:
            table.move_cursor(row=row)
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, AppDetailScreen), timeout=30)
            seen.look(f"app {app.screen.package}")
            await pilot.press("escape")
        await pilot.press("escape")

        # the export dialog (and what it writes)
        await pilot.press("e")
        assert isinstance(app.screen, ExportScreen)
        seen.look("export dialog")
        out = tmp_path / "out"
        app.screen.query_one("#export-folder").value = str(out)
        await pilot.click("#export-go")
        await wait_for(pilot, lambda: app.screen is app.main, timeout=60)
        written = list(out.iterdir())
        assert len(written) == 2
        for path in written:
            data = path.read_text(encoding="utf-8")
            assert VENDOR_NUMBER in data
            assert not [m for m in MARKERS if m in data], path

        # the history lists both audits of the phone and its diff compares them
        await pilot.press("h")
        assert isinstance(app.screen, HistoryScreen)
        await wait_for(pilot, lambda: app.screen.query_one("#audits").row_count == 2, timeout=30)
        await wait_for(pilot, lambda: "compared with" in str(app.screen.query_one("#diff").render()),
                       timeout=30)
        assert pane.data.audit_id > earlier
        assert f"#{pane.data.audit_id} compared with #{earlier}" in seen.look("history and diff")
        await pilot.press("escape")

        # the command palette and the help
        await pilot.press("ctrl+p")
        await pilot.pause()
        seen.look("palette")
        await pilot.press("escape")
        await pilot.press("question_mark")
        await pilot.pause()
        seen.look("help")
        await pilot.press("escape")
        await pilot.press("q")
    seen.assert_no_marker()
