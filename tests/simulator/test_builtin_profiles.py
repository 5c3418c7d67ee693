"""The four built-in simulated phones carry exactly the facts the checks rely on.

Each profile is read twice: as plain TOML (tomllib plus a small checker of the keys the
format allows, so the data stands on its own) and through the project's loader
(`simulator.profile.load_profile`), which validates types and defaults. The facts
asserted here are the ones docs/profile-format.md and the NCSC knowledge promise per phone: if a
profile edit removes one, a check's verdict on the demo phones would silently change.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import tomllib

import pytest

from simulator.profile import builtin_profiles_dir, load_profile
from checks import knowledge

NAMES = ["xiaomi-mi10t", "huawei-p40", "oneplus-8t", "pixel-clean"]
PERM = "android.permission."
SMS_PERMS = {PERM + "READ_SMS", PERM + "SEND_SMS", PERM + "RECEIVE_SMS"}

# Keys of device-profile.md plus the loader's documented extensions.
TOP_KEYS = {"device", "props", "settings", "packages", "accounts", "content", "commands", "files", "faults",
            "activity"}
DEVICE_KEYS = {"state", "description", "patch_age_days"}
PACKAGE_KEYS = {"name", "path", "system", "enabled", "installer", "uid", "version_code", "version_name",
                "label", "granted", "appops", "apk", "splits", "first_install_time", "last_update_time"}
APK_KEYS = {"file", "permissions", "classes", "strings", "signer", "size", "label", "min_sdk",
            "target_sdk", "components"}
COMPONENT_KEYS = {"kind", "name", "permission", "actions"}
COMMAND_KEYS = {"file", "stdout", "exit"}
SMS_COLUMNS = {"_id", "thread_id", "address", "date", "date_sent", "type", "read", "seen", "status",
               "creator", "body"}

MIAD_APPS = ["com.miui.securitycenter", "com.mi.globalbrowser", "com.android.providers.downloads.ui",
             "com.miui.player", "com.android.thememanager", "com.miui.global.packageinstaller",
             "com.miui.cleanmaster"]
MIAD_CLASSES = {"com.xiaomi.miglobaladsdk.config.MiConfigLoader",
                "com.xiaomi.miglobaladsdk.config.MiAdBlackListDiskCache", "com.xiaomi.utils.AdsBlocker"}
MIAD_STRINGS = {"MiAdBlacklistConfig", "http://globalapi.ad.xiaomi.com/filter/text", "appKey=MiAdSdk_i18n"}
TENCENT_STAT = {"com.tencent.stat.StatService", "com.tencent.stat.StatConfig",
                "com.tencent.wxop.stat.StatServiceImpl"}
STORE_STRINGS = {"https://apkpure.com/", "apkpure.com", "https://www.apkmonk.com/app/", "apkmonk.com",
                 "https://ws75.aptoide.com/api/7/", "aptoide.com"}
HMS_ANALYTICS = {"com.huawei.hms.analytics.HiAnalytics", "com.huawei.hianalytics.process.HiAnalyticsInstance"}
# DEX namespaces of tracker SDKs (Exodus signatures) that must not appear where a phone is "clean".
TRACKER_PREFIXES = ("com.tencent.", "com.sensorsdata.", "com.google.android.gms.analytics.",
                    "com.google.analytics.", "com.google.firebase.analytics.", "com.xiaomi.miglobaladsdk.",
                    "com.huawei.hms.analytics.", "com.huawei.hianalytics.", "com.facebook.ads.",
                    "com.google.android.gms.ads.", "com.crashlytics.")


@functools.lru_cache(maxsize=None)
def raw(name: str) -> dict:
    return tomllib.loads((builtin_profiles_dir() / name / "profile.toml").read_text(encoding="utf-8"))


def packages(name: str) -> dict[str, dict]:
    return {p["name"]: p for p in raw(name)["packages"]}


def apk(pkg: dict) -> dict:
    return pkg.get("apk", {})


def granted(pkg: dict) -> set[str]:
    return set(pkg.get("granted", []))


def all_classes(name: str) -> dict[str, set[str]]:
    return {n: set(apk(p).get("classes", [])) for n, p in packages(name).items()}


def sms_rows(name: str) -> list[dict]:
    return [row for c in raw(name).get("content", []) if c["uri"] == "content://sms" for row in c["rows"]]


# --- every profile -------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_only_known_keys(name):
    data = raw(name)
    assert set(data) <= TOP_KEYS
    assert set(data["device"]) <= DEVICE_KEYS and data["device"]["state"] == "device"
    assert set(data["settings"]) <= {"global", "secure", "system"}
    for p in data["packages"]:
        assert set(p) <= PACKAGE_KEYS, (p["name"], set(p) - PACKAGE_KEYS)
        assert set(apk(p)) <= APK_KEYS, (p["name"], set(apk(p)) - APK_KEYS)
        for comp in apk(p).get("components", []):
            assert set(comp) <= COMPONENT_KEYS and comp["kind"] in ("activity", "service", "receiver", "provider")
        for op, mode in p.get("appops", {}).items():
            assert mode in ("allow", "ignore", "deny", "default", "foreground"), (p["name"], op)
    for cmd, reply in data["commands"].items():
        assert set(reply) <= COMMAND_KEYS, cmd
        if "file" in reply:
            assert (builtin_profiles_dir() / name / reply["file"]).is_file(), reply["file"]


@pytest.mark.parametrize("name", NAMES)
def test_loads_through_the_loader(name):
    profile = load_profile(name)
    assert profile.state == "device"
    assert len(profile.packages) == len(raw(name)["packages"])
    assert profile.props["ro.build.tags"] == "release-keys"


@pytest.mark.parametrize("name", NAMES)
def test_many_packages_with_unique_names(name):
    names = [p["name"] for p in raw(name)["packages"]]
    assert len(names) >= 120
    assert len(names) == len(set(names))


@pytest.mark.parametrize("name", NAMES)
def test_paths_uids_and_installers_follow_the_rom(name):
    sdk = int(raw(name)["props"]["ro.build.version.sdk"])
    data_re = (re.compile(r"^/data/app/[\w.]+-[A-Za-z0-9_-]{22}==/base\.apk$") if sdk < 30 else
               re.compile(r"^/data/app/~~[A-Za-z0-9_-]{22}==/[\w.]+-[A-Za-z0-9_-]{22}==/base\.apk$"))
    system_roots = ("/system/", "/product/", "/vendor/", "/system_ext/", "/apex/", "/odm/")
    for n, p in packages(name).items():
        assert p["uid"] in (1000, 1001, 1002, 1027, 1068, 1073, 2000) or 10000 <= p["uid"] < 19999, n
        if p["path"].startswith("/data/app/"):
            assert data_re.match(p["path"]), p["path"]
            assert n in p["path"], p["path"]
            for split in p.get("splits", []):
                assert split.startswith(p["path"].rsplit("/", 1)[0] + "/split_"), split
        else:
            assert p["system"] and p["path"].startswith(system_roots), n
        if not p["system"]:
            assert p["uid"] >= 10000, n
    assert packages(name)["android"]["uid"] == 1000
    assert packages(name)["com.android.phone"]["uid"] == 1001


@pytest.mark.parametrize("name", NAMES)
def test_secure_boot_posture_props(name):
    props = raw(name)["props"]
    expected = {"ro.build.type": "user", "ro.build.tags": "release-keys", "ro.debuggable": "0",
                "ro.secure": "1", "ro.boot.verifiedbootstate": "green", "ro.boot.flash.locked": "1",
                "ro.boot.vbmeta.device_state": "locked", "ro.crypto.state": "encrypted",
                "ro.crypto.type": "file"}
    assert {k: props.get(k) for k in expected} == expected
    assert props["ro.serialno"] and props["ro.build.fingerprint"].endswith(":user/release-keys")
    assert raw(name)["commands"]["getenforce"]["stdout"] == "Enforcing\n"
    assert raw(name)["settings"]["global"]["adb_enabled"] == "1"


@pytest.mark.parametrize("name", NAMES)
def test_sms_rows_carry_the_privacy_marker(name):
    rows = sms_rows(name)
    assert 5 <= len(rows) <= 15
    for row in rows:
        assert set(row) == SMS_COLUMNS
        assert "SMSBODY" in row["body"]
        assert row["type"] in ("1", "2")
    assert {r["type"] for r in rows} == {"1", "2"}
    default_sms = raw(name)["settings"]["secure"]["sms_default_application"]
    assert {r["creator"] for r in rows} == {default_sms}
    assert default_sms in packages(name)


# --- Xiaomi Mi 10T -------------------------------------------------------------------

def test_xiaomi_identity():
    props = raw("xiaomi-mi10t")["props"]
    assert props["ro.product.model"] == "M2007J3SG" and props["ro.product.device"] == "apollo"
    assert props["ro.build.version.sdk"] == "29"
    assert props["ro.build.version.security_patch"] == "2020-11-01"
    assert props["ro.build.version.incremental"] == "V12.0.10.0.QJDEUXM"
    assert (props["ro.miui.build.region"], props["ro.miui.region"], props["ro.product.mod_device"]) == \
        ("eea", "LT", "apollo_eea_global")


def test_xiaomi_miad_blacklist_machinery_in_all_seven_apps():
    pk = packages("xiaomi-mi10t")
    for n in MIAD_APPS:
        p = pk[n]
        assert p["system"] and p.get("enabled", True), n
        assert PERM + "INTERNET" in apk(p)["permissions"], n
        assert MIAD_CLASSES <= set(apk(p)["classes"]), n
        assert MIAD_STRINGS <= set(apk(p)["strings"]), n


def test_xiaomi_tencent_statistics():
    pk = packages("xiaomi-mi10t")
    stat = [n for n, p in pk.items() if TENCENT_STAT <= set(apk(p).get("classes", []))]
    assert len(stat) >= 3
    for n in stat:
        assert pk[n]["system"] and pk[n].get("enabled", True)
        assert PERM + "INTERNET" in apk(pk[n])["permissions"]
        assert "pingma.qq.com" in apk(pk[n])["strings"]
    mta = [n for n, p in pk.items()
           if {"com.tencent.mta.track.StatisticsDataAPI", "com.tencent.beacon.event.UserAction"}
           <= set(apk(p).get("classes", [])) and n not in stat]
    assert len(mta) == 1 and pk[mta[0]]["system"]


def test_xiaomi_browser_analytics():
    browser = apk(packages("xiaomi-mi10t")["com.mi.globalbrowser"])
    assert {"com.sensorsdata.analytics.android.sdk.SensorsDataAPI",
            "com.google.android.gms.analytics.Tracker"} <= set(browser["classes"])
    assert "https://sa.api.intl.miui.com/sa?project=global_browser" in browser["strings"]


def test_xiaomi_sim_activation_cloud_and_accounts():
    pk = packages("xiaomi-mi10t")
    sim = pk["com.xiaomi.simactivate.service"]
    assert sim["system"] and sim.get("enabled", True)
    assert {PERM + "SEND_SMS", PERM + "READ_PHONE_STATE", PERM + "RECEIVE_SMS"} <= granted(sim)
    for n in ("com.miui.cloudservice", "com.xiaomi.account"):
        assert pk[n]["system"] and pk[n].get("enabled", True)
    types = {a["type"] for a in raw("xiaomi-mi10t")["accounts"]}
    assert {"com.xiaomi", "com.google"} <= types


def test_xiaomi_third_party_only_from_play_and_getapps():
    pk = packages("xiaomi-mi10t")
    third = {n: p.get("installer") for n, p in pk.items() if not p["system"]}
    assert third and set(third.values()) == {"com.android.vending", "com.xiaomi.mipicks"}
    assert not any(n.startswith("com.huawei.") for n in pk)
    assert not any(c.startswith(("com.huawei.hms.", "com.huawei.hianalytics."))
                   for cs in all_classes("xiaomi-mi10t").values() for c in cs)


# --- Huawei P40 ----------------------------------------------------------------------

def test_huawei_identity():
    props = raw("huawei-p40")["props"]
    assert props["ro.product.model"] == "ANA-NX9"
    assert props["ro.build.version.emui"] == "EmotionUI_10.1.0"
    assert props["ro.build.version.sdk"] == "29"
    assert props["ro.build.version.security_patch"] == "2020-12-01"


def test_huawei_stores_redirect_to_third_party_platforms():
    pk = packages("huawei-p40")
    for n in ("com.huawei.appmarket", "com.huawei.hwsearch"):
        p = pk[n]
        assert p["system"] and p.get("enabled", True)
        assert p["appops"]["REQUEST_INSTALL_PACKAGES"] == "allow"
        assert {PERM + "REQUEST_INSTALL_PACKAGES", PERM + "INTERNET"} <= set(apk(p)["permissions"])
        assert STORE_STRINGS <= set(apk(p)["strings"])
    from_ag = [n for n, p in pk.items()
               if not p["system"] and p.get("installer") == "com.huawei.appmarket" and p["path"].startswith("/data/app/")]
    assert 4 <= len(from_ag) <= 6
    assert all(p.get("installer") == "com.huawei.appmarket" for p in pk.values() if not p["system"])


def test_huawei_hms_analytics_not_in_browser_and_no_foreign_sdks():
    pk = packages("huawei-p40")
    classes = all_classes("huawei-p40")
    hms = [n for n, cs in classes.items() if HMS_ANALYTICS <= cs and pk[n]["system"]]
    assert len(hms) >= 3
    assert "com.huawei.browser" not in hms
    assert not any(c.startswith(TRACKER_PREFIXES) for c in classes["com.huawei.browser"])
    forbidden = ("com.tencent.", "com.sensorsdata.", "com.google.android.gms.analytics.", "com.xiaomi.")
    assert not any(c.startswith(forbidden) for cs in classes.values() for c in cs)
    assert not any("MiAdBlacklistConfig" in s for p in pk.values() for s in apk(p).get("strings", []))
    assert not any(n.startswith(("com.xiaomi.", "com.miui.", "com.mi.")) for n in pk)
    assert "com.huawei.hwid" in {a["type"] for a in raw("huawei-p40")["accounts"]}


# --- OnePlus 8T ----------------------------------------------------------------------

def test_oneplus_identity_and_no_ncsc_risks():
    props = raw("oneplus-8t")["props"]
    assert props["ro.product.model"] in ("KB2003", "KB2005")
    assert props["ro.build.version.sdk"] == "30"
    assert props["ro.oxygen.version"].startswith("11.")
    pk = packages("oneplus-8t")
    classes = all_classes("oneplus-8t")
    assert not any(c.startswith(TRACKER_PREFIXES) for cs in classes.values() for c in cs)
    strings = {s for p in pk.values() for s in apk(p).get("strings", [])}
    assert not strings & (STORE_STRINGS | MIAD_STRINGS)
    assert "com.xiaomi.simactivate.service" not in pk
    browsers = [n for n in pk if n in ("com.android.chrome", "com.mi.globalbrowser", "com.huawei.browser",
                                       "com.android.browser")]
    assert browsers == ["com.android.chrome"]


def test_oneplus_sideloaded_accessibility_service():
    pk = packages("oneplus-8t")
    helper = pk["com.smartkeyboard.helper"]
    assert not helper["system"] and "installer" not in helper and helper["path"].startswith("/data/app/")
    assert helper["label"] == "Keyboard Helper"
    a11y = [c for c in apk(helper)["components"] if c["kind"] == "service"
            and c.get("permission") == PERM + "BIND_ACCESSIBILITY_SERVICE"]
    assert [c["name"] for c in a11y] == ["com.smartkeyboard.helper.HelperService"]
    secure = raw("oneplus-8t")["settings"]["secure"]
    assert secure["enabled_accessibility_services"] == "com.smartkeyboard.helper/com.smartkeyboard.helper.HelperService"
    assert secure["accessibility_enabled"] == "1"


def test_oneplus_stalkerware_admin_and_listener():
    pk = packages("oneplus-8t")
    spy = pk["com.systemservice"]
    assert not spy["system"] and "installer" not in spy and spy["path"].startswith("/data/app/")
    assert spy["label"] == "System Service"
    assert {PERM + "READ_SMS", PERM + "RECEIVE_SMS", PERM + "ACCESS_FINE_LOCATION",
            PERM + "READ_CALL_LOG"} <= granted(spy)
    # the package is one of the AssoEchap indicators the project's knowledge base ships
    assert any("com.systemservice" in family.packages for family in knowledge.load().stalkerware)
    policy = (builtin_profiles_dir() / "oneplus-8t" / raw("oneplus-8t")["commands"]["dumpsys device_policy"]["file"])
    text = policy.read_text(encoding="utf-8")
    assert "Enabled Device Admins (User 0, provisioningState: 3):" in text
    assert "    com.systemservice/.receiver.AdminReceiver:\n" in text
    listeners = raw("oneplus-8t")["settings"]["secure"]["enabled_notification_listeners"].split(":")
    assert "com.systemservice/com.systemservice.service.NotificationService" in listeners


# --- Pixel 7, the clean phone --------------------------------------------------------

def test_pixel_identity_and_recent_patch():
    data = raw("pixel-clean")
    assert data["device"]["patch_age_days"] == 20
    assert "ro.build.version.security_patch" not in data["props"]
    assert data["props"]["ro.product.device"] == "panther" and data["props"]["ro.build.version.sdk"] == "34"
    patch = dt.date.fromisoformat(load_profile("pixel-clean").props["ro.build.version.security_patch"])
    assert 0 <= (dt.date.today() - patch).days <= 60


def test_pixel_play_protect_and_nothing_sideloaded():
    data = raw("pixel-clean")
    g = data["settings"]["global"]
    assert g["package_verifier_enable"] == "1" and g["verifier_verify_adb_installs"] == "1"
    pk = packages("pixel-clean")
    assert "com.google.android.gms" in pk
    third = [p for p in pk.values() if not p["system"]]
    assert third and all(p.get("installer") == "com.android.vending" for p in third)
    allowed = {n for n, p in pk.items() if p.get("appops", {}).get("REQUEST_INSTALL_PACKAGES") == "allow"}
    assert allowed == {"com.android.vending", "com.google.android.packageinstaller"}


def test_pixel_sms_only_in_default_app_and_telephony():
    pk = packages("pixel-clean")
    secure = raw("pixel-clean")["settings"]["secure"]
    assert secure["sms_default_application"] == "com.google.android.apps.messaging"
    holders = {n for n, p in pk.items() if (granted(p) | set(apk(p).get("permissions", []))) & SMS_PERMS}
    assert holders <= {"com.google.android.apps.messaging", "com.android.phone", "com.android.providers.telephony"}
    assert "com.google.android.apps.messaging" in holders


def test_pixel_no_accessibility_admins_trackers_or_root():
    data = raw("pixel-clean")
    secure = data["settings"]["secure"]
    assert secure["enabled_accessibility_services"] == "" and secure["accessibility_enabled"] == "0"
    listeners = [c for c in secure["enabled_notification_listeners"].split(":") if c]
    assert listeners and all(c.split("/")[0] == "com.google.android.as" for c in listeners)
    policy = builtin_profiles_dir() / "pixel-clean" / data["commands"]["dumpsys device_policy"]["file"]
    text = policy.read_text(encoding="utf-8")
    admins = text.split("Enabled Device Admins (User 0, provisioningState: 3):\n", 1)[1]
    assert admins.startswith("    mPasswordOwner=")  # no admin component listed
    classes = all_classes("pixel-clean")
    assert not any(c.startswith(TRACKER_PREFIXES) for cs in classes.values() for c in cs)
    names = set(packages("pixel-clean"))
    assert not names & {"eu.chainfire.supersu", "com.topjohnwu.magisk", "me.phh.superuser"}
    assert data["files"] == {}
