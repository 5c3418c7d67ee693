"""End to end through `phone-audit scan`: stalkerware rebuilt per customer (a new
package name and a new key, so neither the package nor the certificate SHA-1 lists
know it) is still FAIL, with the right family and the evidence that names it; a
phone whose apps only look like the indicators is not.

The phones are pixel-clean plus apps whose APKs simulator.apkgen synthesizes from the
profile (`[packages.apk]`), served over the adb protocol to the real adb server.
Families and indicators are read by hand from tests/inspect/upstream/stalkerware-ioc.yaml:
Reptilicus lists the C2 domain cabinet.kfnm.ru; Mrecorder the certificate organisation
MobileRecorder; KidsShield's certificates have a
common name matching ^Kids\\WSafety\\W[0-9]{2}-[0-9]{2}-[0-9]{2,4}\\W[0-9]{2}:[0-9]{2}:[0-9]{2}$.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from simulator.profile import builtin_profiles_dir


def _phone_with(tmp_path: Path, name: str, apps: list[tuple]) -> Path:
    """pixel-clean with user apps (package, signer, code strings[, organisation])
    installed from Play."""
    dest = tmp_path / name
    shutil.copytree(builtin_profiles_dir() / "pixel-clean", dest)
    toml = dest / "profile.toml"
    text = toml.read_text(encoding="utf-8")
    for i, (package, signer, strings, *org) in enumerate(apps):
        text += (
            f'\n[[packages]]\nname = "{package}"\n'
            f'path = "/data/app/~~rebuilt{i}==/{package}-rebuilt{i}==/base.apk"\n'
            f'installer = "com.android.vending"\nuid = {10400 + i}\nlabel = "Helper {i}"\n'
            f'granted = ["android.permission.INTERNET"]\n'
            f'\n[packages.apk]\nsigner = {json.dumps(signer)}\nstrings = {json.dumps(strings)}\n'
            f'classes = ["{package}.Main"]\n'
            + (f"signer_organization = {json.dumps(org[0])}\n" if org else "")
        )
    toml.write_text(text, encoding="utf-8")
    return dest


def _scan(sim_phone, phone_audit, folder: Path, out: Path) -> dict:
    phone = sim_phone(folder)
    ran = phone_audit("scan", "-s", phone.serial, "--json", out)
    assert ran.code in (0, 1), ran.stdout + ran.stderr
    return json.loads(out.read_text(encoding="utf-8"))


def _stalkerware(report: dict) -> dict:
    return next(f for f in report["findings"] if f["check"] == "apps.stalkerware")


def test_rebuilt_stalkerware_is_named_by_c2_host_and_certificate_subject(sim_phone, phone_audit, tmp_path):
    folder = _phone_with(tmp_path, "rebuilt", [
        ("com.newcustomer.helper", "customer 4711", ["https://cabinet.kfnm.ru/api/v3/upload"]),
        ("com.other.sync", "Kids Safety 03-11-2024 09:41:07", ["https://example.org/"]),
        ("com.third.recorder", "customer 4712", ["https://example.org/"], "MobileRecorder"),
    ])
    f = _stalkerware(_scan(sim_phone, phone_audit, folder, tmp_path / "r.json"))
    assert f["status"] == "fail", f
    assert sorted(f["subjects"]) == ["com.newcustomer.helper", "com.other.sync", "com.third.recorder"]
    assert all(n in f["summary"] for n in ("KidsShield", "Reptilicus", "Mrecorder"))
    details = [e["detail"] for e in f["evidence"]]
    c2 = next(e for e in f["evidence"] if "com.newcustomer.helper" in e["detail"])
    assert "command-and-control host cabinet.kfnm.ru of Reptilicus" in c2["detail"]
    assert "https://cabinet.kfnm.ru/api/v3/upload" in c2["detail"]
    assert c2["source"].startswith("classes.dex of com.newcustomer.helper")
    assert "unzip -p base.apk classes.dex" in c2["command"] and "cabinet.kfnm.ru" in c2["command"]
    cert = next(d for d in details if "com.other.sync" in d)
    assert "'Kids Safety 03-11-2024 09:41:07'" in cert and "KidsShield" in cert
    org = next(d for d in details if "com.third.recorder" in d)
    assert "'MobileRecorder', the subject organisation MobileRecorder of Mrecorder" in org


def test_look_alike_hosts_and_names_are_not_stalkerware(sim_phone, phone_audit, tmp_path):
    folder = _phone_with(tmp_path, "lookalike", [
        ("com.newcustomer.helper", "customer 4711",
         ["https://notkfnm.ru/api", "https://cabinet.kfnm.ru.example.net/", "https://alog.umeng.com/app_logs"]),
        ("com.other.sync", "Kids Safety app 03-11-2024 09:41:07", ["https://example.org/"], "MobileRecorders Ltd"),
    ])
    f = _stalkerware(_scan(sim_phone, phone_audit, folder, tmp_path / "r.json"))
    assert f["status"] == "pass", f
