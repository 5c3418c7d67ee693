"""Unit tests of the UI's plain parts: progress coalescing, the audit view model, the
picker's table with hostile device text, markup-free helpers."""

from __future__ import annotations

from adb.connection import parse_devices_l
from adb.progress import Progress
from tui.messages import AuditProgress
from tui.screens.audit import ProgressRelay
from tui.viewmodel import AuditData
from tui.widgets.text import safe


class _Sink:
    key = "audit-1"

    def __init__(self) -> None:
        self.posted: list[AuditProgress] = []

    def post_message(self, message) -> None:
        self.posted.append(message)


def test_progress_is_coalesced_not_one_message_per_chunk():
    sink = _Sink()
    relay = ProgressRelay(sink)
    total = 40
    for n in range(total):
        for chunk in range(1, 1601):  # 100 MiB in 64 KiB chunks per file
            relay(Progress("pull", n, total, (n * 1600 + chunk) * 65536, 0, detail=f"/a/{n}.apk"))
    relay(Progress("pull", total, total, total * 1600 * 65536))
    assert len(sink.posted) < 50  # 64,001 events in, a few messages out
    last = sink.posted[-1]
    assert last.stages["pull"].done == total  # the final state is never dropped
    # queued messages of one audit replace each other; another audit's do not
    assert last.can_replace(sink.posted[0])
    assert not last.can_replace(AuditProgress("audit-2", {}))


def test_new_stage_is_always_posted():
    sink = _Sink()
    relay = ProgressRelay(sink)
    for stage in ("connect", "collect", "hash", "pull", "inspect", "evaluate"):
        relay(Progress(stage, 0, 10))
    assert [list(m.stages)[-1] for m in sink.posted] == [
        "connect", "collect", "hash", "pull", "inspect", "evaluate"]


def test_audit_data_round_trip(fixture_data):
    again = AuditData.from_json(fixture_data.to_json())
    assert again.report == fixture_data.report
    assert again.apks == fixture_data.apks
    assert again.packages == fixture_data.packages
    rows = {r.package: r for r in again.app_rows()}
    browser = rows["com.mi.globalbrowser"]
    assert browser.system and "Google Analytics" in browser.trackers
    assert fixture_data.counts() == {"fail": 5, "warn": 2, "inconclusive": 0, "pass": 12,
                                     "not_applicable": 1}


def test_hostile_device_text_stays_literal():
    entries = parse_devices_l("[/x]\x1b[2J  unauthorized usb:1-1 model:[@click=app.quit]x[/]\n")
    assert entries and entries[0].state == "unauthorized"
    text = safe(entries[0].serial)
    assert text.plain == "[/x]\\x1b[2J" and not text.spans


def test_attention_lists_what_failed_worst_first(fixture_data):
    import copy

    data = AuditData(report=copy.deepcopy(fixture_data.report))
    by_check = {f["check"]: f for f in data.report["findings"]}
    # a critical stalkerware fail, a high-severity inconclusive check
    by_check["apps.stalkerware"].update(status="fail", severity="critical")
    by_check["os.selinux"].update(status="inconclusive", severity="high")
    found = data.attention()
    statuses = [f["status"] for f in found]
    assert statuses == sorted(statuses, key=["fail", "warn", "inconclusive"].index)
    assert found[0]["check"] == "apps.stalkerware"  # the most severe failure first
    assert found[-1]["check"] == "os.selinux"
    assert {f["check"] for f in found} == {c for c, f in by_check.items()
                                          if f["status"] in ("fail", "warn", "inconclusive")}
    # a phone where nothing failed: nothing listed
    for f in data.report["findings"]:
        f["status"] = "pass"
    assert data.attention() == []


def test_badge_colour_does_not_spread_to_what_follows():
    from tui.widgets.text import STATUS_STYLE, badge

    head = badge("fail", "FAIL")
    head.append(" Known stalkerware", style="bold")
    head.append("  summary", style="dim")
    # only the badge's own cells carry its background
    spans = [(s.start, s.end, str(s.style)) for s in head.spans if "on #" in str(s.style)]
    assert spans == [(0, 8, STATUS_STYLE["fail"])]
    assert not head.style


def test_a_table_cell_of_phone_text_is_cut_with_the_count():
    from tui.widgets.text import cell

    # written by hand: the escapes shown as 12 characters, 108 x kept (120 in all), the other
    # 1,048,468 characters counted
    text = cell("\x1b]2;t\x07" + "x" * (1 << 20))
    assert text.plain == "\\x1b]2;t\\x07" + "x" * 108 + "… (1048468 more chars)"
    assert cell("short", style="bold").plain == "short"
