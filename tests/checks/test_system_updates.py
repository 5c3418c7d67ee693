"""os.system-updates on hand-built package lists: every status it can give."""

from __future__ import annotations

from checks.knowledge.system_apps import load
from checks.posture import system_updates
from model.findings import Severity, Status


def run(f, *packages):
    return system_updates.evaluate(f.inp(f.snap(packages)))


def test_enabled_updater_passes(f):
    r = run(f, f.pkg("com.android.updater", system=True), f.pkg("com.example.app"))
    assert r.status is Status.PASS
    assert "com.android.updater" in r.summary
    assert [e.detail for e in r.evidence] == [
        "com.android.updater (Xiaomi, MIUI / HyperOS system updater): enabled"]


def test_disabled_updater_fails_high(f):
    r = run(f, f.pkg("com.wssyncmldm", system=True, enabled=False))
    assert (r.status, r.severity) == (Status.FAIL, Severity.HIGH)
    assert r.subjects == ("com.wssyncmldm",)
    assert "no longer installs security updates" in r.summary
    assert r.evidence[0].command == "adb shell pm list packages -d com.wssyncmldm"


def test_updater_removed_for_the_user_fails(f):
    r = run(f, f.pkg("com.huawei.android.hwouc", system=True, installed=False))
    assert (r.status, r.severity) == (Status.FAIL, Severity.HIGH)
    assert "removed for the user" in r.evidence[0].detail
    assert r.evidence[0].command == "adb shell dumpsys package com.huawei.android.hwouc"


def test_only_google_play_services_off_is_medium_when_the_vendor_updater_is_on(f):
    r = run(f, f.pkg("com.android.updater", system=True),
            f.pkg("com.google.android.gms", system=True, enabled=False))
    assert (r.status, r.severity) == (Status.FAIL, Severity.MEDIUM)
    assert "Google Play system updates" in r.summary and "com.android.updater" in r.summary


def test_google_play_services_off_without_another_updater_is_high(f):
    r = run(f, f.pkg("com.google.android.gms", system=True, enabled=False))
    assert (r.status, r.severity) == (Status.FAIL, Severity.HIGH)


def test_security_agent_off_fails_medium(f):
    r = run(f, f.pkg("com.wssyncmldm", system=True),
            f.pkg("com.samsung.android.securitylogagent", system=True, enabled=False))
    assert (r.status, r.severity) == (Status.FAIL, Severity.MEDIUM)
    assert r.subjects == ("com.samsung.android.securitylogagent",)


def test_updater_and_agent_off_names_both(f):
    r = run(f, f.pkg("com.wssyncmldm", system=True, enabled=False),
            f.pkg("com.sec.android.soagent", system=True, enabled=False))
    assert (r.status, r.severity) == (Status.FAIL, Severity.HIGH)
    assert "com.sec.android.soagent" in r.summary
    assert set(r.subjects) == {"com.wssyncmldm", "com.sec.android.soagent"}


def test_no_known_updater_is_not_applicable_and_says_so(f):
    r = run(f, f.pkg("com.example.app"), f.pkg("android", system=True))
    assert r.status is Status.NOT_APPLICABLE
    assert "cannot tell" in r.summary


def test_knowledge_names_the_packages_the_issue_and_mvt_name():
    table = load()
    for name in ("com.wssyncmldm", "com.android.updater", "com.huawei.android.hwouc",
                 "com.sec.android.soagent", "com.samsung.android.securitylogagent"):
        assert name in table, name
    assert {a.role for a in table.values()} == {"updater", "security-agent"}
    assert all(a.source for a in table.values())
