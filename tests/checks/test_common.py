"""Shared helpers: quoting phone-supplied names, package predicates, dates."""

from __future__ import annotations

from datetime import date

from model.snapshot import PackageInfo
from checks import code_hits, commands, dates, packages
from model.apk_report import Hit, PackageApks, ApkReport


def test_hostile_names_are_quoted_in_commands():
    evil = "com.x; rm -rf /"
    assert commands.cmd_dumpsys_package(evil) == "adb shell dumpsys package 'com.x; rm -rf /'"
    assert commands.cmd_appops(evil, "OP") == "adb shell appops get 'com.x; rm -rf /' OP"
    cmd = commands.cmd_code("/data/app/$(reboot)/base.apk", "classes.dex", "a'b")
    assert "'/data/app/$(reboot)/base.apk'" in cmd
    assert "grep -F 'a'\"'\"'b'" in cmd


def test_hit_evidence_uses_the_split_it_was_found_in(f):
    p = PackageInfo(name="com.app", path="/data/app/x/base.apk", split_paths=("/data/app/x/split_a.apk",))
    h = Hit("t", "T", "class", "com.t.Cls", "classes2.dex")
    pa = PackageApks("com.app", (ApkReport("a"), ApkReport("b", trackers=(h,))))
    ev = code_hits.hit_evidence(p, pa, h)
    assert ev.command == ("adb pull /data/app/x/split_a.apk && unzip -p split_a.apk classes2.dex "
                          "| strings | grep -F com/t/Cls")
    assert ev.source == "classes2.dex of com.app (/data/app/x/split_a.apk)"


def test_preinstalled_and_install_rights(f):
    assert packages.is_preinstalled(f.pkg("a", path="/product/app/A/A.apk"))
    assert packages.is_preinstalled(f.pkg("a", system=True, path="/data/app/a/base.apk"))  # updated system app
    assert not packages.is_preinstalled(f.pkg("a"))
    assert packages.installs_apps(f.pkg("a", appops={"REQUEST_INSTALL_PACKAGES": "allow"}))
    assert not packages.installs_apps(f.pkg("a", appops={"REQUEST_INSTALL_PACKAGES": "default"}))
    assert packages.installs_apps(f.pkg("a", granted=["android.permission.INSTALL_PACKAGES"]))


def test_internet_unknown_means_may(f):
    assert packages.may_use_internet(f.pkg("a"))
    assert not packages.may_use_internet(f.pkg("a", requested=["android.permission.VIBRATE"]))
    assert packages.may_use_internet(f.pkg("a", requested=["android.permission.INTERNET"]))


def test_internet_is_per_uid_not_per_package(f):
    """Two packages with one sharedUserId are one uid: INTERNET asked by either is both's."""
    from dataclasses import replace

    quiet = replace(f.pkg("com.v.quiet", requested=["android.permission.VIBRATE"]), uid=10077)
    talker = replace(f.pkg("com.v.talker", requested=["android.permission.INTERNET"]), uid=10077)
    other = replace(f.pkg("com.v.other", requested=["android.permission.INTERNET"]), uid=10078)
    assert not packages.may_use_internet(quiet, None, f.snap([quiet, other]))
    assert packages.may_use_internet(quiet, None, f.snap([quiet, talker, other]))


def test_dates_never_raise(f):
    assert dates.parse_date("2020-11-01") == date(2020, 11, 1)
    assert dates.parse_date("garbage") is None and dates.parse_date(None) is None
    assert dates.audit_date(f.snap(collected_at="2021-06-01T23:59:59Z")) == date(2021, 6, 1)
    assert dates.audit_date(f.snap(collected_at="not a date")) >= date(2024, 1, 1)
    assert dates.ms_to_iso("1632300000000") == "2021-09-22 08:40 UTC"
    assert dates.ms_to_iso("x") is None and dates.ms_to_iso(None) is None
