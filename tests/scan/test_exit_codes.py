"""Exit codes that grade, and `--fail-on SEVERITY`, end to end: `phone-audit scan` and
`phone-audit inspect` run as subprocesses, the scans against simulated phones over the
real adb server. Each phone is pixel-clean (nothing wrong) with one thing made wrong, so
its worst finding has a severity known by construction:

- low: an app from the Play Store carrying Tencent statistics (apps.trackers warns, low);
- medium: app verification turned off (os.app-verification fails, medium);
- high: a security patch 1500 days old (os.security-patch fails, high);
- critical: a known stalkerware package installed (apps.stalkerware fails, critical).

The expected codes below follow from that table and the README's rule, by hand: without
`--fail-on`, 1 when a check fails; with `--fail-on S`, 1 when a check fails or warns at S
or above. Each threshold is tried at the phone's worst severity (exit 1) and one above
it (exit 0), so every severity is both met and missed by some phone.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from checks.knowledge import load
from simulator.apkgen import ApkSpec, synthesize_apk
from simulator.profile import builtin_profiles_dir

TRACKER_APP = '''
[[packages]]
name = "com.example.weatherclock"
path = "/data/app/~~q1==/com.example.weatherclock-w1==/base.apk"
system = false
installer = "com.android.vending"
uid = 10301
version_code = 12
version_name = "1.2"
label = "Weather Clock"
granted = ["android.permission.INTERNET"]
[packages.apk]
label = "Weather Clock"
classes = ["com.example.weatherclock.Main", "com.tencent.stat.StatService"]
'''


def _stalkerware_package() -> str:
    family = next(a for a in load().stalkerware if a.packages)
    return sorted(family.packages)[0]


def _stalkerware_app() -> str:
    package = _stalkerware_package()
    return TRACKER_APP.replace("com.example.weatherclock", package).replace(
        'classes = ["' + package + '.Main", "com.tencent.stat.StatService"]',
        'classes = ["' + package + '.Main"]').replace("uid = 10301", "uid = 10302")


def _phone(tmp_path: Path, name: str, edits=(), extra: str = "") -> Path:
    dest = tmp_path / name
    shutil.copytree(builtin_profiles_dir() / "pixel-clean", dest)
    toml = dest / "profile.toml"
    text = toml.read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    toml.write_text(text + extra, encoding="utf-8")
    return dest


def test_scan_exit_codes_grade_by_severity(phone_audit, tmp_path):
    phones = {
        "clean": _phone(tmp_path, "clean"),
        "low": _phone(tmp_path, "low", extra=TRACKER_APP),
        "medium": _phone(tmp_path, "medium", edits=[('package_verifier_enable = "1"',
                                                     'package_verifier_enable = "0"')]),
        "high": _phone(tmp_path, "high", edits=[("patch_age_days = 20", "patch_age_days = 1500")]),
        # the stalkerware app has a process (`ps`), beside the phone's own
        "critical": _phone(tmp_path, "critical", extra=_stalkerware_app(),
                           edits=[("[device]\n", "[device]\nrunning = [\"com.android.systemui\", "
                                   f"\"{_stalkerware_package()}\"]\n")]),
    }
    # (phone, --fail-on or None, expected exit code), worked out from the table above
    runs = [
        ("clean", None, 0), ("clean", "info", 0),
        ("low", None, 0), ("low", "low", 1), ("low", "medium", 0),
        ("medium", None, 1), ("medium", "medium", 1), ("medium", "high", 0),
        ("high", "high", 1), ("high", "critical", 0),
        ("critical", None, 1), ("critical", "critical", 1), ("critical", "info", 1),
    ]
    worst = {}
    for name, fail_on, expected in runs:
        out = tmp_path / f"{name}-{fail_on}.json"
        args = ["scan", "--demo", phones[name], "--json", out] + (["--fail-on", fail_on] if fail_on else [])
        ran = phone_audit(*args)
        assert ran.code == expected, (name, fail_on, ran.stdout[-3000:], ran.stderr[-2000:])
        report = json.loads(out.read_text(encoding="utf-8"))
        bad = {(f["check"], f["status"], f["severity"]) for f in report["findings"]
               if f["status"] in ("fail", "warn")}
        worst.setdefault(name, bad)
        if name == "critical":
            spy = next(f for f in report["findings"] if f["check"] == "apps.stalkerware")
            # a running spy is reported as running, with the `ps` line as evidence (issue 15)
            assert "installed and running" in spy["summary"], spy["summary"]
            assert any(e["source"] == "ps" and _stalkerware_package() in e["detail"]
                       and e["command"].startswith("adb shell ps -A -o USER,PID,PPID,NAME")
                       for e in spy["evidence"]), spy["evidence"]
    # each phone is wrong in the one way it was made wrong (else the table means nothing)
    assert worst["clean"] == set()
    assert worst["low"] == {("apps.trackers", "warn", "low")}
    assert worst["medium"] == {("os.app-verification", "fail", "medium")}
    assert worst["high"] == {("os.security-patch", "fail", "high")}
    assert ("apps.stalkerware", "fail", "critical") in worst["critical"]
    assert all(sev != "critical" for c, _s, sev in worst["critical"] if c != "apps.stalkerware")


def test_scan_rejects_an_unknown_severity(phone_audit):
    ran = phone_audit("scan", "--demo", "pixel-clean", "--fail-on", "severe")
    assert ran.code == 2 and "--fail-on" in ran.stderr


def test_inspect_exit_codes_grade_by_severity(phone_audit, tmp_path):
    family = next(a for a in load().stalkerware if a.packages)
    apks = {
        "clean": ApkSpec(package="com.example.notes", label="Notes"),
        "tracker": ApkSpec(package="com.example.t", label="T", classes=("com.tencent.stat.StatService",)),
        "indicator": ApkSpec(package="com.example.i", label="I", strings=("MiAdBlacklistConfig",)),
        "stalkerware": ApkSpec(package=sorted(family.packages)[0], label="System Service"),
    }
    paths = {}
    for name, spec in apks.items():
        paths[name] = tmp_path / f"{name}.apk"
        paths[name].write_bytes(synthesize_apk(spec))
    # tracker low, risk indicator medium, known stalkerware critical (README)
    runs = [
        ("clean", None, 0), ("clean", "info", 0),
        ("tracker", None, 0), ("tracker", "low", 1), ("tracker", "medium", 0),
        ("indicator", None, 0), ("indicator", "medium", 1), ("indicator", "high", 0),
        ("stalkerware", None, 1), ("stalkerware", "critical", 1),
    ]
    for name, fail_on, expected in runs:
        ran = phone_audit("inspect", paths[name], *(["--fail-on", fail_on] if fail_on else []))
        assert ran.code == expected, (name, fail_on, ran.stdout[-2000:], ran.stderr[-2000:])
    assert "KNOWN STALKERWARE" in phone_audit("inspect", paths["stalkerware"]).stdout

