"""Hashing APKs on the phone and copying them off, through the real adb server."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from adb.connection import open_phone
from adb.gate import PROGRESS_BYTES, DeviceLost
from adb.pull import parse_sha256sum, pull_apk, remote_sha256
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
