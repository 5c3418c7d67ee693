"""End to end through `phone-audit scan`: code outside the top-level classes*.dex is
read (issue 12 point 5), as a phone that hides it would serve it.

Phone 1 has three user apps, each carrying the Tencent Stats SDK (`com.tencent.stat.`
in trackers.toml) in one hidden place only: `assets/x.dex`, an APK nested in the APK,
the second section of a DEX container (format 041). apps.trackers must name all three,
each with the place it was found. Phone 2 has one app whose `assets/x.dex` claims a DEX
version no Android loads: the code checks cannot call it clean.

The APKs are synthesized here (simulator.apkgen) and served as the profile's APK files.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from simulator.apkgen import ApkSpec, synthesize_apk
from simulator.apkgen.dex import build_dex, build_dex_container
from simulator.profile import builtin_profiles_dir

TRACKER = "com.tencent.stat.StatService"


def _apk(package: str, *extra: tuple[str, bytes]) -> bytes:
    return synthesize_apk(ApkSpec(package=package, classes=(f"{package}.Main",), extra_entries=extra))


def _phone_with(tmp_path: Path, name: str, apks: dict[str, bytes]) -> Path:
    dest = tmp_path / name
    shutil.copytree(builtin_profiles_dir() / "pixel-clean", dest)
    (dest / "apks").mkdir()
    toml = dest / "profile.toml"
    text = toml.read_text(encoding="utf-8")
    for i, (package, data) in enumerate(apks.items()):
        (dest / "apks" / f"{package}.apk").write_bytes(data)
        text += (
            f'\n[[packages]]\nname = "{package}"\n'
            f'path = "/data/app/~~hidden{i}==/{package}-hidden{i}==/base.apk"\n'
            f'installer = "com.android.vending"\nuid = {10500 + i}\nlabel = "Hidden {i}"\n'
            f'\n[packages.apk]\nfile = "apks/{package}.apk"\n'
        )
    toml.write_text(text, encoding="utf-8")
    return dest


def _scan(sim_phone, phone_audit, folder: Path, out: Path) -> dict:
    phone = sim_phone(folder)
    ran = phone_audit("scan", "-s", phone.serial, "--json", out)
    assert ran.code in (0, 1), ran.stdout + ran.stderr
    return json.loads(out.read_text(encoding="utf-8"))


def _finding(report: dict, check: str) -> dict:
    return next(f for f in report["findings"] if f["check"] == check)


def test_trackers_hidden_outside_classes_dex_are_found_where_they_are(sim_phone, phone_audit, tmp_path):
    apks = {
        "com.hidden.assets": _apk("com.hidden.assets", ("assets/x.dex", build_dex([TRACKER]))),
        "com.hidden.nested": _apk("com.hidden.nested", ("assets/plugin.apk", _apk("com.hidden.plugin",
                                                        ("classes2.dex", build_dex([TRACKER]))))),
        "com.hidden.container": _apk("com.hidden.container", ("classes2.dex", build_dex_container(
            [(["com.hidden.container.Other"], []), ([TRACKER], [])]))),
    }
    report = _scan(sim_phone, phone_audit, _phone_with(tmp_path, "hidden", apks), tmp_path / "r.json")
    f = _finding(report, "apps.trackers")
    assert f["status"] in ("warn", "fail"), f
    where = {pkg: e["source"] for e in f["evidence"] for pkg in apks if e["detail"].startswith(pkg + " ")}
    assert where == {
        "com.hidden.assets": "assets/x.dex of com.hidden.assets (/data/app/~~hidden0==/com.hidden.assets-hidden0==/base.apk)",
        "com.hidden.nested": "assets/plugin.apk!/classes2.dex of com.hidden.nested "
                             "(/data/app/~~hidden1==/com.hidden.nested-hidden1==/base.apk)",
        "com.hidden.container": "classes2.dex#2 of com.hidden.container "
                                "(/data/app/~~hidden2==/com.hidden.container-hidden2==/base.apk)",
    }
    assert all("Tencent Stats" in e["detail"] for e in f["evidence"] if e["detail"].startswith("com.hidden."))


def test_code_that_cannot_be_read_is_not_clean(sim_phone, phone_audit, tmp_path):
    bad = b"dex\n099\x00" + build_dex([TRACKER])[8:]
    apks = {"com.hidden.unknown": _apk("com.hidden.unknown", ("assets/x.dex", bad))}
    report = _scan(sim_phone, phone_audit, _phone_with(tmp_path, "unread", apks), tmp_path / "r.json")
    for check in ("apps.trackers", "apps.stalkerware"):
        f = _finding(report, check)
        assert f["status"] == "inconclusive", f
        assert any("com.hidden.unknown" in e["detail"] and "assets/x.dex: unknown DEX version 099" in e["detail"]
                   for e in f["evidence"]), f["evidence"]
