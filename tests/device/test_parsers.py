"""Parsers against real-format samples (tests/device/fixtures/real, written for this
project after the format of public captures: mvt test artifacts, AndroidSystemPropertyCollect)."""

from __future__ import annotations

from pathlib import Path

from adb.parsers.accessibility import parse_dumpsys_accessibility
from adb.parsers.accounts import parse_dumpsys_account
from adb.parsers.appops import parse_appops
from adb.parsers.content import parse_content_query
from adb.parsers.device_policy import parse_device_policy
from adb.parsers.dumpsys_package import parse_dumpsys_package
from adb.parsers.getprop import parse_getprop
from adb.parsers.pm import looks_like_pm_error, parse_package_names, parse_pm_list, parse_pm_path
from adb.parsers.security import ls_found, parse_getenforce, parse_id_is_root, parse_which
from adb.parsers.settings import parse_component_list, parse_setting_value, parse_settings_list
from model.snapshot import Account

REAL = Path(__file__).parent / "fixtures" / "real"


def real(name: str) -> bytes:
    return (REAL / name).read_bytes()


def test_getprop_miui():
    props = parse_getprop(real("getprop_miui12_mi10t.txt"))
    assert props["ro.product.manufacturer"] == "Xiaomi"
    assert props["ro.product.model"] == "M2007J3SG"
    assert props["ro.miui.ui.version.name"] == "V12"
    assert props["ro.build.version.security_patch"] == "2020-11-01"
    assert props["gsm.operator.alpha"] == "Telia LT,"
    assert props["ro.build.date"] == "Fri Oct 23 03:12:51 CST 2020"
    assert len(props) == 51


def test_getprop_emui_crlf_multiline_and_bad_bytes():
    props = parse_getprop(real("getprop_emui10_p40.txt"))
    assert props["ro.product.manufacturer"] == "HUAWEI"
    assert props["ro.build.version.emui"] == "EmotionUI_10.1.0"
    assert props["gsm.operator.alpha"] == "Bitė,"  # UTF-8 kept
    assert props["ro.config.hw_optb"] == "0\ufffd"  # a bad byte replaced, not fatal
    assert props["ro.huawei.multiline"] == "first line\nsecond line"
    assert props["persist.sys.hiview.base_version"] == "ANA-LGRP2-OVS 10.1.0.150"
    assert all("\r" not in k and "\r" not in v for k, v in props.items())


def test_getprop_nested_brackets_and_noise():
    props = parse_getprop("garbage\n[a]: [[x]]\n[b]: []\nnot a prop\n[c]:[y]\n")
    assert props == {"a": "[x]", "b": "", "c": "y"}


def test_pm_list_fields_from_the_right():
    entries = {e.name: e for e in parse_pm_list(real("pm_list_packages_f_i_U_u.txt"))}
    assert set(entries) == {"com.miui.securitycenter", "com.android.chrome", "com.xiaomi.mipicks",
                            "org.example.flashlight", "com.facebook.katana"}
    fl = entries["org.example.flashlight"]
    assert fl.path == "/data/app/~~k1Qn3Yt0b4VdI8w==/org.example.flashlight-Zz9Pl0Q6gMTHw2==/base.apk"
    assert fl.installer is None and fl.uid == 10231 and fl.version_code == 17
    ch = entries["com.android.chrome"]
    assert ch.installer == "com.android.vending" and ch.uid == 10118
    assert ch.path == "/data/app/com.android.chrome-Xk3pQ9m2Lw==/base.apk"
    assert entries["com.facebook.katana"].uid == 10154  # several uids (multi-user): first


def test_pm_list_plain_and_errors():
    assert parse_package_names("package:a.b\r\npackage:c\n\nfoo\n") == ("a.b", "c")
    assert parse_pm_list("package:/x/y.apk=a.b\n")[0].path == "/x/y.apk"
    assert looks_like_pm_error(b"", b"Error: Unknown option: --show-versioncode\n", 255)
    assert looks_like_pm_error(b"Error: Unknown option: -U\n", b"", 0)
    assert not looks_like_pm_error(b"package:a\n", b"", 0)


def test_pm_path_base_first():
    paths = parse_pm_path(real("pm_path_chrome.txt"))
    assert paths[0].endswith("/base.apk")
    assert len(paths) == 4 and all(p.startswith("/data/app/") for p in paths)


def test_dumpsys_package_blocks():
    pkgs = {p.name: p for p in parse_dumpsys_package(real("dumpsys_package_mixed.txt"))}
    assert list(pkgs) == ["com.miui.securitycenter", "com.android.chrome", "com.xiaomi.mipicks",
                          "org.example.flashlight"]
    sc = pkgs["com.miui.securitycenter"]
    assert sc.uid == 1000 and sc.system and sc.version_code == 40000731 and sc.target_sdk == 29
    assert sc.version_name == "4.0.2-201023.0.1"
    assert sc.requested_permissions == ("android.permission.SEND_SMS", "android.permission.READ_PHONE_STATE",
                                        "android.permission.REQUEST_INSTALL_PACKAGES",
                                        "android.permission.READ_SMS")
    assert sc.install_permissions == ("android.permission.SEND_SMS", "android.permission.READ_PHONE_STATE",
                                      "android.permission.REQUEST_INSTALL_PACKAGES")
    assert sc.installer is None and sc.installed is True and sc.enabled is True
    assert sc.first_install_time == "2008-12-31 16:00:00"

    ch = pkgs["com.android.chrome"]
    # the Packages: block wins over Hidden system packages:
    assert ch.installer == "com.android.vending" and ch.version_code == 424009934
    assert ch.splits == ("base", "config.arm64_v8a", "config.en", "config.xxhdpi")
    assert "UPDATED_SYSTEM_APP" in ch.flags
    # user 0 only: CAMERA is granted for user 10, not user 0
    assert ch.runtime_permissions == ("android.permission.ACCESS_FINE_LOCATION",)
    assert ch.last_update_time == "2020-11-02 09:15:32"

    mp = pkgs["com.xiaomi.mipicks"]
    assert mp.installed is False and mp.enabled is False and mp.enabled_state == 3

    fl = pkgs["org.example.flashlight"]
    assert fl.uid == 10231 and not fl.system  # appId= (Android 11+)
    assert fl.version_name == '2.4 "beta", fast'
    assert fl.first_install_time == "2023-05-10 18:02:12"  # under User 0 (Android 13+)
    assert fl.runtime_permissions == ("android.permission.READ_SMS",)
    assert fl.install_permissions == ("android.permission.REQUEST_INSTALL_PACKAGES",)
    assert fl.target_sdk == 33


def test_dumpsys_package_without_section_headers():
    text = "  Package [a.b] (1):\n    userId=10001\n    flags=[ SYSTEM ]\n"
    (p,) = parse_dumpsys_package(text)
    assert p.name == "a.b" and p.uid == 10001 and p.system


def test_settings_list():
    s = parse_settings_list(real("settings_secure.txt"))
    assert s["install_non_market_apps"] == "1"
    assert s["sms_default_application"] == "com.android.mms"
    assert s["multi_line_note"] == "first=1\nsecond part"
    assert parse_component_list(s["enabled_accessibility_services"]) == (
        "org.example.flashlight/org.example.flashlight.Helper",
        "com.google.android.marvin.talkback/com.google.android.marvin.talkback.TalkBackService",
    )
    assert parse_component_list(s["enabled_notification_listeners"])[1] == "org.example.flashlight/.Listener"
    assert parse_component_list("") == () and parse_component_list("null") == ()
    assert parse_setting_value(b"null\n") is None and parse_setting_value("1\n") == "1"


def test_appops():
    assert parse_appops(real("appops_get_install.txt")) == {"REQUEST_INSTALL_PACKAGES": "allow"}
    ops = parse_appops(real("appops_get_package.txt"))
    assert ops == {"COARSE_LOCATION": "ignore", "CAMERA": "allow", "REQUEST_INSTALL_PACKAGES": "deny",
                   "WRITE_SETTINGS": "default"}
    assert parse_appops("No operations.\n") == {}


def test_dumpsys_account():
    accounts = parse_dumpsys_account(real("dumpsys_account.txt"))
    assert accounts == (
        Account("user@example.com", "com.google"),
        Account("8612345678", "com.xiaomi"),
        Account("Smith, Jane", "com.whatsapp"),
    )


def test_device_policy():
    admins = {a.component: a for a in parse_device_policy(real("dumpsys_device_policy.txt"))}
    assert set(admins) == {
        "com.google.android.gms/com.google.android.gms.mdm.receivers.MdmDeviceAdminReceiver",
        "com.example.mdm/com.example.mdm.AdminReceiver",
        "com.example.work/.ProfileAdmin",
        "com.example.work/com.example.work.ProfileAdmin",
    }
    assert admins["com.example.mdm/com.example.mdm.AdminReceiver"].device_owner
    assert admins["com.example.mdm/com.example.mdm.AdminReceiver"].package == "com.example.mdm"
    assert not admins["com.google.android.gms/com.google.android.gms.mdm.receivers.MdmDeviceAdminReceiver"].device_owner
    assert admins["com.example.work/com.example.work.ProfileAdmin"].profile_owner


def test_accessibility_dumpsys():
    text = ("User state[\n     Bound services:{}\n"
            "     Enabled services:{{com.a/.Svc}, {org.b/org.b.Other$Inner}}\n     Binding services:{}\n")
    assert parse_dumpsys_accessibility(text) == ("com.a/.Svc", "org.b/org.b.Other$Inner")
    assert parse_dumpsys_accessibility("     Enabled services:{}\n") == ()


COLS = ("_id", "thread_id", "address", "date", "type", "read", "seen", "creator")


def test_content_query_values_with_commas_and_newlines():
    res = parse_content_query(real("content_query_sms.txt"), COLS)
    assert res.error is None and len(res.rows) == 3
    r0, r1, r2 = res.rows
    assert r0["creator"] == "com.xiaomi.simactivate.service" and r0["type"] == "2"
    assert r1["address"] == "Info, Bank, type=7" and r1["type"] == "1" and r1["creator"] == "NULL"
    assert r2["address"] == "line one\nRow: 7 _id=fake\nline two"
    assert r2["creator"] == "com.android.mms" and r2["_id"] == "39"
    assert "body" not in r0


def test_content_query_empty_and_error():
    assert parse_content_query(b"No result found.\n", COLS).rows == ()
    assert parse_content_query(b"No result found.\n", COLS).error is None
    err = parse_content_query(b"", COLS, real("content_query_sms_error.txt"))
    assert err.rows == () and "Invalid column creator" in err.error


def test_content_query_other_column_order():
    res = parse_content_query("Row: 0 type=1, _id=5, address=x, y\n", ("_id", "address", "type"))
    assert dict(res.rows[0]) == {"type": "1", "_id": "5", "address": "x, y"}


def test_security_bits():
    assert parse_getenforce(b"Enforcing\r\n") == "Enforcing"
    assert parse_getenforce(b"weird") is None
    assert parse_id_is_root(b"uid=2000(shell) gid=2000(shell) groups=2000(shell),1004(input)") is False
    assert parse_id_is_root(b"uid=0(root) gid=0(root)") is True
    assert parse_id_is_root(b"") is None
    assert parse_which(b"/system/xbin/su\n", 0) == ("/system/xbin/su",)
    assert parse_which(b"", 1) == ()
    assert ls_found("/sbin/su", b"/sbin/su\n", b"", 0)
    assert not ls_found("/sbin/su", b"", b"ls: /sbin/su: No such file or directory\n", 1)


# --- dumpsys package by Android version ------------------------------------------------------
# dumpsys_package_android5.txt follows the package dump of Android 5.1, AOSP
# platform/frameworks/base services/java/com/android/server/pm/Settings.java
# (dumpPackagesLPr: `userId=N gids=[...]`, per-user `User 0: installed=...` lines, then
# every permission granted at install as a bare name under `grantedPermissions:`; the
# `Shared users:` section repeats the shared uid's grants and is not a package block).
# dumpsys_package_android14_users.txt is written for this project after two public
# sources: the Android 14 package dump of AOSP platform/frameworks/base
# services/core/java/com/android/server/pm/Settings.java (dumpPackageLPr: `appId=`, the
# InstallSource lines `installerPackageName=`, `installerPackageUid=`,
# `initiatingPackageName=`, `originatingPackageName=`, `packageSource=`, then one
# `User N:` section per user with its own `installed=`, `installReason=`,
# `firstInstallTime=` and `runtime permissions:`), and the multi-user layout of a real
# Samsung bugreport with Dual Messenger (users 0 and 95) described in MVT's issue thread
# github.com/mvt-project/mvt/issues/869: every package has a `User N:` section for every
# user, one the package was never installed for says `installed=false` and
# `firstInstallTime=1970-01-01 01:00:00`, and each user lists its own runtime grants.
# The sample: a messenger cloned into user 95, an app installed only in a work profile
# (user 10), and an app installed over adb under a claimed Play Store installer.


def test_dumpsys_package_android5_granted_permissions():
    pkgs = {p.name: p for p in parse_dumpsys_package(real("dumpsys_package_android5.txt"))}
    assert list(pkgs) == ["com.sms.courier", "com.android.phone"]
    courier = pkgs["com.sms.courier"]
    assert courier.uid == 10061 and courier.version_code == 41 and courier.target_sdk == 21
    assert courier.installer == "com.android.vending" and courier.initiating_installer is None
    assert courier.install_permissions == ("android.permission.READ_SMS", "android.permission.RECEIVE_SMS",
                                           "android.permission.INTERNET")
    assert courier.runtime_permissions == () and courier.installed is True
    assert courier.users == (0,) and courier.installed_users == (0,)
    phone = pkgs["com.android.phone"]
    assert phone.shared_user == "android.uid.phone" and phone.uid == 1001 and phone.system
    assert phone.install_permissions == ("android.permission.SEND_SMS", "android.permission.CALL_PRIVILEGED")


def test_dumpsys_package_android14_install_source_and_users():
    pkgs = {p.name: p for p in parse_dumpsys_package(real("dumpsys_package_android14_users.txt"))}
    assert list(pkgs) == ["com.example.messenger", "org.example.torrent", "com.example.sideloaded"]
    messenger = pkgs["com.example.messenger"]
    # installed for the owner and its Dual Messenger clone; each user's grants apart
    assert messenger.users == (0, 95) and messenger.installed_users == (0, 95) and messenger.installed is True
    assert messenger.runtime_permissions == ("android.permission.READ_CONTACTS",)
    assert messenger.other_user_runtime_permissions == ("android.permission.RECORD_AUDIO",)
    assert messenger.install_permissions == ("android.permission.INTERNET",)
    assert messenger.first_install_time == "2024-03-02 17:44:10"  # user 0's, not user 95's
    assert messenger.splits == ("base", "config.arm64_v8a", "config.xxhdpi")
    assert messenger.uid == 10187 and messenger.version_code == 241205 and messenger.target_sdk == 34
    torrent = pkgs["org.example.torrent"]
    assert torrent.installer == "com.android.packageinstaller"
    assert torrent.initiating_installer == "com.android.packageinstaller"
    assert torrent.originating_installer == "org.fdroid.fdroid"
    # installed for user 10 only: not for the owner (user 0) nor for user 95
    assert torrent.users == (0, 10, 95) and torrent.installed_users == (10,)
    assert torrent.installed is False
    # the date of the user it is installed for, not user 0's 1970 placeholder
    assert torrent.first_install_time == "2024-05-20 21:07:58"
    assert torrent.runtime_permissions == ()  # user 0's grants: none
    assert torrent.other_user_runtime_permissions == ("android.permission.READ_SMS",
                                                      "android.permission.POST_NOTIFICATIONS")
    assert torrent.install_permissions == ("android.permission.FOREGROUND_SERVICE",)
    side = pkgs["com.example.sideloaded"]
    assert side.installer == "com.android.vending" and side.initiating_installer == "com.android.shell"
    assert side.originating_installer is None and side.installed_users == (0,)
    assert side.users == (0, 10, 95) and side.first_install_time == "2024-06-01 08:00:12"
