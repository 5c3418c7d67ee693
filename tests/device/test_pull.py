"""Hashing APKs on the phone and copying them off, through the real adb server."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from adb.connection import open_phone
from adb.gate import PROGRESS_BYTES, DeviceLost
from adb.pull import parse_sha256sum, pull_apk, remote_sha256, remote_stat_answers
from simulator.profile import load_profile, resolve_profile

pytestmark = pytest.mark.adb


def test_parse_sha256sum_only_asked_paths():
    h = "a" * 64
    text = f"{h}  /system/app/A.apk\n{'b' * 64}  /system/app/other.apk\nsha256sum: /x: No such file\n"
    assert parse_sha256sum(text, ["/system/app/A.apk", "/x"]) == {"/system/app/A.apk": h}


def test_hash_then_pull_verified(sim_phone, tmp_path):
    profile = load_profile("pixel-clean")
    handle = sim_phone("pixel-clean")
    phone = open_phone(handle.serial)
    paths = [p.path for p in profile.packages if p.path][:30]
    before = len(handle.shell_commands())
    hashes = remote_sha256(phone, paths + ["/sdcard/not-an-apk.jpg"])
    assert len(handle.shell_commands()) - before == 1  # one round trip for 30 APKs
    assert hashes["/sdcard/not-an-apk.jpg"] is None
    assert all(hashes[p] and len(hashes[p]) == 64 for p in paths)

    # what `stat` says of them (the warm re-audit's key): one round trip too
    before = len(handle.shell_commands())
    stats, answers = remote_stat_answers(phone, paths + ["/sdcard/not-an-apk.jpg"])
    assert len(handle.shell_commands()) - before == 1
    assert answers["/sdcard/not-an-apk.jpg"] is None and set(stats) == set(paths)
    # the size the simulator serves each file with, as the sync stat says too
    assert all(stats[p].size == handle.phone.model.local_file(p).stat().st_size == phone.gate.stat(p)[1]
               for p in paths)
    assert len({stats[p].inode for p in paths}) == len(paths)

    target = paths[0]
    progress: list[int] = []
    res = pull_apk(phone, target, tmp_path / "apks", hashes[target], on_bytes=progress.append)
    assert res.error is None and res.sha256 == hashes[target]
    assert res.local == tmp_path / "apks" / f"{hashes[target]}.apk"
    data = res.local.read_bytes()
    assert hashlib.sha256(data).hexdigest() == hashes[target] and res.size == len(data)
    assert progress and progress[-1] == len(data)
    assert phone.gate.stat(target)[1] == len(data)
    assert sorted(p.name for p in (tmp_path / "apks").iterdir()) == [res.local.name]  # no leftovers

    # already there under its hash: reused, nothing copied
    recv_before = sum(1 for s in phone.gate.sent if s.command.startswith("sync RECV"))
    again = pull_apk(phone, target, tmp_path / "apks", hashes[target])
    assert again.local == res.local
    assert sum(1 for s in phone.gate.sent if s.command.startswith("sync RECV")) == recv_before

    # wrong expectation: retried once, then a clear error and nothing kept
    other = tmp_path / "other"
    bad = pull_apk(phone, target, other, "0" * 64)
    assert bad.local is None and bad.sha256 is None and "0" * 64 in bad.error
    assert sum(1 for s in phone.gate.sent if s.command.startswith("sync RECV")) == recv_before + 2
    assert list(other.iterdir()) == []

    # the biggest APK: progress is told per PROGRESS_BYTES and at the end, not per
    # 64 KiB record, and the digest computed while the bytes arrived is the file's
    big = max((p for p in profile.packages if p.path and p.apk), key=lambda p: p.apk.size or 0).path
    size = phone.gate.stat(big)[1]
    assert size > 3 * PROGRESS_BYTES  # else this says nothing about the throttle
    digest = remote_sha256(phone, [big])[big]
    told: list[int] = []
    whole = pull_apk(phone, big, tmp_path / "big", digest, on_bytes=told.append)
    assert whole.error is None and whole.size == size
    assert hashlib.sha256(whole.local.read_bytes()).hexdigest() == digest == whole.sha256
    assert told[-1] == size and len(told) <= size // PROGRESS_BYTES + 1 and told == sorted(set(told))

    # a listed location the phone has no file at: its FAIL reply is the error, twice tried
    missing = pull_apk(phone, "/system/app/Missing/Missing.apk", tmp_path / "gone", None)
    assert missing.local is None and "No such file" in missing.error
    assert list((tmp_path / "gone").iterdir()) == []

    # a path outside the APK locations is refused as a value, nothing sent
    n = len(phone.gate.sent)
    refused = pull_apk(phone, "/data/data/com.x/databases/secret.db", tmp_path / "x", None)
    assert refused.error and refused.local is None and len(phone.gate.sent) == n


def test_pull_from_a_phone_that_goes_away_raises_device_lost(sim_phone, tmp_path):
    dst = tmp_path / "flaky"
    shutil.copytree(resolve_profile("pixel-clean"), dst)
    toml = dst / "profile.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + "\n[faults]\ndisconnect_after_bytes = 200000\n",
                    encoding="utf-8")
    profile = load_profile(dst)
    handle = sim_phone(dst)
    phone = open_phone(handle.serial)
    big = max((p for p in profile.packages if p.path), key=lambda p: (p.apk.size or 0) if p.apk else 0)
    with pytest.raises(DeviceLost):
        for p in [big] + [q for q in profile.packages if q.path]:
            pull_apk(phone, p.path, tmp_path / "apks", None)
    assert not any(f.name.startswith(".partial") for f in (tmp_path / "apks").iterdir())


# -- what `stat -c '%i %s %Y %n'` says of the APK files (the warm re-audit) --------------

def test_parse_apk_stat_keeps_only_sane_lines_for_asked_paths():
    from adb.parsers.apk_stat import FileStat, parse_apk_stat

    a, spaced, twice = "/system/app/A/A.apk", "/data/app/~~x==/a b-1==/base.apk", "/system/app/T/T.apk"
    text = (
        f"1234 5678901 1230768000 {a}\n"          # toybox: one line per file, %n last
        f"77 10 1700000000 {spaced}\n"            # a name with a space stays one field
        "55 10 1700000000 /system/app/other.apk\n"  # not asked: ignored
        f"-1 10 1700000000 {a}x\n"
        f"1 2 3 {twice}\n1 2 4 {twice}\n"         # two answers for one path: neither believed
        f"x 10 1700000000 /system/app/B/B.apk\n"
        f"1 {'9' * 21} 1 /system/app/C/C.apk\n"   # a number no file has
        "stat: '/system/app/D/D.apk': No such file or directory\n"
    )
    asked = [a, spaced, twice, "/system/app/B/B.apk", "/system/app/C/C.apk", "/system/app/D/D.apk"]
    assert parse_apk_stat(text, asked) == {a: FileStat(1234, 5678901, 1230768000),
                                           spaced: FileStat(77, 10, 1700000000)}
    assert parse_apk_stat(b"\xff\xfe garbage\r\n", asked) == {}
    assert parse_apk_stat(None, asked) == {}
