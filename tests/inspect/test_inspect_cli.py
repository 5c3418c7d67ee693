"""`phone-audit inspect APK [--json]`."""

from __future__ import annotations

import json

from simulator.apkgen import ApkSpec, synthesize_apk
from tui.cli import main

HOSTILE = "[bold red]Pwn[/] \x1b[31mred\x1b[0m"


def test_human_summary_and_hostile_label(tmp_path, capsys):
    spec = ApkSpec(package="com.example.spy", label=HOSTILE, version_name="[link=x]1[/link]",
                   permissions=("android.permission.READ_SMS",),
                   classes=("com.tencent.stat.StatService",), strings=("MiAdBlacklistConfig",))
    path = tmp_path / "a.apk"
    path.write_bytes(synthesize_apk(spec))
    assert main(["inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert "package:        com.example.spy" in out
    assert "[bold red]Pwn[/]" in out  # printed verbatim, not interpreted
    assert "\x1b" not in out  # no raw escape reaches the terminal
    assert "[link=x]1[/link]" in out
    assert "android.permission.READ_SMS" in out
    assert "Tencent Stats [tracker.tencent-stats, analytics]: class com.tencent.stat.StatService in classes.dex" in out
    assert "ncsc.miad-blacklist-config" in out and "'MiAdBlacklistConfig'" in out
    assert "signer sha256:  " in out


def test_json_output(tmp_path, capsys):
    path = tmp_path / "a.apk"
    path.write_bytes(synthesize_apk(ApkSpec(package="com.example.j", label=HOSTILE)))
    assert main(["inspect", str(path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["package"] == "com.example.j"
    # verbatim in JSON, except that androguard's XML layer turns characters XML cannot
    # hold (ESC) into "_"
    assert doc["label"] == HOSTILE.replace("\x1b", "_")
    assert doc["error"] is None


def test_bad_file_exit_2(tmp_path, capsys):
    path = tmp_path / "bad.apk"
    path.write_bytes(b"not a zip")
    assert main(["inspect", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("could not inspect: not a zip file")
    assert main(["inspect", str(tmp_path / "nope.apk")]) == 2
    assert "could not inspect:" in capsys.readouterr().err
