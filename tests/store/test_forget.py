"""Issue 18: `forget` removes a phone's audits, and the bytes are gone from the file and
its WAL (searched raw), while another phone's audits and the APK cache stay.

Each test runs on both backends (`db` in tests/store/conftest.py). On PostgreSQL the
raw bytes searched are the database's own folder on the test server
(`<data>/base/<database oid>/`, every table, index and TOAST file), read after a
CHECKPOINT so what the server holds in memory is on disk."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from pathlib import Path

from model.snapshot import Account, DeviceInfo, DeviceSnapshot
from model.apk_report import ApkReport
from model.findings import Finding, Severity, Status
from store import Store
from store.forget import forget_older_than
from tui.cli import main

GONE_SERIAL = "FORGETME0042SERIAL"
GONE_MARKER = "zqx.forget.marker@example.org"
KEPT_SERIAL = "KEEPME0099SERIAL"
KEPT_MARKER = "zqx.kept.marker@example.org"
APK_SHA = "cd" * 32


def _raw_bytes(db, request=None) -> bytes:
    if isinstance(db, str):
        return _pg_raw_bytes(db, request.getfixturevalue("postgres"))
    return b"".join(p.read_bytes() for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")) if p.exists())


def _pg_raw_bytes(url: str, server) -> bytes:
    """Every file of the database's folder on the server, after a checkpoint."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CHECKPOINT")
        oid = conn.execute("SELECT oid FROM pg_database WHERE datname = current_database()").fetchone()[0]
    folder = server.data / "base" / str(oid)
    return b"".join(p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file())


async def _audit(store: Store, serial: str, marker: str, started: str) -> int:
    info = DeviceInfo(adb_serial=serial, serial=serial, manufacturer="Xiaomi")
    aid = await store.start_audit(info, started_at=started)
    await store.save_snapshot(aid, DeviceSnapshot(device=info, accounts=(Account(marker, "com.google"),)))
    await store.save_findings(aid, [Finding("os.selinux", "t", "os", Status.FAIL, Severity.HIGH,
                                            f"found {marker}")])
    await store.finish_audit(aid, complete=True, problems=[])
    return aid


def _fill(db) -> None:
    async def go():
        store = await Store.open(db)
        try:
            await _audit(store, GONE_SERIAL, GONE_MARKER, "2026-01-01T00:00:00Z")
            await _audit(store, GONE_SERIAL, GONE_MARKER, "2026-01-02T00:00:00Z")
            await _audit(store, KEPT_SERIAL, KEPT_MARKER, "2026-01-03T00:00:00Z")
            await store.cache_put(ApkReport(sha256=APK_SHA, size=1, package="com.x", kb_version="kb"))
        finally:
            await store.close()
    asyncio.run(go())


def test_forget_one_phone_removes_its_bytes_and_keeps_the_rest(db, request, capsys):
    _fill(db)
    before = _raw_bytes(db, request)
    # the test can fail: the bytes are there before forgetting
    assert GONE_SERIAL.encode() in before and GONE_MARKER.encode() in before
    assert main(["forget", GONE_SERIAL, "--db", str(db)]) == 0
    assert "forgot 2 audits" in capsys.readouterr().out
    after = _raw_bytes(db, request)
    assert GONE_SERIAL.encode() not in after and GONE_MARKER.encode() not in after
    assert KEPT_SERIAL.encode() in after and KEPT_MARKER.encode() in after

    async def check():
        store = await Store.open(db)
        try:
            audits = await store.list_audits()
            assert [a["device_key"] for a in audits] == [KEPT_SERIAL]
            assert await store.cache_get(APK_SHA, "kb") is not None
            # while the database is open, its WAL holds no forgotten byte either
            assert GONE_MARKER.encode() not in _raw_bytes(db, request)
        finally:
            await store.close()
    asyncio.run(check())


def test_forget_all_keeps_the_apk_cache(db, request):
    _fill(db)
    before = _raw_bytes(db, request)
    assert KEPT_MARKER.encode() in before
    assert main(["forget", "--all", "--db", str(db)]) == 0
    after = _raw_bytes(db, request)
    for s in (GONE_SERIAL, GONE_MARKER, KEPT_SERIAL, KEPT_MARKER):
        assert s.encode() not in after
    assert APK_SHA.encode() in after


def test_forget_needs_a_serial_or_all(tmp_path):
    assert main(["forget", "--db", str(tmp_path / "h.sqlite3")]) == 2


def test_retention_forgets_only_older_audits(db, request):
    _fill(db)

    async def go():
        store = await Store.open(db)
        try:
            # on 01-03 23:00 with 2 days kept the cut is 01-01 23:00: the audit of 01-01 goes
            now = datetime(2026, 1, 3, 23, 0, 0, tzinfo=timezone.utc)
            assert await forget_older_than(store, 2, now=now) == 1
            assert [a["started_at"][:10] for a in await store.list_audits()] == ["2026-01-03", "2026-01-02"]
            # 4 days kept on 01-03: nothing is old enough
            assert await forget_older_than(store, 4, now=now) == 0
            # 1 day kept: the audit of 01-02 goes too, and with it the forgotten phone
            assert await forget_older_than(store, 1, now=now) == 1
            assert [a["device_key"] for a in await store.list_audits()] == [KEPT_SERIAL]
        finally:
            await store.close()
    asyncio.run(go())
    after = _raw_bytes(db, request)
    assert GONE_SERIAL.encode() not in after and GONE_MARKER.encode() not in after
    assert KEPT_MARKER.encode() in after


def test_keep_days_from_the_config_file_unless_given(tmp_path, monkeypatch):
    from tui.config import keep_days

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert keep_days(None) is None  # no file: keep everything
    (tmp_path / "phone-audit").mkdir()
    (tmp_path / "phone-audit" / "config.toml").write_text("keep_days = 30\n", encoding="utf-8")
    assert keep_days(None) == 30
    assert keep_days(7) == 7
    (tmp_path / "phone-audit" / "config.toml").write_text('keep_days = "x"\n', encoding="utf-8")
    try:
        keep_days(None)
    except ValueError as e:
        assert "keep_days" in str(e)
    else:
        raise AssertionError("a malformed keep_days was accepted")


def test_retention_through_the_store_scan_opens(db, request):
    """`scan --keep-days` opens the store with `open_shared` (on PostgreSQL a
    SpoolingStore that forwards calls); retention must work through it too."""
    _fill(db)

    async def go():
        store = await Store.open_shared(db)
        try:
            now = datetime(2026, 1, 3, 23, 0, 0, tzinfo=timezone.utc)
            assert await forget_older_than(store, 1, now=now) == 2
            assert [a["device_key"] for a in await store.list_audits()] == [KEPT_SERIAL]
        finally:
            await store.close()
    asyncio.run(go())
    after = _raw_bytes(db, request)
    assert GONE_MARKER.encode() not in after and KEPT_MARKER.encode() in after
