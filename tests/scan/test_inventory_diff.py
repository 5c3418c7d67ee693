"""The inventory diff end to end: one simulated phone (pixel-clean's serial) audited
twice by `phone-audit scan` over the real adb server, with its apps changed between the
two visits; `phone-audit diff` then lists what was added, removed, updated and enabled
again. The changes are made by hand in the profile, so the expected lists are too."""

from __future__ import annotations

import json

from support.pixel_scans import pixel_variant, scan_json

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


def test_diff_lists_apps_added_removed_updated_and_enabled_again(phone_audit, tmp_path):
    first = pixel_variant(tmp_path, "visit-1", edits=[("uid = 10204", "uid = 10204\nenabled = false")],
                          extra=APP.format(name="com.example.oldgame", uid=10311, label="Old Game"))
    second = pixel_variant(tmp_path, "visit-2",
                           edits=[('version_code = 242416076\nversion_name = "2.24.16.76"',
                                   'version_code = 242416099\nversion_name = "2.24.16.99"')],
                           extra=APP.format(name="com.example.flashlight", uid=10312, label="Flashlight"))
    ids = []
    for n, profile in enumerate((first, second)):
        ran, report = scan_json(phone_audit, tmp_path / f"{n}.json", "--demo", profile)
        assert ran.code in (0, 1), ran.stderr[-2000:]
        ids.append(report["audit_id"])
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
