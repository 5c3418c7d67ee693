"""os.system-updates end to end: a simulated Pixel over the real adb server, as shipped
(its updater, Google Play services, is enabled) and with the updater disabled the way
`pm disable-user` leaves it (the package listed by `pm list packages -d`)."""

from __future__ import annotations

import json
import shutil

import pytest

from simulator.profile import builtin_profiles_dir

pytestmark = pytest.mark.adb

GMS_BLOCK = 'name = "com.google.android.gms"\n'


def _finding(report: dict) -> dict:
    return next(f for f in report["findings"] if f["check"] == "os.system-updates")


def test_disabled_updater_fails_and_enabled_one_passes(sim_phone, phone_audit, tmp_path):
    shipped = sim_phone("pixel-clean")
    ran = phone_audit("scan", "-s", shipped.serial, "--json", tmp_path / "shipped.json")
    assert ran.code == 0, ran.stdout + ran.stderr
    ok = _finding(json.loads((tmp_path / "shipped.json").read_text(encoding="utf-8")))
    assert ok["status"] == "pass" and "com.google.android.gms" in ok["summary"]

    dest = tmp_path / "pixel-updater-off"
    shutil.copytree(builtin_profiles_dir() / "pixel-clean", dest)
    toml = dest / "profile.toml"
    text = toml.read_text(encoding="utf-8")
    assert text.count(GMS_BLOCK) == 1
    toml.write_text(text.replace(GMS_BLOCK, GMS_BLOCK + "enabled = false\n"), encoding="utf-8")
    phone = sim_phone(dest)
    ran = phone_audit("scan", "-s", phone.serial, "--json", tmp_path / "off.json")
    assert ran.code == 1, ran.stdout + ran.stderr
    bad = _finding(json.loads((tmp_path / "off.json").read_text(encoding="utf-8")))
    assert (bad["status"], bad["severity"]) == ("fail", "high")
    assert bad["subjects"] == ["com.google.android.gms"]
    assert "no longer installs security updates" in bad["summary"]
    assert any("disabled" in e["detail"] for e in bad["evidence"])
    assert "os.system-updates" in ran.stdout
