"""The inventory diff end to end: one simulated phone (pixel-clean's serial) audited
twice by `phone-audit scan` over the real adb server, with its apps changed between the
two visits; `phone-audit diff` then lists what was added, removed, updated and enabled
again. The changes are made by hand in the profile, so the expected lists are too.

The same two scans carry the accepted-finding flow (to spend no third phone on it):
app verification is off on both visits (os.app-verification fails, medium, and nothing
else fails or warns: tests/scan/test_exit_codes.py); `phone-audit accept` accepts it
after the first, the second honours it (exit 0 under --fail-on medium), and the first
visit's capture analysed again is recorded as a re-analysis, dated by the capture."""

from __future__ import annotations

import json
from pathlib import Path

from support.pixel_scans import pixel_variant

APP = '''
[[packages]]
name = "{name}"
path = "/data/app/~~q9==/{name}-w9==/base.apk"
system = false
installer = "com.android.vending"
uid = {uid}
version_code = 3
version_name = "3.0"
label = "{label}"
granted = ["android.permission.INTERNET"]
'''


SERIAL = "28241FDH2001PQ"  # pixel-clean's ro.serialno
NO_VERIFY = ('package_verifier_enable = "1"', 'package_verifier_enable = "0"')


def test_diff_lists_apps_added_removed_updated_and_enabled_again(phone_audit, tmp_path):
    first = pixel_variant(tmp_path, "visit-1", edits=[("uid = 10204", "uid = 10204\nenabled = false"), NO_VERIFY],
                   extra=APP.format(name="com.example.oldgame", uid=10311, label="Old Game"))
    second = pixel_variant(tmp_path, "visit-2",
                    edits=[('version_code = 242416076\nversion_name = "2.24.16.76"',
                            'version_code = 242416099\nversion_name = "2.24.16.99"'), NO_VERIFY],
                    extra=APP.format(name="com.example.flashlight", uid=10312, label="Flashlight"))
    capture = tmp_path / "capture"
    ids = []
    for n, profile in enumerate((first, second)):
        out = tmp_path / f"{n}.json"
        more = ["--capture", capture] if n == 0 else ["--html", tmp_path / "1.html"]
        ran = phone_audit("scan", "--demo", profile, "--json", out, "--fail-on", "medium", *more)
        report = json.loads(out.read_text(encoding="utf-8"))
        ids.append(report["audit_id"])
        assert report["audit_number"] == n + 1 and report["source"] == "phone"
        [verify] = [f for f in report["findings"] if f["check"] == "os.app-verification"]
        assert verify["status"] == "fail"
        if n == 0:
            assert ran.code == 1, ran.stderr[-2000:]
            _accept(phone_audit)
            continue
        # the same finding on the next visit: accepted, so no longer met by --fail-on
        assert verify["acceptance"]["state"] == "accepted", verify
        assert verify["acceptance"]["reason"] == "bench phone, verification off on purpose"
        assert ran.code == 0, (ran.stdout[-3000:], ran.stderr[-2000:])
        assert "ACCEPTED     os.app-verification" in ran.stdout
        assert '<span class="badge b-accepted">ACCEPTED</span>' in (tmp_path / "1.html").read_text(encoding="utf-8")
    _reanalysis(phone_audit, capture, tmp_path)
    d = phone_audit("diff", *map(str, ids))
    assert d.code == 0 and "different phones" not in d.stderr, d.stderr
    tail = d.stdout[d.stdout.index("Apps added"):].splitlines()
    assert tail == [
        "Apps added (1)", "  com.example.flashlight (Flashlight) 3.0",
        "Apps removed (1)", "  com.example.oldgame (Old Game)",
        "Apps updated (1)", "  com.whatsapp (WhatsApp): 2.24.16.76 -> 2.24.16.99",
        "Apps enabled again (1)", "  org.wikipedia (Wikipedia)",
    ]
    as_json = json.loads(phone_audit("diff", *map(str, ids), "--json").stdout)
    assert [e["package"] for e in as_json["apps"]["re_enabled"]] == ["org.wikipedia"]
    assert as_json["apps"]["disabled"] == []


def _accept(phone_audit) -> None:
    """`phone-audit accept` refuses what it must, then accepts the failure."""
    assert phone_audit("accept", SERIAL, "os.app-verification").code == 2  # no reason
    passed = phone_audit("accept", SERIAL, "os.selinux", "--reason", "x")
    assert passed.code == 2 and "only a failed or warned finding" in passed.stderr
    ok = phone_audit("accept", SERIAL, "os.app-verification", "--reason",
                     "bench phone, verification off on purpose", "--by", "Ana")
    assert ok.code == 0, ok.stderr
    listed = phone_audit("accept", SERIAL, "--list").stdout
    assert listed.startswith("os.app-verification  fail  accepted ")
    assert listed.rstrip().endswith("by Ana: bench phone, verification off on purpose")


def _reanalysis(phone_audit, capture, tmp_path) -> None:
    """The first visit's capture analysed again: the phone's audit #3, a re-analysis
    dated when the capture was taken; then the acceptance is withdrawn."""
    ran = phone_audit("scan", "--capture-in", capture, "--json", tmp_path / "again.json")
    assert ran.code in (0, 1), ran.stderr[-2000:]
    again = json.loads((tmp_path / "again.json").read_text(encoding="utf-8"))
    manifest = json.loads((capture / "manifest.json").read_text(encoding="utf-8"))
    assert (again["audit_number"], again["source"], again["started_at"]) == (3, "capture", manifest["started_at"])
    history = phone_audit("history", SERIAL).stdout.splitlines()
    assert [line.split()[1] for line in history[1:] if "re-analysis" not in line] == ["#3", "#2", "#1"]
    assert history[2].strip() == f"re-analysis of a capture taken {manifest['started_at']}"
    assert phone_audit("accept", SERIAL, "os.app-verification", "--withdraw").code == 0
    assert phone_audit("accept", SERIAL, "--list").stdout == f"no accepted findings for {SERIAL}\n"
