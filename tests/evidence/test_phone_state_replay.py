"""Issue 15 through the simulator, in process (tests/evidence/replay.py): the shipped
Pixel passes the three phone-state checks, and a copy of it with another computer
trusted for debugging, a writable /system_ext and frida-server in /data/local/tmp fails
them, each with the phone's own line as evidence. The real adb server path is covered by
tests/scan/test_exit_codes.py (running stalkerware) and the hostile privacy scan (keys)."""

from __future__ import annotations

import shutil

from evidence.replay import capture, verdicts
from adb.parsers.build_snapshot import build_snapshot
from checks.knowledge import load
from simulator.profile import builtin_profiles_dir

CHECKS = ("os.adb-trusted-computers", "os.system-mounts", "os.data-local-tmp")


def test_shipped_pixel_passes_and_a_worked_on_copy_fails(tmp_path, monkeypatch):
    from support.adbkeys import host_key

    # this computer's adb key, where adb.host_key looks for it
    _s, ours = host_key(tmp_path / "android-home")
    monkeypatch.setenv("ANDROID_USER_HOME", str(tmp_path / "android-home"))
    kb = load()
    shipped = verdicts(capture("pixel-clean"), kb)
    assert {c: shipped[c].status.value for c in CHECKS} == dict.fromkeys(CHECKS, "pass")

    dest = tmp_path / "pixel-worked-on"
    shutil.copytree(builtin_profiles_dir() / "pixel-clean", dest)
    toml = dest / "profile.toml"
    _signer, other = host_key(tmp_path / "bench-key")
    text = toml.read_text(encoding="utf-8").replace("[device]\n", (
        "[device]\n"
        f'adb_keys = ["{ours}", "{other.split()[0]} bench@repair-shop"]\n'
        'rw_mounts = ["/system_ext"]\n'
        'local_tmp = [{name = "frida-server", mode = "755", size = 15214592}, '
        '{name = "notes.txt", mode = "644", size = 20}]\n'), 1)
    toml.write_text(text, encoding="utf-8")
    raw = capture(str(dest))
    snap = build_snapshot(raw)
    got = verdicts(snap, kb)
    trusted, mounts, tmp = (got[c] for c in CHECKS)
    assert raw.host_adb_key is not None and snap.host_adb_key == raw.host_adb_key
    assert trusted.status.value == "warn" and trusted.severity.value == "medium"
    assert "1 other computer is trusted" in trusted.summary and len(trusted.subjects) == 1
    assert trusted.subjects[0] != snap.host_adb_key
    assert (mounts.status.value, mounts.severity.value, mounts.subjects) == ("fail", "high", ("/system_ext",))
    assert mounts.evidence[0].detail == "/dev/block/dm-7 /system_ext ext4 rw,seclabel,relatime"
    assert (tmp.status.value, tmp.subjects) == ("fail", ("frida-server",))
    assert "-rwxr-xr-x shell shell 15214592 bytes frida-server" in tmp.evidence[0].detail
    assert "bench@repair-shop" not in repr(snap)
