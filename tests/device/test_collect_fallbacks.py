"""Old or locked-down phones: collect falls back to simpler commands when the phone
refuses an option, through the real adb server and a profile that answers like one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from adb.collect import collect
from adb.connection import open_phone
from adb.parsers.build_snapshot import build_snapshot
from adb.parsers import commands as C
from simulator.profile import load_profile, resolve_profile

pytestmark = pytest.mark.adb

OLD_PHONE = '''
"pm list packages -f -i -U -u --show-versioncode" = { stderr = "Error: Unknown option: --show-versioncode\\n", exit = 255 }
"content query --uri content://sms --projection _id:thread_id:address:date:type:read:seen:creator" = { stderr = "Error while accessing provider:sms\\njava.lang.IllegalArgumentException: Invalid column creator\\n" }
"dumpsys account" = { stderr = "Permission Denial: can't dump AccountsManager\\n", exit = 1 }
'''


def _old_phone(tmp_path: Path) -> Path:
    dst = tmp_path / "old"
    shutil.copytree(resolve_profile("pixel-clean"), dst)
    toml = dst / "profile.toml"
    text = toml.read_text(encoding="utf-8")
    assert text.count("\n[commands]\n") == 1
    toml.write_text(text.replace("\n[commands]\n", "\n[commands]\n" + OLD_PHONE, 1), encoding="utf-8")
    return dst


def test_fallbacks_and_problems(sim_phone, tmp_path):
    folder = _old_phone(tmp_path)
    profile = load_profile(folder)
    handle = sim_phone(folder)
    raw = collect(open_phone(handle.serial))
    assert raw.complete
    sent = handle.shell_commands()
    assert C.line(C.PM_LIST_VARIANTS[0]) in sent and C.line(C.PM_LIST_VARIANTS[1]) in sent
    assert C.line(C.sms_query(C.SMS_COLUMNS_BASIC)) in sent

    snap = build_snapshot(raw)
    # the package list came from the simpler variant, complete with installers and uids
    assert {p.name for p in snap.packages} == {p.name for p in profile.packages}
    for spec in profile.packages:
        assert snap.package(spec.name).installer == spec.installer
        assert snap.package(spec.name).uid == spec.uid
    # SMS read without the creator column
    assert snap.sms.readable
    assert all(m.creator is None for m in snap.sms.messages)
    # the refused dumpsys is a problem with the phone's own words, not an exception
    assert [p.command for p in snap.problems] == ["dumpsys account"]
    assert "Permission Denial" in snap.problems[0].reason
    assert snap.accounts == ()
