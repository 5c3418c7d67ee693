"""`phone-audit inspect` says when an APK is known stalkerware (a technician handed an
APK file, or one pulled from a customer phone, must not read "indicators (0)" alone)."""

from __future__ import annotations

import json

from simulator.apkgen import ApkSpec, synthesize_apk
from checks.knowledge import load
from tui.cli import main


def test_known_stalkerware_package_is_named(tmp_path, capsys):
    family = next(a for a in load().stalkerware if a.packages)
    package = sorted(family.packages)[0]
    path = tmp_path / "spy.apk"
    path.write_bytes(synthesize_apk(ApkSpec(package=package, label="System Service")))
    assert main(["inspect", str(path)]) == 1  # known stalkerware never exits 0
    out = capsys.readouterr().out
    assert f"KNOWN STALKERWARE: {family.name} (package name)" in out
    assert main(["inspect", str(path), "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["stalkerware"] == [f"{family.name} (package name)"]


def test_an_ordinary_app_is_not_stalkerware(tmp_path, capsys):
    path = tmp_path / "ok.apk"
    path.write_bytes(synthesize_apk(ApkSpec(package="com.example.notes", label="Notes")))
    assert main(["inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert "KNOWN STALKERWARE" not in out and "stalkerware: matches none" in out
    assert main(["inspect", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["stalkerware"] == []
