"""`phone-audit diff` names both audits' phones, and warns when they are different
phones (a mistyped id must not read as "stalkerware appeared on this phone")."""

from __future__ import annotations

import json


def test_diff_of_two_phones_warns(phone_audit, tmp_path):
    ids = []
    for profile in ("pixel-clean", "oneplus-8t"):
        out = tmp_path / f"{profile}.json"
        assert phone_audit("scan", "--demo", profile, "--json", out).code in (0, 1)
        ids.append(json.loads(out.read_text(encoding="utf-8"))["audit_id"])
    d = phone_audit("diff", *map(str, ids))
    assert d.code == 0
    assert "are of different phones (28241FDH2001PQ and 3f9b20d6)" in d.stderr
    # each phone's first audit: #1, with the database id diff was given
    assert d.stdout.startswith(f"audit #1 (id {ids[0]}) (Google Pixel 7, serial 28241FDH2001PQ, ")
    # the same phone twice: no warning
    same = phone_audit("diff", str(ids[1]), str(ids[1]))
    assert same.code == 0 and "different phones" not in same.stderr
