"""The warm re-audit (issue 20): a file the phone's `stat` shows unchanged since an
audit that verified its SHA-256, for the same build fingerprint, is not hashed again;
anything else is, and every APK still has a ledger fact saying what was read.

Real adb server, the simulator over TCP, real SQLite (`audit.runner.run_audit`). The
APK cache is seeded with a report per APK (its digest computed here from the
simulator's own file, the package written by hand), so no audit here pulls or inspects:
each is a fraction of a second.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sqlite3
from pathlib import Path

import pytest

from adb import ledger
from adb.allowlist import APK_STAT_FORMAT, quote_argv
from audit.runner import run_audit
from model.apk_report import ApkReport
from store import Store
from tests.hostile import profiles as hostile

pytestmark = pytest.mark.adb

SETTINGS = "com.android.settings"
MESSAGING = "com.google.android.apps.messaging"
NOTES = "com.example.notes"
#: the two ordinary apps of every hostile phone, and a third (one per way to differ)
PACKAGES = [*hostile.base_packages(),
            {"name": NOTES, "system": False, "uid": 10070, "label": "Notes",
             "apk": {"permissions": ["android.permission.INTERNET"]}}]
FINGERPRINT = "bench/warm/warm:14/W1/1:user/release-keys"


@pytest.fixture(scope="module")
def knowledge():
    from checks import knowledge as kb

    return kb.load()


def _audit(phone, db: Path, knowledge):
    async def go():
        store = await Store.open(db)
        try:
            return await run_audit(serial=phone.serial, store=store, knowledge=knowledge)
        finally:
            await store.close()

    return asyncio.run(go())


def _paths(handle) -> dict[str, str]:
    """package -> its APK path, as the simulator lays the profile out."""
    return {pkg.name: pkg.apk_paths[0] for pkg in handle.phone.model.profile.packages if pkg.apk_paths}


def _seed(db: Path, handle, knowledge) -> dict[str, str]:
    """A cached report for each APK of the phone, under the SHA-256 of the simulator's
    file; path -> that digest."""
    digests = {}
    reports = []
    for pkg, path in _paths(handle).items():
        digest = hashlib.sha256(handle.phone.model.local_file(path).read_bytes()).hexdigest()
        digests[path] = digest
        reports.append(ApkReport(sha256=digest, package=pkg, kb_version=str(knowledge.version)))

    async def go():
        store = await Store.open(db)
        try:
            for r in reports:
                await store.cache_put(r)
        finally:
            await store.close()

    asyncio.run(go())
    return digests


def _sent(handle, since: int) -> list[str]:
    """The simple commands the phone was sent after log byte `since` (batches split)."""
    from adb.allowlist import split_command_line

    out = []
    with open(handle.log_path, "rb") as f:
        f.seek(since)
        for line in f:
            e = json.loads(line)
            if str(e.get("service", "")).startswith("shell") and e.get("command"):
                out += [" ".join(a) for a in split_command_line(e["command"])]
    return out


def _log_size(handle) -> int:
    return handle.log_path.stat().st_size if handle.log_path.exists() else 0


def _rows(db: Path) -> dict[str, tuple]:
    with sqlite3.connect(db) as c:
        return {r[0]: tuple(r[1:]) for r in c.execute(
            "SELECT path, fingerprint, size, sha256 FROM apk_digests")}


def _hashed(handle, since: int) -> list[str]:
    """The paths the phone was asked to `sha256sum` after log byte `since`, sorted."""
    return sorted(w for c in _sent(handle, since) if c.startswith("sha256sum ") for w in c.split()[1:])


def test_an_unchanged_file_is_not_hashed_again_and_a_changed_one_is(sim_phone, tmp_path, knowledge):
    folder = hostile.write_profile(tmp_path / "phone", description="three ordinary apps",
                                   packages=PACKAGES, props={"ro.build.fingerprint": FINGERPRINT})
    handle = sim_phone(folder)
    db = tmp_path / "h.sqlite3"
    digests = _seed(db, handle, knowledge)
    paths = _paths(handle)
    assert set(paths) == {SETTINGS, MESSAGING, NOTES}
    sizes = {p: handle.phone.model.local_file(p).stat().st_size for p in paths.values()}

    # 1. first audit: `stat` read, every APK hashed by the phone, the digests remembered
    since = _log_size(handle)
    first = _audit(handle, db, knowledge)
    assert _hashed(handle, since) == sorted(paths.values())
    assert first.bytes_pulled == 0 and first.apks_from_cache == 3
    assert _rows(db) == {p: (FINGERPRINT, sizes[p], digests[p]) for p in paths.values()}
    for p in paths.values():
        assert first.snapshot.facts[f"stat {p}"].read
        assert first.snapshot.facts[f"sha256sum {p}"].read

    # 2. again: nothing hashed, the digests reused, each APK's fact is its `stat`
    since = _log_size(handle)
    second = _audit(handle, db, knowledge)
    sent = _sent(handle, since)
    assert not [c for c in sent if c.startswith("sha256sum")]
    assert [c for c in sent if c.startswith("stat -c")] == [
        f"stat -c {APK_STAT_FORMAT} " + " ".join(sorted(paths.values()))]
    assert second.apks_from_cache == 3 and second.bytes_pulled == 0
    assert second.apk_hashes == digests
    facts = second.snapshot.facts
    assert not any(k.startswith("sha256sum ") for k in facts)
    for pkg, p in paths.items():
        assert facts[f"stat {p}"].read and "unchanged since an audit verified" in facts[f"stat {p}"].detail
        assert facts[ledger.apk_key(pkg)].read
        assert facts[ledger.apk_key(pkg)].command == quote_argv(("stat", "-c", APK_STAT_FORMAT, p))

    # 3. what was remembered differs from what the phone says now, one way per file:
    # the size (as after an update), the mtime, the build fingerprint (another
    # firmware): all three are hashed again
    with sqlite3.connect(db) as c:
        c.execute("UPDATE apk_digests SET size = size + 1 WHERE path = ?", (paths[SETTINGS],))
        c.execute("UPDATE apk_digests SET mtime = mtime - 60 WHERE path = ?", (paths[MESSAGING],))
        c.execute("UPDATE apk_digests SET fingerprint = 'other/other/other:13/X/1:user/release-keys' "
                  "WHERE path = ?", (paths[NOTES],))
    since = _log_size(handle)
    third = _audit(handle, db, knowledge)
    assert _hashed(handle, since) == sorted(paths.values())
    assert third.apk_hashes == digests
    assert all("new or changed" in third.snapshot.facts[f"stat {p}"].detail for p in paths.values())
    # the rows hold the phone's answer again (the next audit reuses them)
    assert _rows(db) == {p: (FINGERPRINT, sizes[p], digests[p]) for p in paths.values()}

    # 4. stat unchanged, but the remembered file's manifest gives another version code
    # than the package manager gives now (an app updated in place, same size and
    # mtime): that file alone is hashed again
    version = next(p.version_code for p in third.snapshot.packages if p.name == NOTES)
    assert version is not None
    with sqlite3.connect(db) as c:
        (doc,) = c.execute("SELECT report_json FROM apk_cache WHERE sha256 = ?", (digests[paths[NOTES]],)).fetchone()
        report = json.loads(doc)
        report["version_code"] = version + 1
        c.execute("UPDATE apk_cache SET report_json = ? WHERE sha256 = ?",
                  (json.dumps(report), digests[paths[NOTES]]))
    since = _log_size(handle)
    fourth = _audit(handle, db, knowledge)
    assert _hashed(handle, since) == [paths[NOTES]]
    detail = fourth.snapshot.facts[f"stat {paths[NOTES]}"].detail
    assert f"the package manager gives version {version} and the file remembered was version {version + 1}" in detail
    assert "unchanged since an audit verified" in fourth.snapshot.facts[f"stat {paths[SETTINGS]}"].detail


def test_a_refused_stat_falls_back_to_sha256sum_and_says_so(sim_phone, tmp_path, knowledge):
    plain = hostile.write_profile(tmp_path / "plain", description="two ordinary apps")
    paths = sorted(_paths(sim_phone(plain, log=False)).values())
    line = quote_argv(("stat", "-c", APK_STAT_FORMAT, *paths))
    refusing = hostile.write_profile(
        tmp_path / "refusing", description="its stat is refused",
        commands={line: {"stderr": "stat: Permission denied\n", "exit": 1}})
    handle = sim_phone(refusing)
    db = tmp_path / "h.sqlite3"
    digests = _seed(db, handle, knowledge)
    since = _log_size(handle)
    result = _audit(handle, db, knowledge)
    assert _hashed(handle, since) == paths
    assert result.apk_hashes == digests
    for p in paths:
        stat = result.snapshot.facts[f"stat {p}"]
        assert stat.state == ledger.REFUSED and "hashed with sha256sum" in stat.detail
        assert result.snapshot.facts[f"sha256sum {p}"].read
    assert all(result.snapshot.facts[ledger.apk_key(k)].read for k in (SETTINGS, MESSAGING))
    # nothing is remembered without a stat answer: the next audit hashes them again
    assert _rows(db) == {}


def test_a_digest_the_phone_lied_about_is_not_remembered(sim_phone, tmp_path, knowledge):
    """The phone gives its bad app the digest of the clean app beside it: the bad app
    is pulled and judged on its own bytes, and its digest is not remembered, so the
    next audit has the phone hash it again (and the bad app is judged again)."""
    bad = hostile.lying_sha256(tmp_path, with_clean=True)
    handle = sim_phone(bad.folder)
    db = tmp_path / "h.sqlite3"
    first = _audit(handle, db, knowledge)
    assert any(f"the SHA-256 of the APK of {hostile.CLEAN_APP}" in p.reason for p in first.problems)
    assert set(_rows(db)) == {hostile.CLEAN_PATH}
    since = _log_size(handle)
    second = _audit(handle, db, knowledge)
    assert _hashed(handle, since) == [hostile.BAD_PATH]
    assert [r.package for r in second.apks[hostile.BAD_APP].reports] == [hostile.BAD_APP]
    assert hostile.BAD_APP in {f.check: f for f in second.findings}["ncsc.tencent-statistics"].subjects
