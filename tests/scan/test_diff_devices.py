"""`phone-audit diff` names both audits' phones, and warns when they are different
phones (a mistyped id must not read as "stalkerware appeared on this phone").

The two audits are `scan --capture-in` replays of captures of pixel-clean and
oneplus-8t (the real collection plan against the simulator's shell,
tests/evidence/replay.py): the diff reads stored audits, and which phone each is comes
from its `getprop`, so no phone needs to be served over adb for it."""

from __future__ import annotations

from adb.capture import save_capture
from support.pixel_scans import scan_json
from tests.evidence.replay import capture


def test_diff_of_two_phones_warns(phone_audit, tmp_path):
    ids = []
    for profile in ("pixel-clean", "oneplus-8t"):
        save_capture(capture(profile), tmp_path / profile)
        ran, report = scan_json(phone_audit, tmp_path / f"{profile}.json", "--capture-in", tmp_path / profile)
        # no APK in these captures: incomplete audits (exit 3), the phones' facts all read
        assert ran.code == 3, ran.stderr[-2000:]
        ids.append(report["audit_id"])
    d = phone_audit("diff", *map(str, ids))
    assert d.code == 0
    assert "are of different phones (28241FDH2001PQ and 3f9b20d6)" in d.stderr
    # each phone's first audit: #1, with the database id diff was given; a --capture-in
    # audit is marked as the re-analysis it is
    assert d.stdout.startswith(f"audit #1 (id {ids[0]}, re-analysis of a capture) "
                               "(Google Pixel 7, serial 28241FDH2001PQ, "), d.stdout[:300]
    # the same phone twice: no warning
    same = phone_audit("diff", str(ids[1]), str(ids[1]))
    assert same.code == 0 and "different phones" not in same.stderr
