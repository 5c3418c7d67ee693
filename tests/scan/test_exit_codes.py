"""Exit codes that grade, and `--fail-on SEVERITY`, end to end: `phone-audit scan` and
`phone-audit inspect` run as subprocesses, the scans against simulated phones over the
real adb server. Each phone is scanned once for real (with `--capture`); one more run
replays a capture (`scan --capture-in`, the APK reports from its sidecar), and the rest
of the grid grades the real scans' JSON reports with `audit.exit_codes.scan_exit`, so
every exit code and every --fail-on class is run end to end at least once. Each phone is
pixel-clean (nothing wrong) with one thing made wrong, so its worst finding has a
severity known by construction:

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

from audit.exit_codes import scan_exit
from checks.knowledge import load
from simulator.apkgen import ApkSpec, synthesize_apk
from support.pixel_scans import pixel_variant, scan_json

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


#: (phone, --fail-on or None, expected exit code, how), the codes worked out by hand
#: from the table above. "scan": the phone scanned through the real adb server (first run
#: of each phone, `--capture` saved); "replay": `scan --capture-in` of that capture, end
#: to end without the phone; "report": `audit.exit_codes.scan_exit` over the real scan's
#: JSON report. Every exit code (0, 1) and every --fail-on class (none, info, low, medium,
#: high, critical) has a subprocess run; the rest of the grid is graded from the reports.
RUNS = [
    ("clean", None, 0, "scan"), ("clean", "info", 0, "report"),
    ("low", "low", 1, "scan"), ("low", None, 0, "report"), ("low", "medium", 0, "report"),
    ("medium", "medium", 1, "scan"), ("medium", None, 1, "report"), ("medium", "high", 0, "report"),
    ("high", "critical", 0, "scan"), ("high", "high", 1, "replay"),
    ("critical", "info", 1, "scan"), ("critical", "critical", 1, "report"), ("critical", None, 1, "report"),
]


def _bad(report: dict) -> set[tuple[str, str, str]]:
    return {(f["check"], f["status"], f["severity"]) for f in report["findings"]
            if f["status"] in ("fail", "warn")}


def test_scan_exit_codes_grade_by_severity(phone_audit, tmp_path):
    phones = {
        "clean": pixel_variant(tmp_path, "clean"),
        "low": pixel_variant(tmp_path, "low", extra=TRACKER_APP),
        "medium": pixel_variant(tmp_path, "medium", edits=[('package_verifier_enable = "1"',
                                                            'package_verifier_enable = "0"')]),
        "high": pixel_variant(tmp_path, "high", edits=[("patch_age_days = 20", "patch_age_days = 1500")]),
        # the stalkerware app has a process (`ps`), beside the phone's own
        "critical": pixel_variant(tmp_path, "critical", extra=_stalkerware_app(),
                                  edits=[("[device]\n", "[device]\nrunning = [\"com.android.systemui\", "
                                          f"\"{_stalkerware_package()}\"]\n")]),
    }
    reports: dict[str, dict] = {}
    for name, fail_on, expected, how in RUNS:
        out = tmp_path / f"{name}-{fail_on}.json"
        capture = tmp_path / f"{name}-capture"
        threshold = ["--fail-on", fail_on] if fail_on else []
        if how == "report":
            assert scan_exit(reports[name], fail_on) == expected, (name, fail_on)
            continue
        if how == "scan":
            assert name not in reports
            ran, report = scan_json(phone_audit, out, "--demo", phones[name], "--capture", capture, *threshold)
            reports[name] = report
        else:
            ran, report = scan_json(phone_audit, out, "--capture-in", capture, *threshold)
            # a replay reaches the very verdicts of the real scan it replays
            assert _bad(report) == _bad(reports[name]), (name, fail_on)
        assert ran.code == expected, (name, fail_on, ran.stdout[-3000:], ran.stderr[-2000:])
        assert report["complete"] is True, (name, fail_on, report.get("problems"))
    assert sorted(reports) == sorted(phones)
    worst = {name: _bad(r) for name, r in reports.items()}
    # each phone is wrong in the one way it was made wrong (else the table means nothing)
    assert worst["clean"] == set()
    assert worst["low"] == {("apps.trackers", "warn", "low")}
    assert worst["medium"] == {("os.app-verification", "fail", "medium")}
    assert worst["high"] == {("os.security-patch", "fail", "high")}
    assert ("apps.stalkerware", "fail", "critical") in worst["critical"]
    assert all(sev != "critical" for c, _s, sev in worst["critical"] if c != "apps.stalkerware")
    spy = next(f for f in reports["critical"]["findings"] if f["check"] == "apps.stalkerware")
    # a running spy is reported as running, with the `ps` line as evidence (issue 15)
    assert "installed and running" in spy["summary"], spy["summary"]
    assert any(e["source"] == "ps" and _stalkerware_package() in e["detail"]
               and e["command"].startswith("adb shell ps -A -o USER,PID,PPID,NAME")
               for e in spy["evidence"]), spy["evidence"]


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
    stdout = {}
    for name, fail_on, expected in runs:
        ran = phone_audit("inspect", paths[name], *(["--fail-on", fail_on] if fail_on else []))
        assert ran.code == expected, (name, fail_on, ran.stdout[-2000:], ran.stderr[-2000:])
        stdout[name, fail_on] = ran.stdout
    assert "KNOWN STALKERWARE" in stdout["stalkerware", None]
    assert "KNOWN STALKERWARE" not in stdout["clean", None]

