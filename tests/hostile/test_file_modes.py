"""Issue 18: every file and folder phone-audit creates is 0600 / 0700, even under umask 000.

A scan (history database with its WAL and SHM, JSON and HTML reports, a capture, the
APK pull folder) runs with umask 000, the worst a user can set; then every path the scan
made is checked. A `--capture-in` re-analysis into a fresh default data folder (the
XDG data dir) is checked the same way.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import profiles as P
from conftest import _audit_one, scan_env


def _bad_modes(top) -> list[str]:
    bad = []
    for path in [top, *top.rglob("*")]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        want = 0o700 if path.is_dir() else 0o600
        if mode != want:
            bad.append(f"{path}: {oct(mode)}")
    return bad


def test_everything_created_is_owner_only_under_umask_000(adb_server, short_tmp):
    hostile = P.personal_markers(short_tmp / "profiles")
    old = os.umask(0)
    try:
        run = _audit_one(adb_server, short_tmp / "runs", hostile)
        again = short_tmp / "again"
        for sub in ("home", "cwd", "tmp"):
            (again / sub).mkdir(parents=True)
        env = scan_env(adb_server, again)
        env.pop("PHONE_AUDIT_DB")  # the default: the XDG data folder, created by the scan
        re_run = subprocess.run(
            [sys.executable, "-m", "tui.cli", "scan", "--capture-in", str(run.out / "capture"),
             "--json", str(again / "cwd" / "new" / "r.json"), "--html", str(again / "cwd" / "new" / "r.html")],
            env=env, cwd=again / "cwd", capture_output=True, timeout=300)
    finally:
        os.umask(old)
    assert run.code in (0, 1, 2), run.explain()
    assert re_run.returncode == run.code, re_run.stderr
    made = [run.out / n for n in ("history.sqlite3", "r.json", "r.html", "capture")]
    assert all(p.exists() for p in made), list(run.out.iterdir())
    assert any((run.out / "capture").iterdir())
    bad = []
    for p in run.out.iterdir():  # out itself is the test's folder, made under umask 000
        bad += _bad_modes(p)
    data_dir = again / "home" / ".local" / "share"
    assert (data_dir / "phone-audit" / "history.sqlite3").is_file(), list(data_dir.rglob("*"))
    # .local and .local/share are made by the scan too (HOME is empty)
    bad += _bad_modes(again / "home" / ".local")
    bad += _bad_modes(again / "cwd" / "new")
    assert not bad, bad


def test_database_wal_and_shm_are_0600_while_open_under_umask_000(tmp_path):
    import asyncio

    from store import Store

    db = tmp_path / "new" / "deeper" / "h.sqlite3"

    async def go():
        store = await Store.open(db)
        try:
            await store.start_audit(__import__("model.snapshot").snapshot.DeviceInfo(adb_serial="x"))
            sides = [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")]
            assert all(p.exists() for p in sides)
            return {str(p): oct(stat.S_IMODE(p.stat().st_mode)) for p in sides}
        finally:
            await store.close()

    old = os.umask(0)
    try:
        modes = asyncio.run(go())
    finally:
        os.umask(old)
    assert set(modes.values()) == {"0o600"}, modes
    assert not _bad_modes(tmp_path / "new")
