"""What only a shared (PostgreSQL) store has: benches waiting for each other's APK,
the same APK cached by two benches at once, bench identity, passwords kept out of
messages, the config file."""

from __future__ import annotations

import asyncio

from model.snapshot import DeviceInfo
from model.apk_report import ApkReport
from store import Store
from store.backends import is_url, redact

SHA = "5e" * 32


def run(coro):
    return asyncio.run(coro)


def test_second_bench_waits_for_the_first_benchs_report(fresh_pg_database):
    report = ApkReport(sha256=SHA, size=10, package="com.x", kb_version="kb-1")

    async def go():
        a, b = await Store.open(fresh_pg_database), await Store.open(fresh_pg_database)
        try:
            claim_a = await a.claim_apk(SHA)
            waiting = asyncio.create_task(b.claim_apk(SHA))
            await asyncio.sleep(1.5)
            assert not waiting.done(), "bench B must wait while bench A inspects"
            other = await b.claim_apk("77" * 32)  # another APK is not held up
            await other.release()
            assert await a.cache_put(report)
            await claim_a.release()
            claim_b = await asyncio.wait_for(waiting, 30)
            assert await b.cache_get(SHA, "kb-1") == report  # B finds A's work
            await claim_b.release()
        finally:
            await a.close()
            await b.close()
    run(go())


def test_the_same_apk_cached_by_two_benches_at_once(fresh_pg_database):
    async def go():
        stores = [await Store.open(fresh_pg_database) for _ in range(4)]
        try:
            reports = [ApkReport(sha256=SHA, size=10, package=f"com.bench{i}", kb_version="kb")
                       for i in range(4)]
            done = await asyncio.gather(*(s.cache_put(r) for s, r in zip(stores, reports)))
            assert done == [True] * 4  # no conflict error: insert-on-conflict
            assert await stores[0].cache_size() == 1
            assert (await stores[0].cache_get(SHA, "kb")).package in {r.package for r in reports}
        finally:
            for s in stores:
                await s.close()
    run(go())


def test_bench_and_technician_from_config_then_environment(db, tmp_path, monkeypatch):
    config = tmp_path / "config.toml"
    config.write_text('bench = "bench-7"\ntechnician = "Sam"\n', encoding="utf-8")
    monkeypatch.setenv("PHONE_AUDIT_CONFIG", str(config))
    monkeypatch.delenv("PHONE_AUDIT_BENCH", raising=False)
    monkeypatch.delenv("PHONE_AUDIT_TECHNICIAN", raising=False)

    async def go():
        store = await Store.open(db)
        try:
            first = await store.start_audit(DeviceInfo(adb_serial="x", serial="p1"))
            monkeypatch.setenv("PHONE_AUDIT_BENCH", "front-desk")
            second = await store.start_audit(DeviceInfo(adb_serial="x", serial="p1"))
            got = {a["id"]: (a["bench"], a["technician"]) for a in await store.list_audits("p1")}
            assert got == {first: ("bench-7", "Sam"), second: ("front-desk", "Sam")}
        finally:
            await store.close()
    run(go())


def test_database_named_in_the_config_file(fresh_pg_database, tmp_path, monkeypatch):
    config = tmp_path / "config.toml"
    config.write_text(f'db = "{fresh_pg_database}"\n', encoding="utf-8")
    monkeypatch.setenv("PHONE_AUDIT_CONFIG", str(config))
    monkeypatch.delenv("PHONE_AUDIT_DB", raising=False)

    async def go():
        store = await Store.open()
        try:
            assert store.dialect == "postgresql"
        finally:
            await store.close()
    run(go())


def test_password_never_in_a_message(postgres):
    assert redact("postgresql://bench:s3cret@db.shop:5432/audit") == "postgresql://bench:***@db.shop:5432/audit"
    assert redact("postgresql://bench@db.shop/audit") == "postgresql://bench@db.shop/audit"
    assert is_url("postgres://x/y") and is_url("postgresql://x/y") and not is_url("/tmp/h.sqlite3")
    # a server that refuses: the error names the server, never the password
    url = f"postgresql://nobody_here:s3cret@127.0.0.1:{postgres.port}/no_such_database"

    async def go():
        try:
            await Store.open(url)
        except ConnectionError as exc:
            return str(exc)
        raise AssertionError("opened a database that does not exist")
    message = run(go())
    assert "s3cret" not in message and "***" in message and "no_such_database" in message
