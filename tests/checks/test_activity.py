"""checks.activity: present and active / dormant / unknown, kept apart from the verdict.

One in-process capture of the xiaomi phone (tests/evidence/replay.py), replayed with one
answer changed. The expected numbers are the xiaomi profile's [activity] table added up
by hand: Mi Browser's uid 10144 moved 48,312,004 + 2,100,000 = 50,412,004 bytes in and
3,204,551 + 410,000 = 3,614,551 out; its last bucket with traffic starts 1606809600
(2020-12-01 08:00 UTC).
"""

from __future__ import annotations

import pytest

from adb.parsers import commands as C
from adb.parsers.build_snapshot import build_snapshot
from checks import knowledge
from checks.activity import ACTIVE, DORMANT, UNKNOWN, annotate, package_activity
from model.audit_input import AuditInput
from model.findings import Finding, Severity, Status
from tests.evidence.replay import capture, verdicts, with_output

NETSTATS = C.line(C.DUMPSYS_NETSTATS)
USAGESTATS = C.line(C.DUMPSYS_USAGESTATS)


@pytest.fixture(scope="module")
def raw():
    return capture("xiaomi-mi10t")


@pytest.fixture(scope="module")
def kb():
    return knowledge.load()


@pytest.fixture(scope="module")
def statuses(raw, kb):
    """check id -> status with every answer as the phone gave it."""
    return {k: f.status for k, f in verdicts(raw, kb).items()}


def _act(raw, name):
    snap = build_snapshot(raw)
    return package_activity(snap, snap.package(name))


def test_the_default_browser_is_present_and_active_with_its_bytes_and_time(raw):
    a = _act(raw, "com.mi.globalbrowser")
    assert a.state == ACTIVE and a.words == "present and active"
    assert (a.rx_bytes, a.tx_bytes) == (50_412_004, 3_614_551)
    assert a.last_network == "2020-12-01T08:00:00Z"
    assert a.last_used == "2020-12-01 09:14:52"
    assert a.roles == ("default browser",) and a.standby_bucket == "active"
    assert "50.4 MB" in a.detail and "3.6 MB" in a.detail and "default browser" in a.detail
    assert "adb shell dumpsys netstats detail" in a.commands


def test_an_app_with_no_traffic_and_no_use_is_present_and_dormant(raw):
    a = _act(raw, "com.miui.weather2")
    assert a.state == DORMANT and a.words == "present and dormant"
    assert (a.rx_bytes, a.tx_bytes, a.last_used, a.missing) == (0, 0, None, ())
    assert a.standby_bucket == "rare"


def test_the_sim_activation_service_sent_sms(raw):
    a = _act(raw, "com.xiaomi.simactivate.service")
    assert a.state == ACTIVE and a.sms_last_sent is not None
    assert "+2h13m ago" in a.detail  # 7980 s in the profile = 2 h 13 min


@pytest.mark.parametrize("change", [
    dict(stdout=b"Permission Denial: can't dump netstats from pid=1234, uid=2000\n", exit_code=0),
    dict(drop=True),
    dict(error="timed out after 120 s", stdout=b""),
    dict(stdout=b"", exit_code=0),
], ids=["refused", "missing", "timed-out", "empty"])
def test_unread_netstats_is_never_no_traffic(raw, kb, statuses, change):
    spoiled = with_output(raw, NETSTATS, **change)
    a = _act(spoiled, "com.miui.weather2")
    assert a.state == UNKNOWN and a.words == "present; activity unknown"
    assert [m["fact"] for m in a.missing] == ["dumpsys netstats"]
    assert a.rx_bytes is None and "no network traffic" not in a.detail
    # the verdicts stand on presence: the same statuses as with netstats read
    assert {k: f.status for k, f in verdicts(spoiled, kb).items()} == statuses


def test_traffic_seen_in_a_cut_answer_is_still_traffic(raw):
    text = raw.get(NETSTATS).stdout
    # cut right after Mi Browser's rows (uid 10144), before the SIM service's (10152)
    cut_at = text.index(b"uid=10152")
    spoiled = with_output(raw, NETSTATS, stdout=text[:cut_at], truncated=True)
    assert _act(spoiled, "com.mi.globalbrowser").state == ACTIVE
    weather = _act(spoiled, "com.miui.weather2")
    assert weather.state == UNKNOWN and weather.missing[0]["state"] == "truncated"


def test_unread_usagestats_leaves_dormant_unknown(raw):
    spoiled = with_output(raw, USAGESTATS, stdout=b"Can't find service: usagestats\n", exit_code=0)
    a = _act(spoiled, "com.miui.weather2")
    assert a.state == UNKNOWN and [m["fact"] for m in a.missing] == ["dumpsys usagestats"]


def test_annotate_changes_the_summary_and_activity_never_the_status(raw, kb):
    snap = build_snapshot(raw)
    inp = AuditInput(snap, {}, kb)
    base = Finding("ncsc.tencent-statistics", "t", "ncsc", Status.FAIL, Severity.HIGH, "Present.",
                   subjects=("com.mi.globalbrowser", "com.miui.weather2"))
    got = annotate(base, inp)
    assert (got.status, got.severity, got.subjects) == (base.status, base.severity, base.subjects)
    assert [a.state for a in got.activity] == [ACTIVE, DORMANT]
    assert got.summary.startswith("Present. Activity (apart from the verdict): com.mi.globalbrowser: present and active")
    assert Finding.from_dict(got.to_dict()) == got
    # a pass names no risk present: no activity line
    assert annotate(Finding("ncsc.tencent-statistics", "t", "ncsc", Status.PASS, Severity.INFO, "x",
                            subjects=("com.mi.globalbrowser",)), inp).activity == ()
    # a check outside the NCSC set and the trackers: untouched
    assert annotate(Finding("os.selinux", "t", "os", Status.FAIL, Severity.HIGH, "x",
                            subjects=("com.mi.globalbrowser",)), inp).activity == ()


def test_an_android_without_cmd_role_still_gives_activity_without_roles(raw):
    spoiled = raw
    for q in C.ROLE_QUERIES:
        spoiled = with_output(spoiled, C.line(q), stdout=b"", stderr=b"cmd: Can't find service: role\n", exit_code=20)
    snap = build_snapshot(spoiled)
    assert not snap.facts["roles"].read
    a = package_activity(snap, snap.package("com.mi.globalbrowser"))
    # roles are extra words, not a source of "active" or "dormant": still active, no role
    assert a.state == ACTIVE and a.roles == () and "default browser" not in a.detail
    assert _act(spoiled, "com.miui.weather2").state == DORMANT


def test_a_finding_naming_fifty_thousand_apps_keeps_fifty_activity_lines(raw, kb):
    from dataclasses import replace as _replace

    from model.snapshot import PackageInfo

    snap = build_snapshot(raw)
    many = tuple(PackageInfo(name=f"com.flood.app{i}", uid=20000 + i % 7) for i in range(50_000))
    flooded = _replace(snap, packages=snap.packages + many)
    base = Finding("apps.trackers", "t", "apps", Status.WARN, Severity.LOW, "Trackers.",
                   subjects=tuple(p.name for p in many))
    got = annotate(base, AuditInput(flooded, {}, kb))
    assert len(got.activity) == 50
    assert "49950 more not shown" in got.summary
    # 7 uids among 50,000 packages: each shares its uid, and says so (the list is cut at 20)
    assert len(got.activity[0].shares_uid_with) == 20
