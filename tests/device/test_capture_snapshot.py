"""Captures on disk (round trip, tamper detection) and build_snapshot merging the
real-format samples into one DeviceSnapshot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adb.capture import CaptureError, RawCapture, RawOutput, load_capture, save_capture
from adb.parsers.build_snapshot import build_snapshot
from adb.parsers import commands as C
from model.snapshot import Problem

REAL = Path(__file__).parent / "fixtures" / "real"


def out(argv, stdout=b"", stderr=b"", code=0, error=None) -> RawOutput:
    if isinstance(stdout, str):
        stdout = (REAL / stdout).read_bytes()
    return RawOutput(C.line(argv), stdout, stderr, code, "2026-01-01T00:00:00.000Z", error)


def sample_capture(complete=True) -> RawCapture:
    return RawCapture(
        adb_serial="a1b2c3d4",
        started_at="2026-01-01T00:00:00.000Z",
        outputs=(
            out(C.GETPROP, "getprop_miui12_mi10t.txt"),
            out(C.PM_LIST_VARIANTS[0], b"", b"Error: Unknown option: --show-versioncode\n", 255),
            out(C.PM_LIST_VARIANTS[1], "pm_list_packages_f_i_U_u.txt"),
            out(C.PM_DISABLED, b"package:com.xiaomi.mipicks\n"),
            out(C.PM_SYSTEM, b"package:com.miui.securitycenter\npackage:com.android.chrome\npackage:com.xiaomi.mipicks\n"),
            out(C.DUMPSYS_PACKAGE, "dumpsys_package_mixed.txt"),
            out(C.pm_path("com.android.chrome"), "pm_path_chrome.txt"),
            out(C.appops_get("org.example.flashlight"), "appops_get_install.txt"),
            out(C.settings_list("global"), b"package_verifier_enable=1\n"),
            out(C.settings_list("secure"), "settings_secure.txt"),
            out(C.settings_list("system"), b"screen_brightness=102\r\n"),
            # dumpsys_package_mixed.txt has an app installed for user 10: its own settings are read
            out(C.settings_list_user("secure", 10), b"user_setup_complete=1\nenabled_accessibility_services=\n"),
            out(C.DUMPSYS_ACCOUNT, "dumpsys_account.txt"),
            out(C.DUMPSYS_DEVICE_POLICY, "dumpsys_device_policy.txt"),
            out(C.DUMPSYS_ACCESSIBILITY, b"", b"/system/bin/sh: dumpsys: not found\n", 127),
            out(C.GETENFORCE, b"Enforcing\n"),
            out(C.ID, b"uid=2000(shell) gid=2000(shell)\n"),
            out(C.WHICH_SU, b"/system/xbin/su\n"),
            out(C.ls("/system/xbin/su"), b"/system/xbin/su\n"),
            out(C.ls("/sbin/su"), b"", b"ls: /sbin/su: No such file or directory\n", 1),
            out(C.sms_query(C.SMS_COLUMNS), b"", (REAL / "content_query_sms_error.txt").read_bytes(), 0),
            out(C.sms_query(C.SMS_COLUMNS_BASIC), b"Row: 0 _id=1, thread_id=1, address=Bank, Ltd, date=5, type=1, read=1\n"),
            # phone state (issue 15)
            out(C.PS, "ps_A_o_user_pid_ppid_name.txt"),
            out(C.DUMPSYS_ADB, "dumpsys_adb_android13.txt"),
            out(C.CAT_MOUNTS, "proc_mounts_android13.txt"),
            out(C.LS_LOCAL_TMP, "ls_la_data_local_tmp.txt"),
        ),
        complete=complete,
    )


def test_build_snapshot_merges_every_source():
    snap = build_snapshot(sample_capture())
    assert snap.problems == ()
    assert snap.collected_at == "2026-01-01T00:00:00.000Z"
    assert snap.device.manufacturer == "Xiaomi" and snap.device.sdk == 29 and snap.device.adb_serial == "a1b2c3d4"
    names = [p.name for p in snap.packages]
    assert names == ["com.miui.securitycenter", "com.android.chrome", "com.xiaomi.mipicks",
                     "org.example.flashlight", "com.facebook.katana"]
    chrome = snap.package("com.android.chrome")
    assert chrome.installer == "com.android.vending" and chrome.system and chrome.enabled
    assert chrome.path.endswith("/base.apk") and len(chrome.split_paths) == 3
    assert chrome.apk_paths[0] == chrome.path
    mipicks = snap.package("com.xiaomi.mipicks")
    assert mipicks.enabled is False and mipicks.installed is False and mipicks.system
    fl = snap.package("org.example.flashlight")
    assert fl.installer is None and not fl.system and fl.uid == 10231
    assert fl.holds("android.permission.READ_SMS") and fl.holds("android.permission.REQUEST_INSTALL_PACKAGES")
    assert fl.appops == {"REQUEST_INSTALL_PACKAGES": "allow"}
    fb = snap.package("com.facebook.katana")  # listed, but not in dumpsys: list facts only
    assert fb.installer == "com.miui.packageinstaller" and fb.requested_permissions == ()
    assert snap.setting("global", "package_verifier_enable") == "1"
    assert snap.setting("system", "screen_brightness") == "102"
    assert [a.type for a in snap.accounts] == ["com.google", "com.xiaomi", "com.whatsapp"]
    assert any(a.device_owner for a in snap.device_admins)
    assert snap.accessibility_services[0] == "org.example.flashlight/org.example.flashlight.Helper"
    assert snap.notification_listeners[1] == "org.example.flashlight/.Listener"
    assert snap.default_sms_app == "com.android.mms"
    assert snap.selinux == "Enforcing"
    assert snap.root.su_paths == ("/system/xbin/su",) and not snap.root.shell_is_root
    assert snap.sms.readable and snap.sms.messages[0].address == "Bank, Ltd"
    assert snap.sms.messages[0].box == "inbox" and snap.sms.messages[0].creator is None
    assert len(snap.processes) == 13 and snap.processes[9].name == "com.spy.example:remote"
    assert snap.facts["ps"].read
    assert [k.last_connection for k in snap.adb_keys] == ["1700000000000", "1628501829898"]
    assert len(snap.mounts) == 15 and snap.facts["mounts"].read
    assert len(snap.local_tmp) == 6 and snap.facts["ls /data/local/tmp"].read


def test_problems_for_what_could_not_be_read():
    raw = sample_capture()
    broken = tuple(
        RawOutput(o.command, b"", b"Security exception: no permission\n", 1, o.at) if o.command == "dumpsys account" else o
        for o in raw.outputs
    )
    snap = build_snapshot(RawCapture(raw.adb_serial, raw.started_at, broken))
    assert [p.command for p in snap.problems] == ["dumpsys account"]
    assert "no permission" in snap.problems[0].reason
    assert snap.accounts == ()


def test_incomplete_capture_reports_only_where_it_stopped():
    raw = RawCapture("s", "t", sample_capture().outputs[:3], complete=False,
                     problems=(Problem("dumpsys package", "the phone was disconnected"),))
    snap = build_snapshot(raw)
    assert snap.complete is False
    assert snap.problems == raw.problems
    assert len(snap.packages) == 5 and snap.package("com.android.chrome").requested_permissions == ()


def test_save_load_round_trip_equal_snapshot(tmp_path):
    raw = sample_capture()
    raw = RawCapture(raw.adb_serial, raw.started_at,
                     raw.outputs + (RawOutput("pm path 'weird name;rm -rf /'", b"\xff\xfe\x00", b"", None, "t", "x"),),
                     complete=False, problems=(Problem("x", "y"),),
                     host_adb_key="C1:E7:19:07:3E:85:CC:44:90:0C:6E:93:83:D0:74:3B")
    save_capture(raw, tmp_path / "cap")
    files = sorted(p.name for p in (tmp_path / "cap").iterdir())
    assert "manifest.json" in files and all("/" not in f and ";" not in f and " " not in f for f in files)
    loaded = load_capture(tmp_path / "cap")
    assert loaded == raw
    assert build_snapshot(loaded) == build_snapshot(raw)
    manifest = json.loads((tmp_path / "cap" / "manifest.json").read_text())
    assert all(len(e["stdout"]["sha256"]) == 64 for e in manifest["outputs"])


def test_load_refuses_tampered_and_unsafe(tmp_path):
    save_capture(sample_capture(), tmp_path / "cap")
    target = next((tmp_path / "cap").glob("*-getprop.stdout"))
    target.write_bytes(target.read_bytes().replace(b"[ro.debuggable]: [0]", b"[ro.debuggable]: [1]"))
    with pytest.raises(CaptureError, match="changed after the capture"):
        load_capture(tmp_path / "cap")

    save_capture(sample_capture(), tmp_path / "cap2")
    m = tmp_path / "cap2" / "manifest.json"
    manifest = json.loads(m.read_text())
    manifest["outputs"][0]["stdout"]["file"] = "../../etc/passwd"
    m.write_text(json.dumps(manifest))
    with pytest.raises(CaptureError, match="unsafe file"):
        load_capture(tmp_path / "cap2")

    with pytest.raises(CaptureError, match="manifest.json is missing"):
        load_capture(tmp_path / "nothing")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "manifest.json").write_text("{not json")
    with pytest.raises(CaptureError):
        load_capture(tmp_path / "bad")


@pytest.mark.parametrize("answer", [
    b"Permission Denial: can't dump DevicePolicyManagerService from pid=1234, uid=2000\n",
    b"Can't find service: device_policy\n",
])
def test_a_service_that_refuses_with_exit_0_is_a_problem_not_an_empty_list(answer):
    """dumpsys says no with exit status 0; reading that as "no admins" would be a false
    pass beside installed stalkerware."""
    from checks.apps import device_admin
    from checks.knowledge import load
    from model.audit_input import AuditInput
    from model.findings import Status

    raw = sample_capture()
    refused = tuple(
        RawOutput(o.command, answer, b"", 0, o.at) if o.command == "dumpsys device_policy" else o
        for o in raw.outputs
    )
    snap = build_snapshot(RawCapture(raw.adb_serial, raw.started_at, refused))
    assert [p.command for p in snap.problems] == ["dumpsys device_policy"]
    assert "refused" in snap.problems[0].reason
    verdict = device_admin.evaluate(AuditInput(snapshot=snap, apks={}, knowledge=load()))
    assert verdict.status is Status.INCONCLUSIVE


# -- phone state the forensic tools read (issue 15) ------------------------------------


def _with(raw: RawCapture, *outs: RawOutput) -> RawCapture:
    drop = {o.command for o in outs}
    return RawCapture(raw.adb_serial, raw.started_at,
                      tuple(o for o in raw.outputs if o.command not in drop) + outs, raw.complete)


def test_ps_falls_back_to_toolbox_and_never_reads_an_empty_table_as_nothing_running():
    base = sample_capture()
    # Android 7: toolbox takes `-A -o ...` as a name filter (a header, no rows); the bare
    # `ps` collect then sends lists every process
    old = build_snapshot(_with(base, out(C.PS, "ps_toolbox_header_only.txt"),
                               out(C.PS_TOOLBOX, "ps_toolbox_android6.txt")))
    assert [p.name for p in old.processes][-2:] == ["com.spy.example", "ps"]
    assert old.facts["ps"].read and old.facts["ps"].command == "ps"
    # the header only, and nothing else: unknown, not "no process"
    none = build_snapshot(_with(base, out(C.PS, "ps_toolbox_header_only.txt")))
    assert none.processes is None and none.facts["ps"].state == "unrecognised"
    assert any(p.command == C.line(C.PS) and "unknown" in p.reason for p in none.problems)
    # refused
    refused = build_snapshot(_with(base, out(C.PS, b"", b"ps: Permission denied\n", 1)))
    assert refused.processes is None and refused.facts["ps"].state == "refused"


def test_dumpsys_adb_unsupported_and_unreadable():
    base = sample_capture()
    old = build_snapshot(_with(base, out(C.DUMPSYS_ADB, b"", b"Can't find service: adb\n", 0)))
    assert old.adb_keys is None and old.facts["dumpsys adb"].state == "unsupported"
    bad = build_snapshot(_with(base, out(C.DUMPSYS_ADB, "dumpsys_adb_keys_unreadable.txt")))
    assert bad.adb_keys is None and bad.facts["dumpsys adb"].state == "unrecognised"
    assert any(p.command == "dumpsys adb" and "EACCES" in p.reason for p in bad.problems)
