"""The checks over the phone state the forensic tools read (issue 15): computers trusted
for USB debugging, writable system mounts, files in /data/local/tmp. Inputs by hand."""

from __future__ import annotations

from adb.ledger import Fact
from checks.needs import enforce
from checks.posture import adb_trusted_computers as trusted
from model.findings import Severity, Status
from model.snapshot import AdbKey

OURS = "C1:E7:19:07:3E:85:CC:44:90:0C:6E:93:83:D0:74:3B"
OTHER = "3E:FF:90:1F:6D:3E:02:10:D4:30:B5:6B:18:D4:F4:CD"


# --- os.adb-trusted-computers -----------------------------------------------------------------

def test_another_computer_trusted_warns_with_its_fingerprint_and_last_connection(f):
    keys = (AdbKey(OURS, "1700000000000"), AdbKey(OTHER, "1628501829898"))
    r = trusted.evaluate(f.inp(f.snap(adb_keys=keys, host_adb_key=OURS)))
    assert (r.status, r.severity) == (Status.WARN, Severity.MEDIUM)
    assert r.subjects == (OTHER,) and "1 other computer is trusted" in r.summary
    other = next(e for e in r.evidence if OTHER in e.detail)
    # 1628501829898 ms = 2021-08-09 09:37:09 UTC
    assert "another computer" in other.detail and "2021-08-09 09:37 UTC" in other.detail
    assert other.command == "adb shell dumpsys adb"
    assert "Revoke USB debugging authorisations" in r.remediation


def test_only_this_computer_or_none_passes(f):
    r = trusted.evaluate(f.inp(f.snap(adb_keys=(AdbKey(OURS),), host_adb_key=OURS)))
    assert r.status is Status.PASS and "Only this computer" in r.summary
    assert "this computer" in r.evidence[0].detail
    assert trusted.evaluate(f.inp(f.snap(adb_keys=(), host_adb_key=OURS))).status is Status.PASS


def test_without_this_computers_key_it_says_it_cannot_tell(f):
    one = trusted.evaluate(f.inp(f.snap(adb_keys=(AdbKey(OTHER),))))
    assert one.status is Status.INCONCLUSIVE and "cannot tell" in one.summary
    two = trusted.evaluate(f.inp(f.snap(adb_keys=(AdbKey(OURS), AdbKey(OTHER)))))
    assert two.status is Status.WARN and "at least 1 other" in two.summary and "cannot tell" in two.summary


def test_old_android_without_the_dump_is_unsupported_not_pass(f):
    snap = f.snap(facts={"dumpsys adb": Fact("dumpsys adb", "unsupported", "dumpsys adb",
                                             "Can't find service: adb")})
    r = enforce(trusted.META, trusted.evaluate(f.inp(snap)), f.inp(snap))
    # Android 9 and older: not applicable, said to be unsupported (the audit stays complete)
    assert r.status is Status.NOT_APPLICABLE and "not supported, not a pass" in r.summary
    assert r.evidence[0].detail == "Can't find service: adb" and not r.missing


def test_no_adb_service_on_android_10_or_later_is_not_believed(f):
    from dataclasses import replace

    from model.snapshot import DeviceInfo

    facts = {"dumpsys adb": Fact("dumpsys adb", "unsupported", "dumpsys adb", "Can't find service: adb")}
    snap = replace(f.snap(facts=facts), device=DeviceInfo(adb_serial="t", sdk=34))
    r = enforce(trusted.META, trusted.evaluate(f.inp(snap)), f.inp(snap))
    assert r.status is Status.INCONCLUSIVE and r.missing[0]["fact"] == "dumpsys adb"
    old = replace(f.snap(facts=facts), device=DeviceInfo(adb_serial="t", sdk=28))
    assert trusted.evaluate(f.inp(old)).status is Status.NOT_APPLICABLE


def test_a_refused_dump_is_inconclusive_and_names_the_fact(f):
    snap = f.snap(facts={"dumpsys adb": Fact("dumpsys adb", "refused", "dumpsys adb",
                                             "Permission Denial: can't dump adb")})
    r = enforce(trusted.META, trusted.evaluate(f.inp(snap)), f.inp(snap))
    assert r.status is Status.INCONCLUSIVE and "Permission Denial" in r.summary
    assert [(m["fact"], m["state"]) for m in r.missing] == [("dumpsys adb", "refused")]


# --- os.system-mounts -------------------------------------------------------------------------

def _m(point, fs, opts, dev="/dev/block/dm-1"):
    from model.snapshot import Mount
    return Mount(dev, point, fs, tuple(opts.split(",")))


def test_a_writable_system_partition_fails_high_with_the_mount_line(f):
    from checks.posture import system_mounts

    mounts = (_m("/", "ext4", "ro,seclabel"), _m("/vendor", "ext4", "ro,seclabel"),
              _m("/system_ext", "ext4", "ro,seclabel"), _m("/data", "f2fs", "rw,nosuid"),
              # `adb remount` puts a writable overlay on top of the read-only mount
              _m("/system_ext", "overlay", "rw,seclabel,lowerdir=/system_ext", dev="overlay"))
    r = system_mounts.evaluate(f.inp(f.snap(mounts=mounts)))
    assert (r.status, r.severity) == (Status.FAIL, Severity.HIGH)
    assert r.subjects == ("/system_ext",)
    assert r.evidence[0].detail == "overlay /system_ext overlay rw,seclabel,lowerdir=/system_ext"
    assert r.evidence[0].command == "adb shell cat /proc/mounts"


def test_read_only_system_passes_and_rootfs_is_not_the_system(f):
    from checks.posture import system_mounts

    # Android 7: a rootfs `/` (writable here) under a read-only /system
    old = (_m("/", "rootfs", "rw,seclabel", dev="rootfs"), _m("/system", "ext4", "ro,seclabel"),
           _m("/data", "ext4", "rw"))
    r = system_mounts.evaluate(f.inp(f.snap(mounts=old)))
    assert r.status is Status.PASS and "(/system)" in r.summary
    # no system partition listed at all: not a pass
    r = system_mounts.evaluate(f.inp(f.snap(mounts=(_m("/data", "ext4", "rw"),))))
    assert r.status is Status.INCONCLUSIVE
    # not read
    snap = f.snap(facts={"mounts": Fact("mounts", "refused", "cat /proc/mounts", "Permission denied")})
    r = enforce(system_mounts.META, system_mounts.evaluate(f.inp(snap)), f.inp(snap))
    assert r.status is Status.INCONCLUSIVE and "mounts (refused)" in r.summary


# --- os.data-local-tmp ------------------------------------------------------------------------

def _e(name, mode="-rwxr-xr-x", size=100, target=None):
    from model.snapshot import DirEntry
    return DirEntry(name, mode, "shell", "shell", size, target)


def test_known_tools_fail_and_other_programs_warn(f):
    from checks.posture import local_tmp

    entries = (_e("frida-server-16.2.1-android-arm64"), _e("notes.txt", "-rw-rw-rw-"), _e(".x"))
    r = local_tmp.evaluate(f.inp(f.snap(local_tmp=entries)))
    assert (r.status, r.severity) == (Status.FAIL, Severity.HIGH)
    assert r.subjects == ("frida-server-16.2.1-android-arm64", ".x")
    assert "frida-server-16.2.1-android-arm64" in r.summary and "other programs: .x" in r.summary
    assert r.evidence[0].command == "adb shell ls -la /data/local/tmp"
    # a link named su is a known tool too
    r = local_tmp.evaluate(f.inp(f.snap(local_tmp=(_e("su", "lrwxrwxrwx", 7, "/sbin/su"),))))
    assert r.status is Status.FAIL and "-> /sbin/su" in r.evidence[0].detail
    r = local_tmp.evaluate(f.inp(f.snap(local_tmp=(_e("mytool"), _e("data.bin", "-rw-r--r--")))))
    assert (r.status, r.severity, r.subjects) == (Status.WARN, Severity.MEDIUM, ("mytool",))


def test_hostile_names_are_cut_and_made_visible(f):
    from checks.posture import local_tmp

    name = "\x1b]0;owned\x07" + "a" * 5000
    r = local_tmp.evaluate(f.inp(f.snap(local_tmp=(_e(name),))))
    assert r.status is Status.WARN
    assert "\x1b" not in r.summary and "\\x1b]0;owned\\x07" in r.summary
    assert len(r.summary) < 400 and "more chars" in r.summary


def test_empty_passes_only_when_listed(f):
    from checks.posture import local_tmp

    assert local_tmp.evaluate(f.inp(f.snap(local_tmp=()))).status is Status.PASS
    r = local_tmp.evaluate(f.inp(f.snap(local_tmp=(_e("notes.txt", "-rw-r--r--"),))))
    assert r.status is Status.PASS and "none of them a program" in r.summary
    snap = f.snap(facts={"ls /data/local/tmp": Fact("ls /data/local/tmp", "refused", "ls -la /data/local/tmp",
                                                    "ls: /data/local/tmp: Permission denied")})
    r = enforce(local_tmp.META, local_tmp.evaluate(f.inp(snap)), f.inp(snap))
    assert r.status is Status.INCONCLUSIVE and "ls /data/local/tmp (refused)" in r.summary
