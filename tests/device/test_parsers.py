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
from model.snapshot import Account, Mount, Process

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


# -- phone state the forensic tools read (issue 15) ------------------------------------
# ps samples: written for this project after toybox's `ps -A -o` layout (toybox
# toys/posix/ps.c: fields padded to the header's widths, the last not padded; MVT's
# tests/artifacts/android_data/ps.txt is the same layout with the default columns) and
# after toolbox's ps on Android 6 (AOSP system/core toolbox/ps.c: a state letter before
# NAME that the header does not name).


def test_ps_toybox_columns_and_names_with_spaces():
    from adb.parsers.processes import package_of, parse_ps

    procs = parse_ps(real("ps_A_o_user_pid_ppid_name.txt"))
    assert len(procs) == 13
    assert procs[0] == Process("root", 1, 0, "init")
    assert Process("u0_a211", 5012, 728, "com.spy.example:remote") in procs
    assert procs[10].name == "com.example.notes app"
    assert package_of(procs[8].name) == "com.android.chrome"
    # the same text is not toolbox's layout
    assert parse_ps(real("ps_A_o_user_pid_ppid_name.txt"), toolbox=True) is None


def test_ps_toolbox_layout_and_its_header_only_answer():
    from adb.parsers.processes import parse_ps

    procs = parse_ps(real("ps_toolbox_android6.txt"), toolbox=True)
    assert [(p.user, p.pid, p.ppid, p.name) for p in procs] == [
        ("root", 1, 0, "/init"), ("root", 2, 0, "kthreadd"), ("system", 843, 224, "system_server"),
        ("u0_a85", 2915, 224, "com.android.chrome"), ("u0_a211", 3120, 224, "com.spy.example"),
        ("shell", 4801, 4799, "ps")]
    # toolbox takes `ps -A -o ...` as a name filter: a header and no rows, which must
    # not read as "no process runs"
    assert parse_ps(real("ps_toolbox_header_only.txt")) is None
    assert parse_ps(b"") is None and parse_ps(b"error: unknown option -A\n") is None


# dumpsys adb samples: written for this project after the layout of MVT's
# tests/artifacts/android_data/dumpsys_adb_xml.txt (AOSP AdbDebuggingManager.dump in
# DualDumpOutputStream's indented text: `user_keys=` is the adb_keys file, one key a line,
# `keystore=` the XML keeping each key's last connection). The keys are fresh 2048-bit
# keys in adb's layout; the fingerprints were worked out apart (md5 of the base64-decoded
# key), as the phone's "Allow USB debugging?" dialog shows them.
ALICE = "C1:E7:19:07:3E:85:CC:44:90:0C:6E:93:83:D0:74:3B"
BENCH = "3E:FF:90:1F:6D:3E:02:10:D4:30:B5:6B:18:D4:F4:CD"


def test_dumpsys_adb_trusted_keys_and_last_connections():
    from adb.parsers.adb_keys import minimised_dump, parse_dumpsys_adb

    dump = parse_dumpsys_adb(real("dumpsys_adb_android13.txt"))
    assert dump.readable
    assert [(k.fingerprint, k.last_connection) for k in dump.keys] == [
        (ALICE, "1700000000000"), (BENCH, "1628501829898")]
    # the minimised form (adb.privacy) reads back the same, without user@host
    again = minimised_dump(dump)
    assert "alice" not in again and "repair-shop" not in again
    assert parse_dumpsys_adb(again) == dump


def test_dumpsys_adb_unreadable_keys_and_other_answers():
    from adb.parsers.adb_keys import parse_dumpsys_adb

    bad = parse_dumpsys_adb(real("dumpsys_adb_keys_unreadable.txt"))
    assert bad.readable is False and "EACCES" in bad.error
    assert parse_dumpsys_adb(b"Can't find service: adb\n") is None
    # no adb_keys file at all: AOSP prints no user_keys line, nothing is trusted
    empty = parse_dumpsys_adb(b"ADB MANAGER STATE (dumpsys adb):\n{\n  debugging_manager={\n"
                              b"    connected_to_adb=true\n  }\n}\n")
    assert empty.readable and empty.keys == ()


# /proc/mounts samples: written for this project after the kernel's format (Linux
# fs/proc_namespace.c show_vfsmnt: octal escapes in the device and mount point) and the
# partitions of a Pixel on Android 13 after `adb remount` (an overlay over /system_ext)
# and of an Android 7 phone (rootfs `/`, a separate /system); MVT's androidqf collects
# the same table (tests/artifacts/androidqf/mounts.json).


def test_proc_mounts_escapes_options_and_order():
    from adb.parsers.mounts import parse_mounts

    mounts = parse_mounts(real("proc_mounts_android13.txt"))
    assert len(mounts) == 15
    assert mounts[0] == Mount("/dev/block/dm-6", "/", "ext4", ("ro", "seclabel", "relatime"))
    assert not mounts[0].writable
    overlay = mounts[10]
    assert (overlay.mount_point, overlay.fs_type, overlay.writable) == ("/system_ext", "overlay", True)
    assert mounts[14].mount_point == "/mnt/media_rw/3A1B-2C4D My Card"
    old = parse_mounts(real("proc_mounts_android7.txt"))
    assert [(m.mount_point, m.fs_type, m.writable) for m in old] == [
        ("/", "rootfs", False), ("/dev", "tmpfs", True), ("/proc", "proc", True),
        ("/system", "ext4", False), ("/data", "ext4", True)]
    assert parse_mounts(b"") is None and parse_mounts(b"cat: /proc/mounts: Permission denied\n") is None


# ls -la samples: written for this project after toybox's long listing (toys/posix/ls.c:
# `total`, then mode, links, owner, group, size or `major, minor`, `YYYY-MM-DD HH:MM`,
# name, `-> target` for a link; `.` and `..` first with -a) and toolbox's on Android 5
# (AOSP system/core toolbox/ls.c: no link count and no `total` line).


def test_ls_la_toybox_and_toolbox():
    from adb.parsers.ls_long import parse_ls_long

    entries = parse_ls_long(real("ls_la_data_local_tmp.txt"))
    assert [e.name for e in entries] == ["frida-server-16.2.1-android-arm64", "notes with spaces.txt",
                                         ".hidden_x", "s", "perfd", "nulldev"]
    frida, notes, hidden, link, folder, dev = entries
    assert (frida.size, frida.owner, frida.executable) == (15214592, "shell", True)
    assert notes.executable is False and hidden.executable is True
    assert link.target == "/sbin/su" and folder.executable is False and dev.size is None
    old = parse_ls_long(real("ls_la_toolbox_android5.txt"))
    assert [(e.name, e.size, e.executable) for e in old] == [("busybox", 735408, True), ("readme", 14, False)]
    assert parse_ls_long(b"total 0\n") == ()
    assert parse_ls_long(b"") is None
    assert parse_ls_long(b"ls: /data/local/tmp: Permission denied\n") is None
