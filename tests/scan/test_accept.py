"""Accepting a finding, end to end: pixel-clean with app verification turned off
(os.app-verification fails, medium; nothing else is wrong, tests/scan/test_exit_codes.py)
is scanned once over the real adb server with --capture; `phone-audit accept` accepts
the failure; the capture is then analysed again (`scan --capture-in`, no phone): the
same finding is accepted, the exit code no longer counts it, and the re-analysis is
recorded as one, dated by the capture, as the phone's audit #2."""

from __future__ import annotations

import json
import shutil

from simulator.profile import builtin_profiles_dir

SERIAL = "28241FDH2001PQ"  # pixel-clean's ro.serialno


def test_accept_then_reanalyse_the_capture(phone_audit, tmp_path):
    phone = tmp_path / "no-verify"
    shutil.copytree(builtin_profiles_dir() / "pixel-clean", phone)
    toml = phone / "profile.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        'package_verifier_enable = "1"', 'package_verifier_enable = "0"', 1), encoding="utf-8")
    capture = tmp_path / "capture"
    first = phone_audit("scan", "--demo", phone, "--capture", capture, "--json", tmp_path / "1.json")
    assert first.code == 1, first.stderr[-2000:]
    r1 = json.loads((tmp_path / "1.json").read_text(encoding="utf-8"))
    assert r1["audit_number"] == 1 and r1["source"] == "phone"

    # a usage error names what is wrong; a pass cannot be accepted
    assert phone_audit("accept", SERIAL, "os.app-verification").code == 2
    passed = phone_audit("accept", SERIAL, "os.selinux", "--reason", "x")
    assert passed.code == 2 and "only a failed or warned finding" in passed.stderr
    ok = phone_audit("accept", SERIAL, "os.app-verification", "--reason",
                     "bench phone, verification off on purpose", "--by", "Ana")
    assert ok.code == 0, ok.stderr
    listed = phone_audit("accept", SERIAL, "--list")
    assert listed.stdout.startswith("os.app-verification  fail  accepted ")
    assert listed.stdout.rstrip().endswith("by Ana: bench phone, verification off on purpose")

    second = phone_audit("scan", "--capture-in", capture, "--json", tmp_path / "2.json",
                         "--html", tmp_path / "2.html", "--fail-on", "medium")
    assert second.code == 0, (second.stdout[-3000:], second.stderr[-2000:])
    r2 = json.loads((tmp_path / "2.json").read_text(encoding="utf-8"))
    [f] = [x for x in r2["findings"] if x["check"] == "os.app-verification"]
    assert f["status"] == "fail" and f["acceptance"]["state"] == "accepted"
    assert f["acceptance"]["reason"] == "bench phone, verification off on purpose"
    # the phone's second audit, a re-analysis dated when the capture was taken
    manifest = json.loads((capture / "manifest.json").read_text(encoding="utf-8"))
    assert (r2["audit_number"], r2["source"], r2["started_at"]) == (2, "capture", manifest["started_at"])
    assert "ACCEPTED     os.app-verification" in second.stdout
    assert '<span class="badge b-accepted">ACCEPTED</span>' in (tmp_path / "2.html").read_text(encoding="utf-8")
    history = phone_audit("history", SERIAL).stdout.splitlines()
    assert history[1].split()[1] == "#2" and history[3].split()[1] == "#1"
    assert history[2].strip() == f"re-analysis of a capture taken {manifest['started_at']}"

    # withdrawn (a later audit then counts it again: tests/store/test_acceptances.py)
    assert phone_audit("accept", SERIAL, "os.app-verification", "--withdraw").code == 0
    assert phone_audit("accept", SERIAL, "--list").stdout == f"no accepted findings for {SERIAL}\n"
