"""Each command's output, byte for byte, against hand-written expected text."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from simulator.phone import PhoneModel
from support.shell import BASIC, basic_phone, sh  # noqa: F401

SPY = "/data/app/com.example.spy-AbCdEf==/base.apk"
SPY_SPLIT = "/data/app/com.example.spy-AbCdEf==/split_config.arm64_v8a.apk"


@pytest.fixture(scope="module")
def phone(tmp_path_factory):
    return basic_phone(tmp_path_factory.mktemp("apks"))


def test_banner(phone):
    assert phone.banner() == "device::ro.product.name=apollo_eea;ro.product.model=M2007J3SG;ro.product.device=apollo;"


def test_banner_strips_separators(tmp_path):
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "profile.toml").write_text('[device]\n[props]\n"ro.product.model" = "a;b:c=d"\n')
    assert PhoneModel.load(folder).banner() == "device::ro.product.name=;ro.product.model=abcd;ro.product.device=;"


def test_getprop(phone):
    out, err, code = sh(phone, "getprop")
    lines = out.splitlines()
    assert lines[0] == "[ro.build.date.utc]: [1603800000]"
    assert "[ro.product.model]: [M2007J3SG]" in lines
    assert lines == sorted(lines) and len(lines) == 10 and code == 0
    assert sh(phone, "getprop ro.serialno") == ("a1b2c3d4\n", "", 0)
    assert sh(phone, "getprop no.such.prop") == ("\n", "", 0)
    assert sh(phone, "getprop no.such.prop fallback") == ("fallback\n", "", 0)


def test_pm_list_packages_all_flags(phone):
    expected = (
        "package:/system/priv-app/SecurityCenter/SecurityCenter.apk=com.miui.securitycenter versionCode:40000731  installer=com.xiaomi.market uid:1000\n"
        "package:/system/app/MiBrowserGlobal/MiBrowserGlobal.apk=com.mi.globalbrowser versionCode:120607  installer=null uid:10071\n"
        f"package:{SPY}=com.example.spy versionCode:7  installer=null uid:10213\n"
    )
    assert sh(phone, "pm list packages -f -i -U -u --show-versioncode") == (expected, "", 0)
    assert sh(phone, "cmd package list packages -f -i -U --show-versioncode") == (expected, "", 0)
    assert sh(phone, "pm list packages -fiU --show-versioncode") == (expected, "", 0)


def test_pm_list_packages_filters(phone):
    assert sh(phone, "pm list packages") == (
        "package:com.miui.securitycenter\npackage:com.mi.globalbrowser\npackage:com.example.spy\n", "", 0)
    assert sh(phone, "pm list packages -3") == ("package:com.example.spy\n", "", 0)
    assert sh(phone, "pm list packages -s -e") == ("package:com.miui.securitycenter\n", "", 0)
    assert sh(phone, "pm list packages -d") == ("package:com.mi.globalbrowser\n", "", 0)
    assert sh(phone, "pm list packages -i browser") == ("package:com.mi.globalbrowser  installer=null\n", "", 0)
    assert sh(phone, "pm list packages -U spy") == ("package:com.example.spy uid:10213\n", "", 0)
    assert sh(phone, "pm list packages -x") == ("", "Error: Unknown option: -x\n", 255)


def test_pm_list_uninstalled_needs_u(tmp_path):
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "profile.toml").write_text(
        '[device]\n[props]\n[[packages]]\nname = "com.a"\n[[packages]]\nname = "com.gone"\ninstalled = false\n')
    phone = PhoneModel.load(folder, apk_cache_dir=tmp_path / "c")
    assert sh(phone, "pm list packages") == ("package:com.a\n", "", 0)
    assert sh(phone, "pm list packages -u") == ("package:com.a\npackage:com.gone\n", "", 0)


def test_pm_path(phone):
    assert sh(phone, "pm path com.example.spy") == (f"package:{SPY}\npackage:{SPY_SPLIT}\n", "", 0)
    assert sh(phone, "pm path com.mi.globalbrowser") == (
        "package:/system/app/MiBrowserGlobal/MiBrowserGlobal.apk\n", "", 0)
    assert sh(phone, "pm path com.nope") == ("", "", 1)


SPY_BLOCK = f"""\
  Package [com.example.spy] (cfb1860):
    userId=10213
    pkg=Package{{baa4da6 com.example.spy}}
    codePath=/data/app/com.example.spy-AbCdEf==
    resourcePath=/data/app/com.example.spy-AbCdEf==
    legacyNativeLibraryDir=/data/app/com.example.spy-AbCdEf==/lib
    primaryCpuAbi=null
    secondaryCpuAbi=null
    versionCode=7 minSdk=23 targetSdk=29
    versionName=1.7
    splits=[base, config.arm64_v8a]
    apkSigningVersion=2
    applicationInfo=ApplicationInfo{{e98ceec com.example.spy}}
    flags=[ HAS_CODE ALLOW_CLEAR_USER_DATA ALLOW_BACKUP ]
    privateFlags=[ PRIVATE_FLAG_ACTIVITIES_RESIZE_MODE_RESIZEABLE_VIA_SDK_VERSION ALLOW_AUDIO_PLAYBACK_CAPTURE ]
    dataDir=/data/user/0/com.example.spy
    supportsScreens=[small, medium, large, xlarge, resizeable, anyDensity]
    timeStamp=2021-09-23 10:11:12
    firstInstallTime=2021-09-22 10:11:12
    lastUpdateTime=2021-09-23 10:11:12
    signatures=PackageSignatures{{c8f32a6 version:2, signatures:[d32fd22], past signatures:[]}}
    installPermissionsFixed=true
    pkgFlags=[ HAS_CODE ALLOW_CLEAR_USER_DATA ALLOW_BACKUP ]
    requested permissions:
      android.permission.INTERNET
      android.permission.READ_SMS
      android.permission.RECORD_AUDIO
      android.permission.CAMERA
      android.permission.SYSTEM_ALERT_WINDOW
    install permissions:
      android.permission.INTERNET: granted=true
      android.permission.SYSTEM_ALERT_WINDOW: granted=true
    User 0: ceDataInode=986147 installed=true hidden=false suspended=false stopped=false notLaunched=false enabled=0 instant=false virtual=false
      gids=[3003]
      runtime permissions:
        android.permission.READ_SMS: granted=true, flags=[ USER_SET|USER_SENSITIVE_WHEN_GRANTED|USER_SENSITIVE_WHEN_DENIED]
        android.permission.RECORD_AUDIO: granted=true, flags=[ USER_SET|USER_SENSITIVE_WHEN_GRANTED|USER_SENSITIVE_WHEN_DENIED]
        android.permission.CAMERA: granted=false, flags=[ USER_SENSITIVE_WHEN_GRANTED|USER_SENSITIVE_WHEN_DENIED]
"""


def test_dumpsys_package_one(phone):
    expected = (
        "Service Resolver Table:\n"
        "  Non-Data Actions:\n"
        "      android.accessibilityservice.AccessibilityService:\n"
        "        3030e55 com.example.spy/.A11y filter ab27fd0\n"
        '          Action: "android.accessibilityservice.AccessibilityService"\n'
        "\n"
        "Key Set Manager:\n"
        "  [com.example.spy]\n"
        "      Signing KeySets: 29\n"
        "\n"
        "Packages:\n"
        + SPY_BLOCK
        + "\n"
        "Dexopt state:\n"
        "  [com.example.spy]\n"
        f"    path: {SPY}\n"
        "      arm64: [status=speed-profile] [reason=install]\n"
        "\n"
    )
    assert sh(phone, "dumpsys package com.example.spy") == (expected, "", 0)
    assert sh(phone, "pm dump com.example.spy") == (expected, "", 0)


def test_dumpsys_package_system_app_blocks(phone):
    out = sh(phone, "dumpsys package com.miui.securitycenter")[0]
    assert "    userId=1000\n    sharedUser=SharedUserSetting{f95e7a3 android.uid.system/1000}\n" in out
    assert "    flags=[ SYSTEM HAS_CODE ALLOW_CLEAR_USER_DATA ALLOW_BACKUP ]\n" in out
    assert "PRIVILEGED ]\n" in out
    assert "    installerPackageName=com.xiaomi.market\n" in out
    assert (
        "    requested permissions:\n"
        "      android.permission.SEND_SMS\n"
        "      android.permission.READ_PHONE_STATE\n"
        "      android.permission.INTERNET\n"
        "      android.permission.REQUEST_INSTALL_PACKAGES\n"
        "    install permissions:\n"
        "      android.permission.INTERNET: granted=true\n"
        "      android.permission.REQUEST_INSTALL_PACKAGES: granted=true\n"
    ) in out
    assert (
        "        android.permission.SEND_SMS: granted=true, flags=[ GRANTED_BY_DEFAULT|USER_SENSITIVE_WHEN_GRANTED|USER_SENSITIVE_WHEN_DENIED]\n"
    ) in out
    disabled = sh(phone, "dumpsys package com.mi.globalbrowser")[0]
    assert " enabled=3 instant=false virtual=false\n" in disabled
    assert "    versionCode=120607 minSdk=21 targetSdk=28\n" in disabled
    assert "installerPackageName" not in disabled  # Android 10 prints it only when set


def test_dumpsys_package_all(phone):
    out = sh(phone, "dumpsys package")[0]
    assert out.startswith("Database versions:\n  Internal:\n    sdkVersion=29 databaseVersion=3\n")
    assert out.count("  Package [") == 3
    assert SPY_BLOCK in out
    assert sh(phone, "dumpsys package packages")[0].count("  Package [") == 3


def test_dumpsys_package_android14_layout(tmp_path):
    folder = tmp_path / "p14"
    folder.mkdir()
    (folder / "profile.toml").write_text(
        '[device]\n[props]\n"ro.build.version.sdk" = "34"\n'
        '[[packages]]\nname = "com.android.vending"\nsystem = true\nuid = 10100\n'
        '[[packages]]\nname = "com.a"\ninstaller = "com.android.vending"\nuid = 10200\n'
        'first_install_time = "2024-01-02 03:04:05"\n')
    phone = PhoneModel.load(folder, apk_cache_dir=tmp_path / "c")
    out = sh(phone, "dumpsys package com.a")[0]
    assert "    appId=10200\n" in out
    assert "    installerPackageName=com.android.vending\n    installerPackageUid=10100\n" in out
    assert " suspended=false distractionFlags=0 stopped=false" in out
    assert "      installReason=0\n      firstInstallTime=2024-01-02 03:04:05\n      uninstallReason=0\n" in out
    assert "\n    firstInstallTime=" not in out
    assert out.count("/data/app/~~") >= 1  # Android 11+ install folders


def test_settings(phone):
    assert sh(phone, "settings list secure") == (
        "enabled_accessibility_services=\ninstall_non_market_apps=1\n", "", 0)
    assert sh(phone, "settings list global") == ("adb_enabled=1\npackage_verifier_enable=1\n", "", 0)
    assert sh(phone, "settings get global package_verifier_enable") == ("1\n", "", 0)
    assert sh(phone, "settings get secure missing_key") == ("null\n", "", 0)
    assert sh(phone, "cmd settings get system screen_brightness") == ("102\n", "", 0)
    assert sh(phone, "settings --user 0 get system screen_brightness") == ("102\n", "", 0)
    assert sh(phone, "settings list nope")[2] == 255


def test_content_query(phone):
    uri = "content://sms/sent"
    assert sh(phone, f"content query --uri {uri}") == (
        "Row: 0 _id=12, address=+37060000000, date=1632300000000, type=2, body=hello, world\n"
        "Row: 1 _id=13, address=1065, date=1632200000000, type=2, body=NULL\n"
        "Row: 2 _id=14, address=+37060000001, date=1632400000000, type=2, body=x\n", "", 0)


def test_content_query_projection_where_sort(phone):
    uri = "content://sms/sent"
    assert sh(phone, f"content query --uri {uri} --projection _id:address --sort 'date DESC'") == (
        "Row: 0 _id=14, address=+37060000001\nRow: 1 _id=12, address=+37060000000\nRow: 2 _id=13, address=1065\n", "", 0)
    assert sh(phone, f"content query --uri {uri} --projection _id:date --sort date") == (
        "Row: 0 _id=13, date=1632200000000\nRow: 1 _id=12, date=1632300000000\nRow: 2 _id=14, date=1632400000000\n", "", 0)
    assert sh(phone, f"content query --uri {uri} --projection _id --where \"address='1065'\"") == (
        "Row: 0 _id=13\n", "", 0)
    assert sh(phone, f"content query --uri {uri} --projection _id --where _id=14") == ("Row: 0 _id=14\n", "", 0)
    assert sh(phone, f"content query --uri {uri} --projection _id:nosuch --where 'date > 1632250000000 AND type=2'") == (
        "Row: 0 _id=12, nosuch=NULL\nRow: 1 _id=14, nosuch=NULL\n", "", 0)
    assert sh(phone, f"content query --uri {uri} --where \"address='nobody'\"") == ("No result found.\n", "", 0)


def test_content_query_errors_go_to_stderr_with_status_0(phone):
    out, err, code = sh(phone, "content query --uri content://com.nope.provider/x")
    assert (out, code) == ("", 0)
    assert err.startswith("Error while accessing provider:com.nope.provider\n"
                          "java.lang.IllegalStateException: Could not find provider: com.nope.provider\n")
    out, err, code = sh(phone, "content query --uri content://sms/sent --where 'nosuch=1'")
    assert (out, code) == ("", 0)
    assert err == ("Error while accessing provider:sms\n"
                   "android.database.sqlite.SQLiteException: no such column: nosuch (code 1 SQLITE_ERROR)\n")
    # a known provider, a path with no rows
    assert sh(phone, "content query --uri content://sms/inbox") == ("No result found.\n", "", 0)


def test_appops(phone):
    assert sh(phone, "appops get com.example.spy") == ("SYSTEM_ALERT_WINDOW: allow\nCAMERA: ignore\n", "", 0)
    assert sh(phone, "appops get com.miui.securitycenter REQUEST_INSTALL_PACKAGES") == (
        "REQUEST_INSTALL_PACKAGES: allow\n", "", 0)
    assert sh(phone, "cmd appops get com.miui.securitycenter android:request_install_packages") == (
        "REQUEST_INSTALL_PACKAGES: allow\n", "", 0)
    assert sh(phone, "appops get com.example.spy REQUEST_INSTALL_PACKAGES") == (
        "No operations.\nDefault mode: default\n", "", 0)
    assert sh(phone, "appops get com.mi.globalbrowser") == ("No operations.\n", "", 0)
    assert sh(phone, "appops get com.nope") == ("", "Error: No UID for com.nope in user 0\n", 255)
    assert sh(phone, "appops get com.example.spy NOT_AN_OP")[2] == 255


def test_dumpsys_account(phone):
    assert sh(phone, "dumpsys account") == (
        "User UserInfo{0:Owner:13}:\n"
        "  Accounts: 2\n"
        "    Account {name=user@example.com, type=com.xiaomi}\n"
        "    Account {name=user@gmail.com, type=com.google}\n"
        "\n"
        "  Active Sessions: 0\n"
        "\n"
        "  RegisteredServicesCache: 2 services\n"
        "    ServiceInfo: AuthenticatorDescription {type=com.xiaomi}\n"
        "    ServiceInfo: AuthenticatorDescription {type=com.google}\n"
        "\n"
        "  Account visibility:\n"
        "    user@example.com, com.xiaomi\n"
        "    user@gmail.com, com.google\n", "", 0)


def test_small_commands(phone):
    assert sh(phone, "getenforce") == ("Enforcing\n", "", 0)
    assert sh(phone, "id") == (
        "uid=2000(shell) gid=2000(shell) groups=2000(shell),1004(input),1007(log),1011(adb),"
        "1015(sdcard_rw),1028(sdcard_r),3001(net_bt_admin),3002(net_bt),3003(inet),3006(net_bw_stats),"
        "3009(readproc),3011(uhid) context=u:r:shell:s0\n", "", 0)
    assert sh(phone, "id -u") == ("2000\n", "", 0)
    assert sh(phone, "echo -n x") == ("x", "", 0)
    assert sh(phone, "dumpsys nosuchservice") == ("", "Can't find service: nosuchservice\n", 0)
    assert sh(phone, "cmd nosuchservice") == ("", "cmd: Can't find service: nosuchservice\n", 20)


def test_ls(phone):
    assert sh(phone, "ls /data/app/com.example.spy-AbCdEf==") == (
        "base.apk\nsplit_config.arm64_v8a.apk\n", "", 0)
    assert sh(phone, f"ls {SPY}") == (f"{SPY}\n", "", 0)
    assert sh(phone, "ls /system") == ("app\netc\npriv-app\n", "", 0)
    assert sh(phone, "ls /nope") == ("", "ls: /nope: No such file or directory\n", 1)
    assert sh(phone, "ls /data/app") == ("", "ls: /data/app: Permission denied\n", 1)
    assert sh(phone, "ls -l /system/etc") == (
        "total 4\n-rw-r--r-- 1 root root 56 2020-10-27 12:00 hosts\n", "", 0)
    assert sh(phone, "ls -l /system/app/MiBrowserGlobal/MiBrowserGlobal.apk") == (
        "-rw-r--r-- 1 root root 3000 2020-10-27 12:00 /system/app/MiBrowserGlobal/MiBrowserGlobal.apk\n", "", 0)
    assert sh(phone, "ls -d /system") == ("/system\n", "", 0)


def test_stat_and_cat(phone):
    out, err, code = sh(phone, "stat /system/etc/hosts")
    assert code == 0 and err == ""
    assert out.startswith("  File: /system/etc/hosts\n  Size: 56\t Blocks: 1\t IO Blocks: 4096\tregular file\n")
    assert "Access: (0644/-rw-r--r--)\tUid: (    0/    root)\tGid: (    0/    root)\n" in out
    assert "Modify: 2020-10-27 12:00:00.000000000 +0000\n" in out
    assert sh(phone, "stat /nope") == ("", "stat: '/nope': No such file or directory\n", 1)
    hosts = (BASIC / "files" / "hosts").read_text()
    assert sh(phone, "cat /system/etc/hosts") == (hosts, "", 0)
    assert sh(phone, "cat /system/etc") == ("", "cat: /system/etc: Is a directory\n", 1)
    assert sh(phone, "cat /nope") == ("", "cat: /nope: No such file or directory\n", 1)


def test_hash_sums_match_the_served_bytes(phone):
    browser = BASIC / "apks" / "Browser.apk"
    want = hashlib.sha256(browser.read_bytes()).hexdigest()
    path = "/system/app/MiBrowserGlobal/MiBrowserGlobal.apk"
    assert sh(phone, f"sha256sum {path}") == (f"{want}  {path}\n", "", 0)
    md5 = hashlib.md5(browser.read_bytes()).hexdigest()
    assert sh(phone, f"md5sum {path} /nope") == (
        f"{md5}  {path}\n", "md5sum: /nope: No such file or directory\n", 1)
    assert sh(phone, "sha256sum /system/etc") == ("", "sha256sum: /system/etc: Is a directory\n", 1)
    # a synthesized APK: the hash is of the very file served over sync
    local = phone.apk_file("com.example.spy")
    assert local is not None and local.is_file()
    with phone.open_file(SPY) as f:
        served = f.read()
    assert served == local.read_bytes()
    assert sh(phone, f"sha256sum {SPY}") == (f"{hashlib.sha256(served).hexdigest()}  {SPY}\n", "", 0)
    assert phone.stat(SPY).size == len(served)


def test_sync_view_of_the_files(phone):
    names = [n for n, _ in phone.listdir("/data/app/com.example.spy-AbCdEf==")]
    assert names == ["base.apk", "split_config.arm64_v8a.apk"]
    assert phone.listdir("/data/app") == []  # not listable by the shell user
    assert phone.listdir(SPY) is None
    st = phone.stat("/system/etc/hosts")
    assert (st.mode, st.size) == (0o100644, 56)
    assert phone.stat("/system").mode == 0o040755
    assert phone.stat("/nope") is None and phone.open_file("/nope") is None


def test_synthesized_apk_is_a_real_apk_with_the_profile_data(phone):
    from androguard.core.apk import APK
    from loguru import logger

    logger.disable("androguard")
    apk = APK(str(phone.apk_file("com.example.spy")))
    assert apk.get_package() == "com.example.spy"
    assert apk.get_androidversion_code() == "7"
    assert "android.permission.READ_SMS" in apk.get_permissions()
    assert "android.permission.SYSTEM_ALERT_WINDOW" in apk.get_permissions()  # from the app op
    minimal = APK(str(phone.apk_file("com.miui.securitycenter")))  # no [packages.apk]: still an APK
    assert minimal.get_package() == "com.miui.securitycenter"
    assert "android.permission.SEND_SMS" in minimal.get_permissions()


def test_apk_cache_is_reused(tmp_path):
    first = PhoneModel.load(BASIC, apk_cache_dir=tmp_path).apk_file("com.example.spy")
    mtime = first.stat().st_mtime_ns
    second = PhoneModel.load(BASIC, apk_cache_dir=tmp_path).apk_file("com.example.spy")
    assert first == second and second.stat().st_mtime_ns == mtime
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"] == []


def test_apk_cache_dir_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("PHONE_AUDIT_APK_CACHE", str(tmp_path / "envcache"))
    phone = PhoneModel.load(BASIC)
    assert phone.apk_file("com.example.spy").parent == tmp_path / "envcache"


def test_loading_synthesizes_nothing(tmp_path):
    PhoneModel.load(BASIC, apk_cache_dir=tmp_path / "lazy").run_shell("dumpsys package; pm list packages -f")
    assert not (tmp_path / "lazy").exists()
