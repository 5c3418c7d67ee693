"""The catalogue against the built-in profiles' own data (no simulator, no adb).

Builds a DeviceSnapshot and APK reports straight from each profile's facts (packages,
permissions, app ops, accounts, SMS rows, settings, raw dumpsys files, and the classes
and strings its [packages.apk] declares), matched with the real knowledge base by the
real matcher, and pins the ncsc verdicts the project promises. The end-to-end version
through the simulator and adb lives with the audit runner's tests; this one points at
the rule or the profile fact when they disagree.
"""

from __future__ import annotations

import pytest

from adb.parsers.accessibility import parse_dumpsys_accessibility
from adb.parsers.device_policy import parse_device_policy
from adb.parsers.security import parse_getenforce
from adb.parsers.settings import parse_component_list
from simulator.profile import builtin_profiles, load_profile
from model.snapshot import (
    Account,
    DeviceInfo,
    DeviceSnapshot,
    FrozenMap,
    PackageInfo,
    SmsMessage,
    SmsSummary,
)
from checks import knowledge
from model.apk_report import ApkReport, PackageApks
from checks.dex import DexTables
from checks.matching import DexIndex, match_indicators, match_trackers
from model.audit_input import AuditInput
from model.findings import Status
from checks.registry import catalogue, evaluate_all

_BOXES = {"1": "inbox", "2": "sent", "3": "draft", "4": "outbox", "5": "failed", "6": "queued"}

EXPECTED = {
    "xiaomi-mi10t": {
        "ncsc.appgallery-redirect": Status.NOT_APPLICABLE, "ncsc.tencent-statistics": Status.FAIL,
        "ncsc.cloud-sms-registration": Status.FAIL, "ncsc.censorship-list": Status.FAIL,
        "ncsc.browser-analytics": Status.FAIL,
    },
    "huawei-p40": {
        "ncsc.appgallery-redirect": Status.FAIL, "ncsc.tencent-statistics": Status.PASS,
        "ncsc.cloud-sms-registration": Status.NOT_APPLICABLE, "ncsc.censorship-list": Status.PASS,
        "ncsc.browser-analytics": Status.PASS,
    },
    "oneplus-8t": {
        "ncsc.appgallery-redirect": Status.NOT_APPLICABLE, "ncsc.tencent-statistics": Status.PASS,
        "ncsc.cloud-sms-registration": Status.NOT_APPLICABLE, "ncsc.censorship-list": Status.PASS,
        "ncsc.browser-analytics": Status.PASS,
    },
    "pixel": {
        "ncsc.appgallery-redirect": Status.NOT_APPLICABLE, "ncsc.tencent-statistics": Status.PASS,
        "ncsc.cloud-sms-registration": Status.NOT_APPLICABLE, "ncsc.censorship-list": Status.PASS,
        "ncsc.browser-analytics": Status.PASS,
    },
}


def _builtin(prefix: str) -> str | None:
    """The built-in profile whose name is `prefix` or starts with `prefix-`."""
    names = [n for n, _ in builtin_profiles()]
    exact = [n for n in names if n == prefix]
    dirty = [n for n in names if n.startswith(prefix + "-") and "clean" not in n]
    clean = [n for n in names if n.startswith(prefix + "-")]
    return (exact or dirty or clean or [None])[0]


def _reply_text(profile, command: str) -> str | None:
    reply = profile.commands.get(command)
    return None if reply is None else reply.stdout.decode("utf-8", "replace")


def snapshot_from_profile(profile) -> DeviceSnapshot:
    props = FrozenMap(dict(profile.props))
    settings = {ns: FrozenMap(dict(v)) for ns, v in profile.settings.items()}
    secure = settings.get("secure", FrozenMap())
    packages = tuple(
        PackageInfo(
            name=p.name, path=p.path, split_paths=tuple(p.splits), installer=p.installer, uid=p.uid,
            version_code=p.version_code, version_name=p.version_name, system=p.system, enabled=p.enabled,
            installed=p.installed, install_permissions=tuple(p.granted),
            requested_permissions=tuple(dict.fromkeys(tuple(p.granted) + (p.apk.permissions if p.apk else ()))),
            appops=FrozenMap(dict(p.appops)),
        )
        for p in profile.packages
    )
    messages = []
    for table in profile.content:
        if table.uri.rstrip("/") in ("content://sms",):
            for row in table.rows:
                messages.append(SmsMessage(id=row.get("_id", ""), box=_BOXES.get(row.get("type", ""), row.get("type", "")),
                                           address=row.get("address"), date=row.get("date"), creator=row.get("creator")))
    a11y = list(parse_component_list(secure.get("enabled_accessibility_services")))
    raw_a11y = _reply_text(profile, "dumpsys accessibility")
    if raw_a11y:
        a11y += [c for c in parse_dumpsys_accessibility(raw_a11y) if c not in a11y]
    raw_dp = _reply_text(profile, "dumpsys device_policy")
    enforce = _reply_text(profile, "getenforce")
    default_sms = secure.get("sms_default_application") or None
    return DeviceSnapshot(
        device=DeviceInfo(adb_serial="profile:" + profile.name, security_patch=props.get("ro.build.version.security_patch")),
        props=props, packages=packages, settings=settings,
        accounts=tuple(Account(a.name, a.type) for a in profile.accounts),
        device_admins=parse_device_policy(raw_dp) if raw_dp else (),
        accessibility_services=tuple(a11y),
        notification_listeners=parse_component_list(secure.get("enabled_notification_listeners")),
        selinux=parse_getenforce(enforce) if enforce is not None else "Enforcing",
        sms=SmsSummary(readable=True, messages=tuple(messages)),
        default_sms_app=default_sms,
        collected_at=None,  # today: profiles with patch_age_days stay recent
    )


def apks_from_profile(profile, kb) -> dict[str, PackageApks]:
    out = {}
    for p in profile.packages:
        apk = p.apk
        classes = tuple(apk.classes) if apk else ()
        strings = tuple(apk.strings) if apk else ()
        index = DexIndex.build(DexTables(strings=sorted(set(strings) | {c.replace(".", "/") for c in classes}),
                                         type_names=list(classes), class_names=list(classes)))
        report = ApkReport(
            sha256="profile", package=p.name, label=(apk.label if apk and apk.label else p.label) or None,
            permissions=tuple(apk.permissions) if apk else (),
            trackers=tuple(match_trackers(index, kb.trackers, "classes.dex")),
            indicators=tuple(match_indicators(index, kb.indicators, "classes.dex")),
            dex_files=("classes.dex",), kb_version=kb.version,
        )
        out[p.name] = PackageApks(p.name, (report,))
    return out


def run_profile(name: str):
    kb = knowledge.load()
    profile = load_profile(name)
    inp = AuditInput(snapshot_from_profile(profile), apks_from_profile(profile, kb), kb)
    return {f.check: f for f in evaluate_all(inp)}


@pytest.mark.parametrize("prefix", sorted(EXPECTED))
def test_ncsc_verdicts_on_builtin_profile(prefix):
    name = _builtin(prefix)
    assert name is not None, f"no built-in profile named {prefix}*: {[n for n, _ in builtin_profiles()]}"
    findings = run_profile(name)
    assert list(findings) == [m.id for m in catalogue()]  # every check once
    got = {cid: findings[cid].status for cid in EXPECTED[prefix]}
    assert got == EXPECTED[prefix], {cid: findings[cid].summary for cid in EXPECTED[prefix]}
    for f in findings.values():
        assert not f.summary.startswith("internal error"), (f.check, f.summary)


def test_pixel_clean_nothing_fails_or_warns():
    names = [n for n, _ in builtin_profiles() if n.startswith("pixel") and "clean" in n]
    assert names, f"no pixel-clean profile among {[n for n, _ in builtin_profiles()]}"
    findings = run_profile(names[0])
    bad = {c: (f.status.value, f.summary) for c, f in findings.items() if f.status in (Status.FAIL, Status.WARN)}
    assert not bad


def test_xiaomi_evidence_is_reproducible():
    findings = run_profile(_builtin("xiaomi"))
    cens = findings["ncsc.censorship-list"]
    assert {"com.miui.securitycenter", "com.mi.globalbrowser", "com.android.providers.downloads.ui",
            "com.miui.player", "com.android.thememanager", "com.miui.global.packageinstaller",
            "com.miui.cleanmaster"} <= set(cens.subjects)
    assert "EEA" in cens.summary
    assert any("unzip -p" in e.command and "MiAdBlacklistConfig" in e.command for e in cens.evidence)
    sms = findings["ncsc.cloud-sms-registration"]
    assert "com.xiaomi.simactivate.service" in sms.subjects
    assert any(e.command == "adb shell dumpsys account" for e in sms.evidence)
    assert all("SMSBODY" not in e.detail for f in findings.values() for e in f.evidence)
    tencent = findings["ncsc.tencent-statistics"]
    assert {"com.miui.cleanmaster", "com.xiaomi.midrop", "com.miui.weather2"} <= set(tencent.subjects)


def test_huawei_store_lists_what_it_installed():
    f = run_profile(_builtin("huawei"))["ncsc.appgallery-redirect"]
    assert "com.huawei.appmarket" in f.subjects
    assert any("apps installed by com.huawei.appmarket" in e.detail and "org.telegram.messenger" in e.detail
               for e in f.evidence)
