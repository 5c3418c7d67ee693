"""The apps.* checks on hand-built inputs: every status each one can give."""

from __future__ import annotations

from model.snapshot import DeviceAdmin
from checks.apps import (
    accessibility,
    device_admin,
    notification_listeners,
    sideloaded,
    sms_access,
    stalkerware,
    trackers,
    unknown_sources,
)
from model.findings import Severity, Status
from model.apk_report import Hit

INSTALL = "android.permission.INSTALL_PACKAGES"
ALLOW = {"REQUEST_INSTALL_PACKAGES": "allow"}


def _cmds(finding) -> list[str]:
    return [e.command for e in finding.evidence]


# --- apps.unknown-sources ------------------------------------------------------------------

def test_unknown_sources_fails_for_user_app(f):
    pkgs = [f.pkg("com.android.chrome", system=True, appops=ALLOW), f.pkg("com.evil.dropper", appops=ALLOW)]
    r = unknown_sources.evaluate(f.inp(f.snap(pkgs)))
    assert r.status is Status.FAIL
    assert r.subjects == ("com.evil.dropper", "com.android.chrome")
    assert "adb shell appops get com.evil.dropper REQUEST_INSTALL_PACKAGES" in _cmds(r)


def test_unknown_sources_warns_for_preinstalled_non_store(f):
    r = unknown_sources.evaluate(f.inp(f.snap([f.pkg("com.miui.securitycenter", system=True, granted=[INSTALL])])))
    assert r.status is Status.WARN and r.subjects == ("com.miui.securitycenter",)
    assert "adb shell dumpsys package com.miui.securitycenter" in _cmds(r)


def test_unknown_sources_third_party_store_fails(f):
    r = unknown_sources.evaluate(f.inp(f.snap([f.pkg("cm.aptoide.pt", appops=ALLOW)])))
    assert r.status is Status.FAIL and "third-party store" in r.evidence[0].detail


def test_unknown_sources_passes_for_platform_and_known_stores(f):
    pkgs = [
        f.pkg("com.android.vending", system=True, granted=[INSTALL]),
        f.pkg("com.huawei.appmarket", system=True, granted=[INSTALL]),
        f.pkg("com.google.android.packageinstaller", system=True, granted=[INSTALL]),
        f.pkg("com.android.shell", system=True, granted=[INSTALL]),
        f.pkg("com.example.app", appops={"REQUEST_INSTALL_PACKAGES": "default"}),
        f.pkg("com.example.off", appops=ALLOW, enabled=False),
    ]
    assert unknown_sources.evaluate(f.inp(f.snap(pkgs))).status is Status.PASS


# --- apps.sideloaded -------------------------------------------------------------------------

def test_sideloaded_lists_every_way_in(f):
    pkgs = [
        f.pkg("com.a.adb"),
        f.pkg("com.b.shell", installer="com.android.shell"),
        f.pkg("com.c.browser", installer="com.android.chrome"),
        f.pkg("com.d.apk", installer="com.google.android.packageinstaller"),
        f.pkg("com.e.aptoide", installer="cm.aptoide.pt"),
        f.pkg("com.f.unknown", installer="com.random.app"),
        f.pkg("com.g.play", installer="com.android.vending"),
        f.pkg("com.h.system", system=True),
        f.pkg("com.android.vending", system=True),
    ]
    r = sideloaded.evaluate(f.inp(f.snap(pkgs)))
    assert r.status is Status.WARN
    assert r.subjects == ("com.a.adb", "com.b.shell", "com.c.browser", "com.d.apk", "com.e.aptoide", "com.f.unknown")
    assert ("adb shell dumpsys package com.a.adb | grep -E 'installerPackageName|initiatingPackageName|User '"
            in _cmds(r))


def test_sideloaded_cross_checks_the_claimed_installer(f):
    """`adb install -i com.android.vending` claims the Play Store; the initiating package
    (Android 11+) says the shell asked. A store that is not on the phone installed nothing."""
    pkgs = [
        f.pkg("com.android.vending", system=True),
        f.pkg("com.claims.play", installer="com.android.vending", initiating_installer="com.android.shell"),
        f.pkg("com.real.play", installer="com.android.vending", initiating_installer="com.android.vending"),
        f.pkg("com.ghost.store", installer="com.huawei.appmarket"),
    ]
    r = sideloaded.evaluate(f.inp(f.snap(pkgs)))
    assert r.status is Status.WARN
    assert r.subjects == ("com.claims.play", "com.ghost.store")
    assert "initiatingPackageName" in r.evidence[0].detail and "adb shell" in r.evidence[0].detail
    assert "com.huawei.appmarket is not installed on this phone" in r.evidence[1].detail


def test_sideloaded_looks_at_every_user(f):
    pkgs = [f.pkg("com.android.vending", system=True),
            f.pkg("com.work.only", installed=False, users=(10,)),
            f.pkg("com.gone", installed=False)]
    r = sideloaded.evaluate(f.inp(f.snap(pkgs)))
    assert r.status is Status.WARN and r.subjects == ("com.work.only",)
    assert "installed for user 10 only" in r.evidence[0].detail


def test_sideloaded_passes_and_inconclusive(f):
    pkgs = [f.pkg("com.g.play", installer="com.android.vending"), f.pkg("com.h.system", system=True),
            f.pkg("com.android.vending", system=True)]
    assert sideloaded.evaluate(f.inp(f.snap(pkgs))).status is Status.PASS
    assert sideloaded.evaluate(f.inp(f.snap(pkgs, complete=False))).status is Status.INCONCLUSIVE


# --- apps.stalkerware --------------------------------------------------------------------------

def test_stalkerware_by_package_name(f):
    r = stalkerware.evaluate(f.inp(f.snap([f.pkg("com.thetruth")]), inspect_rest=False))
    assert r.status is Status.FAIL and r.severity is Severity.CRITICAL and r.subjects == ("com.thetruth",)
    assert "TheTruthSpy" in r.evidence[0].detail


def test_stalkerware_running_is_reported_as_running(f):
    from model.snapshot import Process

    procs = (Process("root", 1, 0, "init"), Process("u0_a211", 5012, 728, "com.thetruth:remote"),
             Process("u0_a90", 5100, 728, "com.thetruthother"))
    r = stalkerware.evaluate(f.inp(f.snap([f.pkg("com.thetruth")], processes=procs)))
    assert r.status is Status.FAIL and r.severity is Severity.CRITICAL
    assert "installed and running" in r.summary and "worse than installed" in r.summary
    ps = [e for e in r.evidence if e.source == "ps"]
    assert len(ps) == 1 and "u0_a211 5012 728 com.thetruth:remote" in ps[0].detail
    assert ps[0].command == "adb shell ps -A -o USER,PID,PPID,NAME | grep -F com.thetruth"
    assert not r.missing


def test_stalkerware_not_running_and_running_unknown(f):
    from model.snapshot import Process

    # read, and no process of it: installed, not running (a prefix alone is not its process)
    r = stalkerware.evaluate(f.inp(f.snap([f.pkg("com.thetruth")],
                                          processes=(Process("u0_a90", 5100, 728, "com.thetruthother"),))))
    assert r.status is Status.FAIL and "running" not in r.summary.split(".")[0]
    assert "No process of it was running" in r.summary and not r.missing
    # not read: the FAIL for installed stands, running is unknown and the missing fact named
    r = stalkerware.evaluate(f.inp(f.snap([f.pkg("com.thetruth")])))
    assert r.status is Status.FAIL and r.severity is Severity.CRITICAL
    assert "Whether it is running is unknown" in r.summary
    assert [m["fact"] for m in r.missing] == ["ps"]


def test_stalkerware_by_certificate(f):
    p = f.pkg("com.innocent.name")
    r = stalkerware.evaluate(f.inp(f.snap([p]), [f.apks(p.name, cert_sha1=[f.STALKER_CERT.lower()])]))
    assert r.status is Status.FAIL and r.subjects == ("com.innocent.name",)
    assert f.STALKER_CERT in r.evidence[0].detail
    assert "keytool -printcert -jarfile base.apk" in r.evidence[0].command


def test_stalkerware_pass_and_inconclusive(f):
    p = f.pkg("com.example.app")
    assert stalkerware.evaluate(f.inp(f.snap([p]))).status is Status.PASS
    r = stalkerware.evaluate(f.inp(f.snap([p]), inspect_rest=False))
    assert r.status is Status.INCONCLUSIVE and r.subjects == ("com.example.app",)


def _with(apks, **fields):
    from dataclasses import replace
    return replace(apks, reports=(replace(apks.reports[0], **fields),))


def test_stalkerware_rebuilt_by_c2_host_in_the_code(f):
    p = f.pkg("com.newcustomer.helper", path="/data/app/x/base.apk")
    hit = Hit("stalkerware.reptilicus", "Reptilicus", "host", "https://cabinet.kfnm.ru/api", "assets/p.apk!/classes.dex",
              "command-and-control host cabinet.kfnm.ru")
    r = stalkerware.evaluate(f.inp(f.snap([p]), [_with(f.apks(p.name), stalkerware=(hit,))]))
    assert r.status is Status.FAIL and r.subjects == ("com.newcustomer.helper",) and "Reptilicus" in r.summary
    ev = r.evidence[0]
    assert ev.source == "assets/p.apk!/classes.dex of com.newcustomer.helper (/data/app/x/base.apk)"
    assert ev.detail == ("com.newcustomer.helper: code holds the command-and-control host cabinet.kfnm.ru "
                         "of Reptilicus: https://cabinet.kfnm.ru/api")
    assert ev.command == ("adb pull /data/app/x/base.apk && unzip -p base.apk assets/p.apk > nested.zip && "
                          "unzip -p nested.zip classes.dex | strings | grep -F cabinet.kfnm.ru")


def test_stalkerware_rebuilt_by_certificate_subject(f):
    p = f.pkg("com.other.sync")
    hit = Hit("stalkerware.kidsshield", "KidsShield", "certificate-subject", "Kids Safety 03-11-2024 09:41:07",
              "signing certificate", "subject common name matching ^Kids")
    r = stalkerware.evaluate(f.inp(f.snap([p]), [_with(f.apks(p.name), stalkerware=(hit,))]))
    assert r.status is Status.FAIL and "KidsShield" in r.summary
    assert "signed by 'Kids Safety 03-11-2024 09:41:07'" in r.evidence[0].detail
    assert "keytool -printcert" in r.evidence[0].command


def test_code_not_read_makes_code_checks_inconclusive_not_clean(f):
    """An app whose assets/x.dex could not be read: stalkerware and trackers cannot
    pass on it; the reason names the code that was not read."""
    p = f.pkg("com.example.app")
    apks = _with(f.apks(p.name), unread_code=("assets/x.dex: unknown DEX version 099 (not one Android loads)",))
    for check in (stalkerware, trackers):
        r = check.evaluate(f.inp(f.snap([p]), [apks]))
        assert r.status is Status.INCONCLUSIVE, (check.META.id, r)
        assert any("assets/x.dex: unknown DEX version 099" in e.detail for e in r.evidence), r.evidence


# --- apps.accessibility ------------------------------------------------------------------------

def test_accessibility(f):
    sys_svc = "com.google.android.marvin.talkback/.TalkBackService"
    bad = "com.spy.app/com.spy.app.Watcher"
    pkgs = [f.pkg("com.google.android.marvin.talkback", system=True), f.pkg("com.spy.app")]
    r = accessibility.evaluate(f.inp(f.snap(pkgs, accessibility_services=(sys_svc, bad))))
    assert r.status is Status.FAIL and r.subjects == ("com.spy.app", "com.google.android.marvin.talkback")
    assert r.evidence[0].command == "adb shell settings get secure enabled_accessibility_services"
    r = accessibility.evaluate(f.inp(f.snap(pkgs, accessibility_services=(sys_svc,))))
    assert r.status is Status.PASS and r.subjects == ("com.google.android.marvin.talkback",)
    assert accessibility.evaluate(f.inp(f.snap(pkgs))).status is Status.PASS
    # read from the raw setting when the snapshot list is empty
    raw = f.snap(pkgs, settings={"secure": {"enabled_accessibility_services": bad}})
    assert accessibility.evaluate(f.inp(raw)).status is Status.FAIL
    assert accessibility.evaluate(f.inp(f.snap(pkgs, settings={}, complete=False))).status is Status.INCONCLUSIVE


def test_accessibility_and_listeners_unreadable_settings_are_not_a_pass(f):
    # a phone that refuses `settings list secure` in a complete audit: "nothing is on"
    # would be a pass the phone never gave (the OnePlus stalkerware then looked fixed)
    pkgs = [f.pkg("com.spy.app")]
    denied = f.snap(pkgs, settings={"global": {}, "system": {}},
                    problems=(f.Problem("settings list secure", "could not be read"),))
    for check in (accessibility, notification_listeners):
        r = check.evaluate(f.inp(denied))
        assert r.status is Status.INCONCLUSIVE, check.META.id
        assert "secure settings" in r.summary and r.evidence
    # what dumpsys accessibility listed is still judged without the setting
    listed = f.snap(pkgs, settings={"global": {}, "system": {}},
                    accessibility_services=("com.spy.app/.Watcher",))
    assert accessibility.evaluate(f.inp(listed)).status is Status.FAIL
    # the setting read and empty: a pass
    assert accessibility.evaluate(f.inp(f.snap(pkgs))).status is Status.PASS
    assert notification_listeners.evaluate(f.inp(f.snap(pkgs))).status is Status.PASS


# --- apps.device-admin -----------------------------------------------------------------------------

def test_device_admin(f):
    pkgs = [f.pkg("com.google.android.gms", system=True), f.pkg("com.spy.app")]
    own = DeviceAdmin("com.google.android.gms/.mdm.receivers.MdmDeviceAdminReceiver", "com.google.android.gms")
    spy = DeviceAdmin("com.spy.app/.Admin", "com.spy.app")
    r = device_admin.evaluate(f.inp(f.snap(pkgs, device_admins=(own, spy))))
    assert r.status is Status.FAIL and r.subjects == ("com.spy.app", "com.google.android.gms")
    assert r.evidence[0].command == "adb shell dumpsys device_policy"
    assert device_admin.evaluate(f.inp(f.snap(pkgs, device_admins=(own,)))).status is Status.PASS
    assert device_admin.evaluate(f.inp(f.snap(pkgs))).status is Status.PASS
    broken = f.snap(pkgs, problems=(f.Problem("dumpsys device_policy", "timed out"),))
    assert device_admin.evaluate(f.inp(broken)).status is Status.INCONCLUSIVE


# --- apps.notification-listeners ----------------------------------------------------------------

def test_notification_listeners(f):
    pkgs = [f.pkg("com.android.systemui", system=True), f.pkg("com.watch.companion")]
    own = "com.android.systemui/.Listener"
    other = "com.watch.companion/.Listener"
    r = notification_listeners.evaluate(f.inp(f.snap(pkgs, notification_listeners=(own, other))))
    assert r.status is Status.WARN and r.subjects == ("com.watch.companion", "com.android.systemui")
    r = notification_listeners.evaluate(f.inp(f.snap(pkgs, notification_listeners=(own,))))
    assert r.status is Status.PASS
    assert notification_listeners.evaluate(f.inp(f.snap(pkgs))).status is Status.PASS
    raw = f.snap(pkgs, settings={"secure": {"enabled_notification_listeners": f"{own}:{other}"}})
    assert notification_listeners.evaluate(f.inp(raw)).status is Status.WARN
    assert notification_listeners.evaluate(f.inp(f.snap(pkgs, settings={}, complete=False))).status is Status.INCONCLUSIVE


# --- apps.trackers -----------------------------------------------------------------------------------

def test_trackers_inventory_warns_and_separates_preinstalled(f):
    pre = f.pkg("com.miui.weather", system=True)
    user = f.pkg("com.game")
    ads = f.thit("tracker.admob", "Google AdMob", "com.google.android.gms.ads.AdView", category="advertisement")
    crash = f.thit("tracker.crashlytics", "Crashlytics", "com.crashlytics.Core", category="crash-reporting")
    tencent = f.thit("tracker.tencent-stats", "Tencent Stats", "com.tencent.stat.StatService")
    r = trackers.evaluate(f.inp(f.snap([pre, user]), [f.apks(pre.name, trackers=[tencent]),
                                                      f.apks(user.name, trackers=[ads, crash])]))
    assert r.status is Status.WARN
    assert r.subjects == ("com.game", "com.miui.weather")
    assert "1 app you installed and 1 pre-installed app" in r.summary
    assert r.evidence[0].detail == "com.game (installed by the user): Google AdMob, Crashlytics"
    assert "pre-installed" in r.evidence[1].detail
    assert "grep -F com/google/android/gms/ads/AdView" in r.evidence[0].command


def test_trackers_pass_inconclusive(f):
    p = f.pkg("com.app")
    crash = f.thit("tracker.crashlytics", "Crashlytics", "com.crashlytics.Core", category="crash-reporting")
    r = trackers.evaluate(f.inp(f.snap([p]), [f.apks(p.name, trackers=[crash])]))
    assert r.status is Status.PASS and r.subjects == ("com.app",)
    assert trackers.evaluate(f.inp(f.snap([p]))).status is Status.PASS
    r = trackers.evaluate(f.inp(f.snap([p]), inspect_rest=False))
    assert r.status is Status.INCONCLUSIVE and r.subjects == ("com.app",)


# --- apps.sms-access ------------------------------------------------------------------------------

def test_sms_access(f):
    core = [f.pkg("com.android.phone", system=True, granted=["android.permission.SEND_SMS"]),
            f.pkg("com.google.android.apps.messaging", system=True,
                  granted=["android.permission.READ_SMS", "android.permission.SEND_SMS"])]
    vendor = f.pkg("com.xiaomi.simactivate.service", system=True, granted=["android.permission.SEND_SMS"])
    spy = f.pkg("com.spy.app", granted=["android.permission.RECEIVE_SMS"])
    dflt = {"default_sms_app": "com.google.android.apps.messaging"}
    r = sms_access.evaluate(f.inp(f.snap(core + [vendor, spy], **dflt)))
    assert r.status is Status.FAIL and r.subjects == ("com.spy.app", "com.xiaomi.simactivate.service")
    assert "RECEIVE_SMS" in r.evidence[1].detail
    assert "adb shell dumpsys package com.spy.app" in _cmds(r)
    r = sms_access.evaluate(f.inp(f.snap(core + [vendor], **dflt)))
    assert r.status is Status.WARN and r.subjects == ("com.xiaomi.simactivate.service",)
    assert sms_access.evaluate(f.inp(f.snap(core, **dflt))).status is Status.PASS
    # without a default SMS app, the messaging app is just another app
    assert sms_access.evaluate(f.inp(f.snap(core))).status is Status.WARN
    assert sms_access.evaluate(f.inp(f.snap(core[:1], complete=False))).status is Status.INCONCLUSIVE


def test_sms_access_agrees_with_cloud_sms_on_a_disabled_sim_activation_service(f):
    """The Xiaomi SIM-activation service holds SEND_SMS but is disabled: it cannot run, so
    neither check warns about it (ncsc.cloud-sms-registration already passes it)."""
    messaging = f.pkg("com.google.android.apps.messaging", system=True,
                      granted=["android.permission.READ_SMS", "android.permission.SEND_SMS"])
    off = f.pkg("com.xiaomi.simactivate.service", system=True, enabled=False,
                granted=["android.permission.SEND_SMS"])
    r = sms_access.evaluate(f.inp(f.snap([messaging, off],
                                         default_sms_app="com.google.android.apps.messaging")))
    assert r.status is Status.PASS and r.subjects == ()
    assert "disabled, so cannot use them" in r.summary
    assert any("com.xiaomi.simactivate.service" in e.detail and "disabled" in e.detail for e in r.evidence)
