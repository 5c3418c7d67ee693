"""Audit history: devices, audits, findings and the package inventory.

These functions are the methods of `store.db.Store` (bound there); each write is one
short transaction, made as soon as the fact exists, so an audit cut short by a lost
phone, a dead adb server or Ctrl-C keeps everything it had gathered.

Audit status: "running" while it runs; "complete" or "incomplete" when it ends;
"interrupted" when its process died without ending it (found on the next open).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from typing import TYPE_CHECKING, Any, Iterable

from model.snapshot import DeviceInfo, DeviceSnapshot, FrozenMap, PackageInfo, Problem
from model.apk_report import ApkReport, PackageApks
from model.findings import Finding, Status
from model.timestamps import utc_now
from store import report as report_shape

if TYPE_CHECKING:
    from store.db import Store

#: statuses that mean "something to act on"
BAD = frozenset({Status.FAIL.value, Status.WARN.value})
#: statuses that mean "nothing wrong here now"
GOOD = frozenset({Status.PASS.value, Status.NOT_APPLICABLE.value})


def device_key(device: DeviceInfo) -> str:
    """A phone's identity across audits: ro.serialno, else the adb serial."""
    return device.serial or device.adb_serial


def _json_default(value: Any) -> Any:
    if isinstance(value, FrozenMap):
        return dict(value)
    if isinstance(value, (tuple, frozenset, set)):
        return list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def snapshot_to_json(snapshot: DeviceSnapshot) -> str:
    data = dataclasses.asdict(snapshot)
    return json.dumps(data, default=_json_default, ensure_ascii=False)


async def _upsert_device(conn, device: DeviceInfo) -> int:
    key = device_key(device)
    ts = utc_now()
    await conn.execute(
        """INSERT INTO devices (key, serial, adb_serial, manufacturer, model, first_seen, last_seen)
           VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(key) DO UPDATE SET
             serial = COALESCE(excluded.serial, devices.serial),
             adb_serial = excluded.adb_serial,
             manufacturer = COALESCE(excluded.manufacturer, devices.manufacturer),
             model = COALESCE(excluded.model, devices.model),
             last_seen = excluded.last_seen""",
        (key, device.serial, device.adb_serial, device.manufacturer, device.model, ts, ts),
    )
    async with conn.execute("SELECT id FROM devices WHERE key = ?", (key,)) as cur:
        return int((await cur.fetchone())[0])


#: where an audit's facts came from: the phone itself, or a capture file analysed again
SOURCES = ("phone", "capture")

#: the next audit number of a phone (its first audit is #1)
_NEXT_NUMBER = "SELECT COALESCE(MAX(number), 0) + 1 FROM audits WHERE device_id = ? AND id <> ?"


async def start_audit(
    self: "Store", device: DeviceInfo, *, started_at: str | None = None, kb_version: str = "",
    source: str = "phone",
) -> int:
    """Record a new audit, status "running", before anything is read. Returns its id
    (global to the database; the phone's own number is `audit_number`).

    `source` "capture" marks a re-analysis of a capture file; its `started_at` is then
    the capture's own time, not now."""
    if source not in SOURCES:
        raise ValueError(f"unknown audit source {source!r}")
    from store.db import this_process
    from store.settings import bench_identity

    bench, technician = bench_identity()
    async with self.write() as conn:
        device_id = await _upsert_device(conn, device)
        async with conn.execute(_NEXT_NUMBER, (device_id, -1)) as cur:
            number = int((await cur.fetchone())[0])
        cur = await conn.execute(
            """INSERT INTO audits (device_id, started_at, status, device_json, tool_version,
                                   owner, kb_version, bench, technician, number, source)
               VALUES (?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                device_id,
                started_at or utc_now(),
                json.dumps(report_shape.device_dict(device), ensure_ascii=False),
                report_shape.tool_version(),
                this_process(),
                kb_version,
                bench,
                technician,
                number,
                source,
            ),
        )
        return int(cur.lastrowid)


async def audit_number(self: "Store", audit_id: int) -> int | None:
    """The phone's own number of an audit (#1 for its first), or None if unknown."""
    row = await self.fetchone("SELECT number FROM audits WHERE id = ?", (audit_id,))
    return None if row is None or row[0] is None else int(row[0])


async def save_snapshot(self: "Store", audit_id: int, snapshot: DeviceSnapshot) -> None:
    """Store what was read: the device identity (the audit moves to the phone's real
    identity once ro.serialno is known), the snapshot, problems, the inventory."""
    def encode() -> tuple[str, str, str]:
        return (json.dumps(report_shape.device_dict(snapshot.device), ensure_ascii=False),
                snapshot_to_json(snapshot),
                json.dumps([report_shape.problem_dict(p) for p in snapshot.problems], ensure_ascii=False))

    # a phone's snapshot is megabytes of JSON: encoded in a thread, so the event loop
    # (the UI, the pulls) is not held for the tens of milliseconds it takes
    device_json, snapshot_json, problems_json = await asyncio.to_thread(encode)
    async with self.write() as conn:
        async with conn.execute("SELECT device_id FROM audits WHERE id = ?", (audit_id,)) as cur:
            old_device = int((await cur.fetchone())[0])
        device_id = await _upsert_device(conn, snapshot.device)
        await conn.execute(
            """UPDATE audits SET device_id = ?, device_json = ?, snapshot_json = ?,
                                 problems_json = ? WHERE id = ?""",
            (device_id, device_json, snapshot_json, problems_json, audit_id),
        )
        if old_device != device_id:
            # the audit now belongs to the phone's real identity: its next number there
            async with conn.execute(_NEXT_NUMBER, (device_id, audit_id)) as cur:
                number = int((await cur.fetchone())[0])
            await conn.execute("UPDATE audits SET number = ? WHERE id = ?", (number, audit_id))
            # a placeholder row keyed by the adb serial, now without audits
            await conn.execute(
                "DELETE FROM devices WHERE id = ? AND NOT EXISTS "
                "(SELECT 1 FROM audits WHERE device_id = ?)",
                (old_device, old_device),
            )
        await conn.execute("DELETE FROM packages WHERE audit_id = ?", (audit_id,))
        await conn.executemany(
            """INSERT OR REPLACE INTO packages (audit_id, name, system, enabled, installed,
                   installer, version_code, version_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                (audit_id, p.name, int(p.system), int(p.enabled), int(p.installed), p.installer,
                 p.version_code, p.version_name)
                for p in snapshot.packages
            ],
        )


async def save_package_apks(
    self: "Store",
    audit_id: int,
    rows: Iterable[tuple[str, int, str, str | None, str | None]],
    own_reports: dict[str, ApkReport] | None = None,
) -> None:
    """Record which APKs a package had: (package, position, path, sha256, error).
    position 0 is the base APK; error says why it could not be pulled or inspected.
    `own_reports` (by sha256) are reports kept with this audit rather than in the
    shared cache (those read from a capture file, which must not feed the cache)."""
    rows = list(rows)
    if not rows:
        return
    own = own_reports or {}

    def report_json(sha: str | None) -> str | None:
        r = own.get(sha) if sha else None
        return None if r is None else json.dumps(r.to_dict(), ensure_ascii=False)

    async with self.write() as conn:
        await conn.executemany(
            """INSERT OR REPLACE INTO package_apks
                   (audit_id, package, position, path, sha256, error, report_json)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            [(audit_id, *r, report_json(r[3])) for r in rows],
        )


async def save_findings(self: "Store", audit_id: int, findings: Iterable[Finding]) -> None:
    """Store verdicts (a check judged again replaces its earlier verdict)."""
    async with self.write() as conn:
        await conn.executemany(
            """INSERT OR REPLACE INTO findings (audit_id, check_id, status, severity, finding_json)
               VALUES (?, ?, ?, ?, ?)""",
            [
                (audit_id, f.check, f.status.value, f.severity.value,
                 json.dumps(f.to_dict(), ensure_ascii=False))
                for f in findings
            ],
        )


async def finish_audit(
    self: "Store",
    audit_id: int,
    *,
    complete: bool,
    problems: Iterable[Problem] = (),
    finished_at: str | None = None,
    bytes_pulled: int | None = None,
    apks_from_cache: int | None = None,
) -> None:
    """Close an audit: "complete" or "incomplete", with every problem met on the way."""
    async with self.write() as conn:
        await conn.execute(
            """UPDATE audits SET status = ?, finished_at = ?, problems_json = ?,
                   bytes_pulled = COALESCE(?, bytes_pulled),
                   apks_from_cache = COALESCE(?, apks_from_cache)
               WHERE id = ?""",
            (
                "complete" if complete else "incomplete",
                finished_at or utc_now(),
                json.dumps([report_shape.problem_dict(p) for p in problems], ensure_ascii=False),
                bytes_pulled,
                apks_from_cache,
                audit_id,
            ),
        )


_SUMMARY_SQL = """
SELECT a.id, a.started_at, a.finished_at, a.status, a.problems_json, a.device_json,
       a.bytes_pulled, a.apks_from_cache, a.bench, a.technician, a.number, a.source,
       d.key AS device_key,
       (SELECT COUNT(*) FROM findings f WHERE f.audit_id = a.id AND f.status = 'fail') AS fails,
       (SELECT COUNT(*) FROM findings f WHERE f.audit_id = a.id AND f.status = 'warn') AS warns,
       (SELECT COUNT(*) FROM findings f WHERE f.audit_id = a.id AND f.status = 'pass') AS passes,
       (SELECT COUNT(*) FROM findings f WHERE f.audit_id = a.id
                                          AND f.status = 'inconclusive') AS inconclusive,
       (SELECT COUNT(*) FROM findings f WHERE f.audit_id = a.id) AS findings
FROM audits a JOIN devices d ON d.id = a.device_id
"""


def _summary(row) -> dict[str, Any]:
    device = json.loads(row["device_json"])
    return {
        "id": row["id"],
        "number": row["number"],
        "source": row["source"],
        "device_key": row["device_key"],
        "device": device,
        "started_at": row["started_at"],
        "finished_at": row["finished_at"],
        "status": row["status"],
        "complete": row["status"] == "complete",
        "problems": json.loads(row["problems_json"] or "[]"),
        "bytes_pulled": row["bytes_pulled"],
        "apks_from_cache": row["apks_from_cache"],
        "bench": row["bench"],
        "technician": row["technician"],
        "counts": {
            "fail": row["fails"],
            "warn": row["warns"],
            "pass": row["passes"],
            "inconclusive": row["inconclusive"],
            "findings": row["findings"],
        },
    }


async def list_audits(self: "Store", device_serial: str | None = None) -> list[dict[str, Any]]:
    """Audits, newest first; `device_serial` matches ro.serialno or the adb serial."""
    if device_serial is None:
        rows = await self.fetchall(_SUMMARY_SQL + " ORDER BY a.id DESC")
    else:
        rows = await self.fetchall(
            _SUMMARY_SQL + " WHERE d.key = ? OR d.serial = ? OR d.adb_serial = ?"
            " OR json_extract(a.device_json, '$.adb_serial') = ? ORDER BY a.id DESC",
            (device_serial,) * 4,
        )
    return [_summary(r) for r in rows]


async def previous_audit(
    self: "Store", serial: str, *, before: int | None = None
) -> dict[str, Any] | None:
    """The latest audit of a phone (by ro.serialno or adb serial) older than `before`."""
    for audit in await list_audits(self, serial):
        if before is None or audit["id"] < before:
            return audit
    return None


async def get_snapshot_json(self: "Store", audit_id: int) -> dict[str, Any] | None:
    row = await self.fetchone("SELECT snapshot_json FROM audits WHERE id = ?", (audit_id,))
    if row is None or row[0] is None:
        return None
    return json.loads(row[0])


async def get_audit(self: "Store", audit_id: int) -> dict[str, Any] | None:
    """The stored audit as a report dict (same shape as the JSON report), or None."""
    row = await self.fetchone("SELECT * FROM audits WHERE id = ?", (audit_id,))
    if row is None:
        return None
    findings = [
        Finding.from_dict(json.loads(r[0]))
        for r in await self.fetchall(
            "SELECT finding_json FROM findings WHERE audit_id = ? ORDER BY rowid", (audit_id,)
        )
    ]
    packages = [
        PackageInfo(
            name=r["name"], system=bool(r["system"]), enabled=bool(r["enabled"]),
            installed=bool(r["installed"]), installer=r["installer"],
            version_code=r["version_code"], version_name=r["version_name"],
        )
        for r in await self.fetchall(
            "SELECT * FROM packages WHERE audit_id = ? ORDER BY rowid", (audit_id,)
        )
    ]
    kb_version = row["kb_version"]
    reports: dict[str, list[ApkReport]] = {}
    failures: dict[str, list[tuple[str, str]]] = {}
    for r in await self.fetchall(
        """SELECT p.package, p.path, p.sha256, p.error,
                  COALESCE(p.report_json, c.report_json) AS report_json
           FROM package_apks p LEFT JOIN apk_cache c
             ON c.sha256 = p.sha256 AND c.kb_version = ?
           WHERE p.audit_id = ? ORDER BY p.package, p.position""",
        (kb_version, audit_id),
    ):
        if r["error"]:
            failures.setdefault(r["package"], []).append((r["path"], r["error"]))
        elif r["report_json"]:
            reports.setdefault(r["package"], []).append(ApkReport.from_dict(json.loads(r["report_json"])))
    apks = {
        name: PackageApks(name, tuple(reports.get(name, ())), tuple(failures.get(name, ())))
        for name in set(reports) | set(failures)
    }
    problems = [Problem(**p) for p in json.loads(row["problems_json"] or "[]")]
    status = row["status"]
    return report_shape.assemble(
        audit_id=audit_id,
        device=report_shape.device_from_dict(json.loads(row["device_json"])),
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        complete=status == "complete",
        status=status,
        findings=findings,
        problems=problems,
        packages=packages,
        apks=apks,
        kb_version=kb_version,
        bytes_pulled=row["bytes_pulled"],
        apks_from_cache=row["apks_from_cache"],
        audit_number=row["number"],
        source=row["source"],
    )


async def diff(self: "Store", a: int, b: int) -> dict[str, Any]:
    """Compare audit `a` (before) with audit `b` (after), check by check.

    appeared: failing/warning in b, not in a; fixed: failing/warning in a, passing or
    not applicable in b; changed: any other change of status or subjects (e.g. fail to
    inconclusive, or new subjects of a still-failing check); unchanged: the rest."""
    before = await get_audit(self, a)
    after = await get_audit(self, b)
    if before is None or after is None:
        missing = a if before is None else b
        raise KeyError(f"no audit {missing}")
    return diff_reports(before, after)


def diff_reports(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """`diff` on two report dicts (also usable on JSON reports read from files)."""
    old = {f["check"]: f for f in before["findings"]}
    new = {f["check"]: f for f in after["findings"]}
    out: dict[str, list[dict[str, Any]]] = {"appeared": [], "fixed": [], "changed": [], "unchanged": []}
    for check in list(old) + [c for c in new if c not in old]:
        fa, fb = old.get(check), new.get(check)
        sa = fa["status"] if fa else None
        sb = fb["status"] if fb else None
        subj_a = set(fa["subjects"]) if fa else set()
        subj_b = set(fb["subjects"]) if fb else set()
        entry = {
            "check": check,
            "title": (fb or fa)["title"],
            "before": sa,
            "after": sb,
            "summary_before": fa["summary"] if fa else None,
            "summary_after": fb["summary"] if fb else None,
            "subjects_added": sorted(subj_b - subj_a),
            "subjects_removed": sorted(subj_a - subj_b),
        }
        if sb in BAD and sa not in BAD:
            out["appeared"].append(entry)
        elif sa in BAD and sb in GOOD:
            out["fixed"].append(entry)
        elif sa != sb or subj_a != subj_b:
            out["changed"].append(entry)
        else:
            out["unchanged"].append(entry)
    return {"a": before.get("audit_id"), "b": after.get("audit_id"),
            "a_number": before.get("audit_number"), "b_number": after.get("audit_number"), **out}
