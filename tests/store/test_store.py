"""The history database: migrations, WAL, concurrent writers, the APK cache, history."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from model.snapshot import DeviceInfo, DeviceSnapshot, PackageInfo, Problem
from model.apk_report import ApkReport, Hit
from model.findings import Evidence, Finding, Severity, Status
from store import Store, schema
from store.history import diff_reports
from audit.reports.json_report import validate_report


def run(coro):
    return asyncio.run(coro)


def finding(check: str, status: Status, subjects=(), summary="s") -> Finding:
    return Finding(check=check, title=f"title of {check}", category=check.split(".")[0],
                   status=status, severity=Severity.HIGH if status is Status.FAIL else Severity.INFO,
                   summary=summary, subjects=tuple(subjects),
                   evidence=(Evidence("getprop", "x=1", "adb shell getprop x"),))


DEVICE = DeviceInfo(adb_serial="127.0.0.1:6001", serial="abc123", manufacturer="Xiaomi",
                    model="M2007J3SG", android_release="10", sdk=29,
                    build_fingerprint="Xiaomi/apollo/apollo:10/QKQ1/V12:user/release-keys",
                    security_patch="2020-11-01")


def snapshot(device=DEVICE) -> DeviceSnapshot:
    return DeviceSnapshot(
        device=device,
        packages=(
            PackageInfo("com.miui.securitycenter", path="/system/priv-app/Sec/Sec.apk", system=True),
            PackageInfo("com.evil", path="/data/app/com.evil-1/base.apk",
                        split_paths=("/data/app/com.evil-1/split_a.apk",), installer=None),
        ),
        problems=(Problem("dumpsys account", "permission denied"),),
    )


def test_new_database_is_latest_schema_in_wal(tmp_path):
    async def go():
        store = await Store.open(tmp_path / "h.sqlite3")
        try:
            assert await store.user_version() == schema.LATEST == 5
            assert await store.journal_mode() == "wal"
        finally:
            await store.close()
    run(go())


def test_new_database_has_the_latest_schema_on_either_backend(db):
    async def go():
        store = await Store.open(db)
        try:
            assert store.dialect == ("postgresql" if str(db).startswith("postgresql://") else "sqlite")
            assert await store.user_version() == 5
            assert await store.fetchall("SELECT bench, technician FROM audits") == []
        finally:
            await store.close()
        # a second open (another bench) finds it migrated and changes nothing
        store = await Store.open(db)
        try:
            assert await store.user_version() == 5
        finally:
            await store.close()
    run(go())


def test_path_from_environment_and_default(tmp_path, monkeypatch):
    from store.db import resolve_path

    monkeypatch.setenv("PHONE_AUDIT_DB", str(tmp_path / "env.sqlite3"))
    assert resolve_path() == tmp_path / "env.sqlite3"
    assert resolve_path(tmp_path / "arg.sqlite3") == tmp_path / "arg.sqlite3"
    monkeypatch.delenv("PHONE_AUDIT_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert resolve_path() == tmp_path / "xdg" / "phone-audit" / "history.sqlite3"

    async def go():
        store = await Store.open()
        await store.close()
    run(go())
    assert (tmp_path / "xdg" / "phone-audit" / "history.sqlite3").is_file()


def make_v1_database(path: Path) -> None:
    """A database exactly as a version-1 phone-audit left it, with one finished and
    one crashed audit."""
    conn = sqlite3.connect(path)
    for stmt in schema.statements(schema.V1):
        conn.execute(stmt)
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO devices VALUES (1, 'abc123', 'abc123', '127.0.0.1:6001', 'Xiaomi', "
                 "'M2007J3SG', '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z')")
    dev = json.dumps({"serial": "abc123", "adb_serial": "127.0.0.1:6001", "manufacturer": "Xiaomi",
                      "model": "M2007J3SG", "android_release": "10", "sdk": 29,
                      "build_fingerprint": "fp", "security_patch": "2020-11-01"})
    conn.execute("INSERT INTO audits VALUES (1, 1, '2025-01-01T00:00:00Z', '2025-01-01T00:01:00Z', "
                 "'complete', ?, '0.0.9')", (dev,))
    conn.execute("INSERT INTO audits VALUES (2, 1, '2025-02-01T00:00:00Z', NULL, 'running', ?, '0.0.9')",
                 (dev,))
    f = finding("os.selinux", Status.FAIL, ["Permissive"])
    conn.execute("INSERT INTO findings VALUES (1, 'os.selinux', 'fail', 'high', ?)",
                 (json.dumps(f.to_dict()),))
    conn.execute("INSERT INTO packages VALUES (1, 'com.x', 1, 1, NULL, 3, '1.0')")
    conn.execute("INSERT INTO apk_cache VALUES ('aa', 'kb1', ?, '2025-01-01T00:00:00Z')",
                 (json.dumps(ApkReport(sha256="aa", package="com.x", kb_version="kb1").to_dict()),))
    conn.commit()
    conn.close()


def test_version_1_database_migrates_on_open(tmp_path):
    db = tmp_path / "old.sqlite3"
    make_v1_database(db)

    async def go():
        store = await Store.open(db)
        try:
            assert await store.user_version() == 5
            audits = {a["id"]: a for a in await store.list_audits()}
            assert audits[1]["status"] == "complete"
            # v1 had no way to tell a crash from a running audit: marked on migration
            assert audits[2]["status"] == "interrupted"
            # v4 numbered the audits already there per phone: this phone's first is #1
            assert (audits[1]["number"], audits[2]["number"]) == (1, 2)
            assert audits[1]["source"] == "phone"
            report = await store.get_audit(1)
            validate_report(report)
            assert [f["check"] for f in report["findings"]] == ["os.selinux"]
            assert report["findings"][0]["subjects"] == ["Permissive"]
            assert report["apps"][0]["package"] == "com.x"
            # the v2 columns exist and work on the migrated rows
            await store.finish_audit(2, complete=False, problems=[Problem("x", "y")])
            assert (await store.get_audit(2))["problems"] == [{"command": "x", "reason": "y"}]
            assert (await store.cache_get("aa", "kb1")).package == "com.x"
        finally:
            await store.close()
        # opening again does not migrate again or lose anything
        store = await Store.open(db)
        try:
            assert await store.user_version() == 5
            assert len(await store.list_audits()) == 2
        finally:
            await store.close()
    run(go())
    cols = {r[1] for r in sqlite3.connect(db).execute("PRAGMA table_info(audits)")}
    assert {"problems_json", "owner", "snapshot_json", "kb_version"} <= cols


def test_apk_cache_hit_and_miss_by_knowledge_version(db):
    report = ApkReport(sha256="ab" * 32, size=10, package="com.tencent.stat.demo", kb_version="kb-1",
                       trackers=(Hit("tracker.tencent-stats", "Tencent Stats", "class",
                                     "com.tencent.stat.StatService", "classes.dex", "analytics"),))

    async def go():
        store = await Store.open(db)
        try:
            assert await store.cache_get(report.sha256, "kb-1") is None
            assert await store.cache_put(report)
            assert await store.cache_get(report.sha256, "kb-1") == report
            assert await store.cache_get(report.sha256.upper(), "kb-1") == report
            assert await store.cache_get(report.sha256, "kb-2") is None
            # a failed inspection is never cached (it may have been transient)
            bad = ApkReport(sha256="cd" * 32, kb_version="kb-1", error="could not inspect: boom")
            assert not await store.cache_put(bad)
            assert await store.cache_get(bad.sha256, "kb-1") is None
            assert await store.cache_size() == 1
        finally:
            await store.close()
    run(go())


def test_audit_round_trip_previous_and_rekey(db):
    async def go():
        store = await Store.open(db)
        try:
            first = await store.start_audit(DeviceInfo(adb_serial="127.0.0.1:6001"), kb_version="kb-1")
            # the audit moves to the phone's real identity once ro.serialno is known
            await store.save_snapshot(first, snapshot())
            await store.save_findings(first, [finding("os.selinux", Status.FAIL, ["Permissive"])])
            await store.finish_audit(first, complete=False, problems=[Problem("pull", "phone lost")])
            second = await store.start_audit(DeviceInfo(adb_serial="127.0.0.1:6002"))
            await store.save_snapshot(second, snapshot(DeviceInfo(adb_serial="127.0.0.1:6002",
                                                                   serial="abc123")))
            prev = await store.previous_audit("abc123", before=second)
            assert prev["id"] == first and prev["status"] == "incomplete" and not prev["complete"]
            assert prev["problems"] == [{"command": "pull", "reason": "phone lost"}]
            assert [a["id"] for a in await store.list_audits("abc123")] == [second, first]
            assert [a["id"] for a in await store.list_audits("127.0.0.1:6001")] == [first]
            assert await store.list_audits("nobody") == []
            rep = await store.get_audit(first)
            validate_report(rep)
            assert rep["complete"] is False and rep["device"]["serial"] == "abc123"
            assert [a["package"] for a in rep["apps"]] == ["com.miui.securitycenter", "com.evil"]
            snap = await store.get_snapshot_json(first)
            assert snap["packages"][1]["split_paths"] == ["/data/app/com.evil-1/split_a.apk"]
            # only one device row: the adb-serial placeholder was folded into it
            rows = await store.fetchall("SELECT key FROM devices")
            assert [r[0] for r in rows] == ["abc123"]
        finally:
            await store.close()
    run(go())


def test_running_audit_of_a_dead_process_becomes_interrupted(db):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead_pid = int(dead.stdout)

    async def go():
        store = await Store.open(db)
        mine = await store.start_audit(DEVICE)
        crashed = await store.start_audit(DEVICE)
        import socket
        async with store.write() as conn:
            await conn.execute("UPDATE audits SET owner = ? WHERE id = ?",
                               (f"{socket.gethostname()}:{dead_pid}:1", crashed))
        other = await Store.open(db)  # a second opener must not touch a live audit
        try:
            statuses = {a["id"]: a["status"] for a in await other.list_audits()}
            assert statuses == {mine: "running", crashed: "interrupted"}
        finally:
            await other.close()
            await store.close()
    run(go())


WRITER = textwrap.dedent("""
    import asyncio, sys
    from model.snapshot import DeviceInfo
    from model.apk_report import ApkReport
    from model.findings import Finding, Severity, Status
    from store import Store

    async def main(db, tag, n):
        store = await Store.open(db)
        for i in range(n):
            aid = await store.start_audit(DeviceInfo(adb_serial=f"{tag}-{i}", serial=f"{tag}-{i}"))
            await store.save_findings(aid, [Finding(f"os.c{j}", "t", "os", Status.PASS, Severity.INFO, "ok")
                                            for j in range(5)])
            await store.cache_put(ApkReport(sha256=f"{tag}{i:062d}", kb_version="kb"))
            await store.finish_audit(aid, complete=True)
        await store.close()

    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
""")


def test_two_processes_write_the_same_database(db):
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(db), tag, "40"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for tag in ("aa", "bb")]
    outs = [p.communicate(timeout=240) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs

    async def go():
        store = await Store.open(db)
        try:
            audits = await store.list_audits()
            assert len(audits) == 80
            assert all(a["status"] == "complete" and a["counts"]["pass"] == 5 for a in audits)
            assert await store.cache_size("kb") == 80
        finally:
            await store.close()
    run(go())


def test_diff_appeared_fixed_changed_unchanged():
    def rep(aid, findings):
        return {"audit_id": aid, "findings": [f.to_dict() for f in findings]}

    a = rep(1, [finding("os.selinux", Status.FAIL, ["Permissive"]),
                finding("os.root", Status.PASS),
                finding("apps.trackers", Status.WARN, ["com.a"]),
                finding("os.encryption", Status.PASS),
                finding("apps.sideloaded", Status.FAIL, ["x"])])
    b = rep(2, [finding("os.selinux", Status.PASS),
                finding("os.root", Status.FAIL, ["su"]),
                finding("apps.trackers", Status.WARN, ["com.a", "com.b"]),
                finding("os.encryption", Status.PASS),
                finding("apps.sideloaded", Status.INCONCLUSIVE)])
    d = diff_reports(a, b)
    assert [e["check"] for e in d["fixed"]] == ["os.selinux"]
    assert [e["check"] for e in d["appeared"]] == ["os.root"]
    assert {e["check"] for e in d["changed"]} == {"apps.trackers", "apps.sideloaded"}
    assert [e["check"] for e in d["unchanged"]] == ["os.encryption"]
    trackers = next(e for e in d["changed"] if e["check"] == "apps.trackers")
    assert trackers["subjects_added"] == ["com.b"] and trackers["subjects_removed"] == []


def test_many_digests_looked_up_in_one_query_and_remembered_in_one_transaction(db):
    """The warm re-audit's store: cached reports for many digests at once, and the
    digests verified for files by (fingerprint, path), with what `stat` said of them."""
    fp, other = "acme/phone/phone:14/A1/1:user/release-keys", "acme/phone/phone:14/A2/1:user/release-keys"

    async def go():
        store = await Store.open(db)
        try:
            await store.cache_put(ApkReport(sha256="AA" * 32, package="com.a", kb_version="kb1"))
            await store.cache_put(ApkReport(sha256="bb" * 32, package="com.b", kb_version="kb1"))
            await store.cache_put(ApkReport(sha256="cc" * 32, package="com.c", kb_version="kb2"))
            got = await store.cache_get_many(["aa" * 32, "BB" * 32, "cc" * 32, "dd" * 32, "aa" * 32], "kb1")
            assert {k: r.package for k, r in got.items()} == {"aa" * 32: "com.a", "bb" * 32: "com.b"}
            assert await store.cache_get_many([], "kb1") == {}
            # more digests than one query's chunk: still all found
            many = await store.cache_get_many([f"{i:064x}" for i in range(900)] + ["bb" * 32], "kb1")
            assert list(many) == ["bb" * 32]

            assert await store.remember_digests(fp, []) == 0
            assert await store.remember_digests(fp, [
                ("/system/app/A/A.apk", 11, 4096, 1230768000, "AA" * 32),
                ("/data/app/~~q==/com.b-r==/base.apk", 12, 8192, 1700000000, "bb" * 32)]) == 2
            await store.remember_digests(other, [("/system/app/A/A.apk", 99, 1, 2, "ee" * 32)])
            paths = ["/system/app/A/A.apk", "/data/app/~~q==/com.b-r==/base.apk", "/system/app/Z/Z.apk"]
            assert await store.known_digests(fp, paths) == {
                "/system/app/A/A.apk": (11, 4096, 1230768000, "aa" * 32),
                "/data/app/~~q==/com.b-r==/base.apk": (12, 8192, 1700000000, "bb" * 32)}
            assert await store.known_digests(other, paths) == {"/system/app/A/A.apk": (99, 1, 2, "ee" * 32)}
            # a file hashed again after it changed: its row replaced, not added
            await store.remember_digests(fp, [("/system/app/A/A.apk", 11, 5000, 1230769000, "ff" * 32)])
            assert (await store.known_digests(fp, ["/system/app/A/A.apk"])) == {
                "/system/app/A/A.apk": (11, 5000, 1230769000, "ff" * 32)}
        finally:
            await store.close()

    run(go())
