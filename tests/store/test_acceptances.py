"""Accepted findings and per-phone audit numbers, on both backends (the `db` fixture):
the v4 migration of an existing database, acceptances honoured while the finding is
unchanged and lapsed ("changed") once it differs, withdrawal, and forgetting."""

from __future__ import annotations

import asyncio

import pytest

from audit import acceptance
from audit.reports.json_report import validate_report
from model.findings import Evidence, Finding, Severity, Status
from model.snapshot import DeviceInfo, DeviceSnapshot
from store import Store, forget, schema


def run(coro):
    return asyncio.run(coro)


PHONE = DeviceInfo(adb_serial="127.0.0.1:6001", serial="abc123", manufacturer="Xiaomi",
                   model="M2007J3SG")
OTHER = DeviceInfo(adb_serial="127.0.0.1:6002", serial="zzz999", manufacturer="Google",
                   model="Pixel 6")


def admin(package: str, status: Status = Status.WARN) -> Finding:
    """apps.device-admin as a phone with one administrator gives it."""
    return Finding(check="apps.device-admin", title="Device administrators", category="apps",
                   status=status, severity=Severity.MEDIUM,
                   summary=f"1 active device administrator: {package}", subjects=(package,),
                   evidence=(Evidence("dumpsys device_policy", f"Admin: {package}/.Receiver",
                                      "adb shell dumpsys device_policy"),))


def of(report: dict, check: str = "apps.device-admin") -> dict:
    return next(f for f in report["findings"] if f["check"] == check)


def selinux() -> Finding:
    return Finding(check="os.selinux", title="SELinux", category="os", status=Status.PASS,
                   severity=Severity.INFO, summary="Enforcing")


async def audit_of(store: Store, device: DeviceInfo, findings: list[Finding]) -> int:
    """One audit as the runner stores it: acceptances applied before the findings."""
    audit_id = await store.start_audit(DeviceInfo(adb_serial=device.adb_serial))
    await store.save_snapshot(audit_id, DeviceSnapshot(device=device))
    findings = await acceptance.apply_stored(store, device.serial, findings)
    await store.save_findings(audit_id, findings)
    await store.finish_audit(audit_id, complete=True)
    return audit_id


def test_audit_numbers_count_per_phone_and_follow_the_real_identity(db):
    async def go():
        store = await Store.open(db)
        try:
            a1 = await audit_of(store, PHONE, [selinux()])
            b1 = await audit_of(store, OTHER, [selinux()])
            a2 = await audit_of(store, PHONE, [selinux()])
            # global ids go on counting; each phone's audits count from 1
            assert (a1, b1, a2) == (a1, a1 + 1, a1 + 2)
            assert [await store.audit_number(i) for i in (a1, b1, a2)] == [1, 1, 2]
            summaries = {a["id"]: a for a in await store.list_audits()}
            assert [summaries[i]["number"] for i in (a1, b1, a2)] == [1, 1, 2]
            report = await store.get_audit(a2)
            validate_report(report)
            assert report["audit_number"] == 2 and report["source"] == "phone"
            d = await store.diff(a1, a2)
            assert (d["a_number"], d["b_number"]) == (1, 2)
            # a re-analysis is marked, and dated as the caller says (the capture's time)
            r = await store.start_audit(PHONE, started_at="2026-01-02T03:04:05.000Z", source="capture")
            row = (await store.list_audits("abc123"))[0]
            assert (row["id"], row["number"], row["source"], row["started_at"]) == \
                (r, 3, "capture", "2026-01-02T03:04:05.000Z")
        finally:
            await store.close()
    run(go())


def test_an_acceptance_holds_while_the_finding_is_unchanged(db):
    async def go():
        store = await Store.open(db)
        try:
            first = await audit_of(store, PHONE, [admin("com.employer.mdm"), selinux()])
            with pytest.raises(ValueError):  # nothing to accept in a pass
                await acceptance.accept(store, first, "os.selinux", "fine")
            with pytest.raises(ValueError):  # a reason is required
                await acceptance.accept(store, first, "apps.device-admin", "  ")
            f = await acceptance.accept(store, first, "apps.device-admin",
                                        "employer's MDM, owner knows", by="Ana")
            assert f["status"] == "warn"  # the status is never changed
            assert f["acceptance"]["state"] == "accepted" and f["acceptance"]["by"] == "Ana"
            # the audit it was accepted on reads back accepted
            stored = await store.get_audit(first)
            validate_report(stored)
            assert acceptance.is_accepted(of(stored))
            [acc] = await store.list_acceptances("abc123")
            assert (acc["check"], acc["status"], acc["reason"], acc["audit_id"]) == \
                ("apps.device-admin", "warn", "employer's MDM, owner knows", first)
            # the other phone has none
            assert await store.list_acceptances("zzz999") == []

            # the same finding on the next audit: still accepted
            again = await audit_of(store, PHONE, [admin("com.employer.mdm"), selinux()])
            f2 = of(await store.get_audit(again))
            assert f2["acceptance"]["state"] == "accepted"
            # the same check on another phone is not accepted
            other = await audit_of(store, OTHER, [admin("com.employer.mdm")])
            assert "acceptance" not in of(await store.get_audit(other))
            # a different administrator package: no longer accepted, and it says so
            changed = await audit_of(store, PHONE, [admin("com.spy.admin"), selinux()])
            f3 = of(await store.get_audit(changed))
            assert f3["acceptance"]["state"] == "changed" and not acceptance.is_accepted(f3)
            assert f3["acceptance"]["accepted_status"] == "warn"
            # warn becoming fail with the same package is a change too
            worse = await audit_of(store, PHONE, [admin("com.employer.mdm", Status.FAIL)])
            assert of(await store.get_audit(worse))["acceptance"]["state"] == "changed"

            # withdrawn: the latest audit's finding loses its mark, later audits have none
            found, f4 = await acceptance.withdraw(store, again, "apps.device-admin")
            assert found and "acceptance" not in f4
            assert (await acceptance.withdraw(store, again, "apps.device-admin"))[0] is False
            later = await audit_of(store, PHONE, [admin("com.employer.mdm")])
            assert "acceptance" not in of(await store.get_audit(later))

            # forgetting the phone deletes its acceptances; the other phone's stay
            await acceptance.accept(store, later, "apps.device-admin", "MDM", by="Ana")
            await acceptance.accept(store, other, "apps.device-admin", "school MDM", by="Ana")
            await forget.forget_device(store, "abc123")
            assert await store.list_acceptances("abc123") == []
            assert [a["device_key"] for a in await store.list_acceptances()] == ["zzz999"]
        finally:
            await store.close()
    run(go())


def test_a_version_3_database_gains_numbers_and_acceptances(db, monkeypatch):
    """A database left by the previous release (schema 3, two audits of one phone) is
    brought to the latest (5) on open on either backend: numbered per phone, acceptances possible."""
    async def go():
        monkeypatch.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:3])
        monkeypatch.setattr(schema, "LATEST", 3)
        old = await Store.open(db)
        try:
            ids = []
            async with old.write() as conn:  # rows as the v3 writer left them
                await conn.execute(
                    "INSERT INTO devices (key, serial, adb_serial, first_seen, last_seen) "
                    "VALUES ('abc123', 'abc123', '127.0.0.1:6001', '2026-01-01T00:00:00Z', "
                    "'2026-01-02T00:00:00Z')")
                async with conn.execute("SELECT id FROM devices") as cur:
                    device_id = (await cur.fetchone())[0]
                for day in ("01", "02"):
                    cur = await conn.execute(
                        "INSERT INTO audits (device_id, started_at, finished_at, status, device_json, "
                        "tool_version) VALUES (?, ?, ?, 'complete', ?, '0.1.0')",
                        (device_id, f"2026-01-{day}T00:00:00Z", f"2026-01-{day}T00:01:00Z",
                         '{"serial": "abc123", "adb_serial": "127.0.0.1:6001"}'))
                    ids.append(int(cur.lastrowid))
        finally:
            await old.close()
        monkeypatch.undo()
        store = await Store.open(db)
        try:
            assert await store.user_version() == 5
            assert [await store.audit_number(i) for i in ids] == [1, 2]
            await store.save_snapshot(ids[1], DeviceSnapshot(device=PHONE))
            await store.save_findings(ids[1], [admin("com.employer.mdm")])
            f = await acceptance.accept(store, ids[1], "apps.device-admin", "MDM")
            assert f["acceptance"]["state"] == "accepted"
        finally:
            await store.close()
    run(go())
