"""The ncsc.* checks on hand-built inputs: every status each one can give."""

from __future__ import annotations

from model.findings import Status
from checks.ncsc import (
    appgallery_redirect,
    browser_analytics,
    censorship_list,
    cloud_sms_registration,
    tencent_statistics,
)

INSTALL = "android.permission.INSTALL_PACKAGES"
SEND_SMS = "android.permission.SEND_SMS"


def _details(finding) -> str:
    return "\n".join(f"{e.source} | {e.detail} | {e.command}" for e in finding.evidence)


# --- ncsc.appgallery-redirect ----------------------------------------------------------

def _redirect_hit(f):
    return f.ihit("store.apkpure", "APKPure", "https://apkpure.com/", "store-redirect", kind="url",
                  file="classes3.dex")


def test_appgallery_fails_when_store_refers_to_platforms_and_can_install(f):
    gallery = f.pkg("com.huawei.appmarket", system=True, granted=[INSTALL])
    victim = f.pkg("com.example.game", installer="com.huawei.appmarket")
    snap = f.snap([gallery, victim])
    r = appgallery_redirect.evaluate(f.inp(snap, [f.apks("com.huawei.appmarket", indicators=[_redirect_hit(f)])]))
    assert r.status is Status.FAIL
    assert r.subjects == ("com.huawei.appmarket",)
    text = _details(r)
    assert "holds INSTALL_PACKAGES" in text
    assert "unzip -p com.huawei.appmarket.apk classes3.dex | strings | grep -F https://apkpure.com/" in text
    assert "adb pull /system/priv-app/com.huawei.appmarket/com.huawei.appmarket.apk" in text
    assert "classes3.dex" in text and "https://apkpure.com/" in text
    assert "apps installed by com.huawei.appmarket: com.example.game" in text


def test_appgallery_any_app_with_platform_references_counts(f):
    other = f.pkg("com.vendor.store", system=True, appops={"REQUEST_INSTALL_PACKAGES": "allow"})
    r = appgallery_redirect.evaluate(f.inp(f.snap([other]), [f.apks("com.vendor.store", indicators=[_redirect_hit(f)])]))
    assert r.status is Status.FAIL and r.subjects == ("com.vendor.store",)
    assert "adb shell appops get com.vendor.store REQUEST_INSTALL_PACKAGES" in _details(r)


def test_appgallery_warns_when_named_store_can_install_without_reference(f):
    gallery = f.pkg("com.huawei.appmarket", system=True, appops={"REQUEST_INSTALL_PACKAGES": "allow"})
    r = appgallery_redirect.evaluate(f.inp(f.snap([gallery])))
    assert r.status is Status.WARN and r.subjects == ("com.huawei.appmarket",)


def test_appgallery_passes_when_disabled_or_cannot_install(f):
    gallery = f.pkg("com.huawei.appmarket", system=True, enabled=False, granted=[INSTALL])
    search = f.pkg("com.huawei.hwsearch", system=True)
    snap = f.snap([gallery, search])
    r = appgallery_redirect.evaluate(f.inp(snap, [f.apks("com.huawei.appmarket", indicators=[_redirect_hit(f)])]))
    assert r.status is Status.PASS
    assert set(r.subjects) == {"com.huawei.appmarket", "com.huawei.hwsearch"}


def test_appgallery_not_applicable_without_such_app(f):
    snap = f.snap([f.pkg("com.xiaomi.mipicks", system=True, granted=[INSTALL]), f.pkg("com.example.app")])
    assert appgallery_redirect.evaluate(f.inp(snap)).status is Status.NOT_APPLICABLE


def test_appgallery_inconclusive_when_an_installer_was_not_inspected(f):
    store = f.pkg("com.unknown.store", system=True, granted=[INSTALL])
    r = appgallery_redirect.evaluate(f.inp(f.snap([store]), inspect_rest=False))
    assert r.status is Status.INCONCLUSIVE
    assert "com.unknown.store" in r.subjects
    gallery = f.pkg("com.huawei.appmarket", system=True, granted=[INSTALL])
    broken = f.apks("com.huawei.appmarket", error="could not inspect: bad zip")
    r = appgallery_redirect.evaluate(f.inp(f.snap([gallery]), [broken]))
    assert r.status is Status.INCONCLUSIVE and "bad zip" in _details(r)


# --- ncsc.tencent-statistics -----------------------------------------------------------

def _tencent(f):
    return f.thit("tracker.tencent-stats", "Tencent Stats", "com.tencent.stat.StatService", file="classes2.dex")


def test_tencent_fails_on_enabled_system_app(f):
    p = f.pkg("com.miui.analytics", system=True)
    r = tencent_statistics.evaluate(f.inp(f.snap([p]), [f.apks(p.name, trackers=[_tencent(f)])]))
    assert r.status is Status.FAIL and r.subjects == ("com.miui.analytics",)
    text = _details(r)
    assert "pingma.qq.com" in text
    assert "grep -F com/tencent/stat/StatService" in text and "classes2.dex" in text
    assert "cannot see whether it ran" in r.summary


def test_tencent_ignores_crash_reporting_and_user_apps(f):
    bugly = f.thit("tracker.tencent-bugly", "Bugly", "com.tencent.bugly.CrashModule", category="crash-reporting")
    sys_app = f.pkg("com.vendor.app", system=True)
    user_app = f.pkg("com.tencent.mm")
    inp = f.inp(f.snap([sys_app, user_app]),
                [f.apks(sys_app.name, trackers=[bugly]), f.apks(user_app.name, trackers=[_tencent(f)])])
    assert tencent_statistics.evaluate(inp).status is Status.PASS


def test_tencent_skips_apps_that_cannot_use_the_internet(f):
    p = f.pkg("com.vendor.offline", system=True, requested=["android.permission.VIBRATE"])
    r = tencent_statistics.evaluate(f.inp(f.snap([p]), [f.apks(p.name, trackers=[_tencent(f)])]))
    assert r.status is Status.PASS


def test_tencent_warns_when_only_disabled_apps_carry_it(f):
    p = f.pkg("com.miui.analytics", system=True, enabled=False)
    r = tencent_statistics.evaluate(f.inp(f.snap([p]), [f.apks(p.name, trackers=[_tencent(f)])]))
    assert r.status is Status.WARN and r.subjects == ("com.miui.analytics",)


def test_tencent_inconclusive_when_system_apps_not_inspected(f):
    p = f.pkg("com.miui.analytics", system=True)
    r = tencent_statistics.evaluate(f.inp(f.snap([p]), inspect_rest=False))
    assert r.status is Status.INCONCLUSIVE and r.subjects == ("com.miui.analytics",)
    # an incomplete capture is not a pass either
    r = tencent_statistics.evaluate(f.inp(f.snap([p], complete=False)))
    assert r.status is Status.INCONCLUSIVE


def test_tencent_fail_wins_over_gaps(f):
    a = f.pkg("com.miui.analytics", system=True)
    b = f.pkg("com.miui.other", system=True)
    r = tencent_statistics.evaluate(f.inp(f.snap([a, b]), [f.apks(a.name, trackers=[_tencent(f)])],
                                          inspect_rest=False))
    assert r.status is Status.FAIL


# --- ncsc.cloud-sms-registration -------------------------------------------------------

def _xiaomi(f, *, enabled=True, sms=True, account=True, messages=()):
    sim = f.pkg("com.xiaomi.simactivate.service", system=True, enabled=enabled,
                granted=[SEND_SMS] if sms else [])
    accounts = (f.Account("user@example.com", "com.xiaomi"),) if account else ()
    return f.snap([sim, f.pkg("com.xiaomi.account", system=True)], accounts=accounts,
                  sms=f.SmsSummary(readable=True, messages=tuple(messages)))


def test_cloud_sms_fails_when_service_sends_sms_and_account_signed_in(f):
    msgs = (f.SmsMessage("7", "sent", "+4400000", "1632300000000", creator="com.xiaomi.simactivate.service"),
            f.SmsMessage("8", "inbox", "+37060000000", "1632300000000"))
    r = cloud_sms_registration.evaluate(f.inp(_xiaomi(f, messages=msgs)))
    assert r.status is Status.FAIL and r.subjects == ("com.xiaomi.simactivate.service",)
    text = _details(r)
    assert "adb shell dumpsys package com.xiaomi.simactivate.service" in text
    assert "1 xiaomi account(s) signed in" in text
    assert "written by com.xiaomi.simactivate.service" in text
    assert "2021-09-22" in text
    assert "leaves no trace" in r.summary
    assert "body" not in text


def test_cloud_sms_warns_without_vendor_account(f):
    r = cloud_sms_registration.evaluate(f.inp(_xiaomi(f, account=False)))
    assert r.status is Status.WARN and "no vendor account" in r.summary


def test_cloud_sms_passes_when_disabled_or_without_send_sms(f):
    assert cloud_sms_registration.evaluate(f.inp(_xiaomi(f, enabled=False))).status is Status.PASS
    r = cloud_sms_registration.evaluate(f.inp(_xiaomi(f, sms=False)))
    assert r.status is Status.PASS and "does not hold SEND_SMS" in _details(r)


def test_cloud_sms_not_applicable_without_vendor_service(f):
    snap = f.snap([f.pkg("com.xiaomi.account", system=True), f.pkg("com.android.phone", system=True)])
    assert cloud_sms_registration.evaluate(f.inp(snap)).status is Status.NOT_APPLICABLE


def test_cloud_sms_inconclusive_when_accounts_unreadable(f):
    sim = f.pkg("com.xiaomi.simactivate.service", system=True, granted=[SEND_SMS])
    snap = f.snap([sim], problems=(f.Problem("dumpsys account", "permission denied"),))
    r = cloud_sms_registration.evaluate(f.inp(snap))
    assert r.status is Status.INCONCLUSIVE and "could not be read" in r.summary


def test_cloud_sms_says_when_sms_provider_unreadable(f):
    sim = f.pkg("com.xiaomi.simactivate.service", system=True, granted=[SEND_SMS])
    snap = f.snap([sim], accounts=(f.Account("u", "com.xiaomi"),))
    r = cloud_sms_registration.evaluate(f.inp(snap))
    assert r.status is Status.FAIL and "could not be read" in r.summary


# --- ncsc.censorship-list ----------------------------------------------------------------

def _miad(f):
    return f.ihit("ncsc.miad-blacklist-config", "MiAdBlacklistConfig", "MiAdBlacklistConfig", "censorship",
                  file="classes2.dex")


def test_censorship_fails_on_any_enabled_system_app_and_reports_region(f):
    pkgs = [f.pkg("com.miui.securitycenter", system=True), f.pkg("com.miui.someother", system=True),
            f.pkg("com.miui.cleanmaster", system=True, enabled=False)]
    snap = f.snap(pkgs, props={"ro.miui.build.region": "eea", "ro.product.mod_device": "apollo_eea_global"})
    apks = [f.apks(p.name, indicators=[_miad(f)]) for p in pkgs]
    r = censorship_list.evaluate(f.inp(snap, apks))
    assert r.status is Status.FAIL
    assert r.subjects == ("com.miui.securitycenter", "com.miui.someother", "com.miui.cleanmaster")
    assert "2 enabled pre-installed apps" in r.summary
    assert "EEA" in r.summary and "switched on remotely" in r.summary
    text = _details(r)
    assert "adb shell getprop ro.miui.build.region" in text
    assert "unzip -p com.miui.securitycenter.apk classes2.dex | strings | grep -F MiAdBlacklistConfig" in text


def test_censorship_warns_when_only_disabled(f):
    p = f.pkg("com.mi.globalbrowser", system=True, enabled=False)
    r = censorship_list.evaluate(f.inp(f.snap([p]), [f.apks(p.name, indicators=[_miad(f)])]))
    assert r.status is Status.WARN and r.subjects == ("com.mi.globalbrowser",)


def test_censorship_passes_and_ignores_user_apps(f):
    user = f.pkg("com.example.copy")
    r = censorship_list.evaluate(f.inp(f.snap([user, f.pkg("com.android.settings", system=True)]),
                                       [f.apks(user.name, indicators=[_miad(f)])]))
    assert r.status is Status.PASS


def test_censorship_inconclusive_when_system_app_not_inspected(f):
    p = f.pkg("com.miui.securitycenter", system=True)
    r = censorship_list.evaluate(f.inp(f.snap([p]), [f.apks(p.name, failures=((p.path, "pull failed"),))]))
    assert r.status is Status.INCONCLUSIVE and "pull failed" in _details(r)


# --- ncsc.browser-analytics --------------------------------------------------------------

def test_browser_fails_on_preinstalled_browser_with_analytics(f):
    b = f.pkg("com.mi.globalbrowser", system=True)
    hits = [f.thit("tracker.sensors-analytics", "Sensors Analytics",
                   "com.sensorsdata.analytics.android.sdk.SensorsDataAPI"),
            f.thit("tracker.google-analytics", "Google Analytics", "com.google.android.gms.analytics.Tracker")]
    tele = f.ihit("telemetry.miui-sa", "Xiaomi browser analytics", "https://sa.api.intl.miui.com/sa",
                  "vendor-telemetry", kind="url")
    r = browser_analytics.evaluate(f.inp(f.snap([b]), [f.apks(b.name, trackers=hits, indicators=[tele])]))
    assert r.status is Status.FAIL and r.subjects == ("com.mi.globalbrowser",)
    assert "Sensors Analytics" in r.summary
    assert "sa.api.intl.miui.com" in _details(r)


def test_browser_crash_reporting_alone_passes(f):
    b = f.pkg("com.android.chrome", system=True)
    crash = f.thit("tracker.crashlytics", "Crashlytics", "com.crashlytics.Core", category="crash-reporting")
    r = browser_analytics.evaluate(f.inp(f.snap([b]), [f.apks(b.name, trackers=[crash])]))
    assert r.status is Status.PASS and r.subjects == ("com.android.chrome",)


def test_browser_warns_when_only_disabled(f):
    b = f.pkg("com.mi.globalbrowser", system=True, enabled=False)
    hit = f.thit("tracker.sensors-analytics", "Sensors Analytics", "com.sensorsdata.analytics.android.sdk.X")
    assert browser_analytics.evaluate(f.inp(f.snap([b]), [f.apks(b.name, trackers=[hit])])).status is Status.WARN


def test_browser_not_applicable_without_preinstalled_browser(f):
    user_browser = f.pkg("org.mozilla.firefox")
    hit = f.thit("tracker.google-analytics", "Google Analytics", "com.google.android.gms.analytics.T")
    r = browser_analytics.evaluate(f.inp(f.snap([user_browser]), [f.apks(user_browser.name, trackers=[hit])]))
    assert r.status is Status.NOT_APPLICABLE


def test_browser_inconclusive_when_not_inspected(f):
    b = f.pkg("com.huawei.browser", system=True)
    r = browser_analytics.evaluate(f.inp(f.snap([b]), inspect_rest=False))
    assert r.status is Status.INCONCLUSIVE and r.subjects == ("com.huawei.browser",)
