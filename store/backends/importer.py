"""Bring the audits of a local spool file (kept while the shared database was lost,
see store.backends.spool) into a store: devices matched by key, audits given new
ids, their findings, inventory and APK list copied, the spool's APK reports added to
the cache. The spool file is renamed `*.imported` afterwards, so it is not imported
twice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: tables copied with an audit, by their audit_id column
PER_AUDIT = ("findings", "packages", "package_apks")


async def import_spool(spool_path: Path, target: Any) -> list[tuple[int, int]]:
    """Copy every audit of `spool_path` into the open store `target`. Returns
    (id in the spool, id in the target) pairs, oldest first."""
    from store.db import Store

    spool = await Store.open(spool_path)
    moved: list[tuple[int, int]] = []
    try:
        audits = await spool.fetchall("SELECT * FROM audits ORDER BY id")
        for audit in audits:
            device = await spool.fetchone("SELECT * FROM devices WHERE id = ?", (audit["device_id"],))
            children = {t: await spool.fetchall(f"SELECT * FROM {t} WHERE audit_id = ? ORDER BY rowid", (audit["id"],))
                        for t in PER_AUDIT}
            async with target.write() as conn:
                await conn.execute(
                    """INSERT INTO devices (key, serial, adb_serial, manufacturer, model, first_seen, last_seen)
                       VALUES (?, ?, ?, ?, ?, ?, ?)
                       ON CONFLICT(key) DO UPDATE SET last_seen = excluded.last_seen""",
                    tuple(device[c] for c in ("key", "serial", "adb_serial", "manufacturer", "model",
                                              "first_seen", "last_seen")))
                async with conn.execute("SELECT id FROM devices WHERE key = ?", (device["key"],)) as cur:
                    device_id = int((await cur.fetchone())[0])
                cols = [c for c in audit.keys() if c != "id"]
                values = [device_id if c == "device_id" else audit[c] for c in cols]
                cur = await conn.execute(
                    f"INSERT INTO audits ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", values)
                new_id = int(cur.lastrowid)
                if "number" in cols:
                    # the spool numbered its own audits: the phone's number here follows
                    # this store's audits of it
                    await conn.execute(
                        "UPDATE audits SET number = (SELECT COALESCE(MAX(number), 0) + 1 FROM audits b"
                        " WHERE b.device_id = ? AND b.id <> ?) WHERE id = ?", (device_id, new_id, new_id))
                for table, rows in children.items():
                    if not rows:
                        continue
                    tcols = list(rows[0].keys())
                    await conn.executemany(
                        f"INSERT INTO {table} ({', '.join(tcols)}) VALUES ({', '.join('?' * len(tcols))})",
                        [[new_id if c == "audit_id" else r[c] for c in tcols] for r in rows])
            moved.append((int(audit["id"]), new_id))
        for row in await spool.fetchall("SELECT sha256, kb_version, report_json, created_at FROM apk_cache"):
            async with target.write() as conn:
                await conn.execute(
                    "INSERT OR REPLACE INTO apk_cache (sha256, kb_version, report_json, created_at) "
                    "VALUES (?, ?, ?, ?)", tuple(row))
    finally:
        await spool.close()
    spool_path.rename(spool_path.with_name(spool_path.name + ".imported"))
    for suffix in ("-wal", "-shm"):
        Path(str(spool_path) + suffix).unlink(missing_ok=True)
    return moved
