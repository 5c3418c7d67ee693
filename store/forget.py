"""Forgetting phones: remove every audit of a phone (or of all phones, or older than N
days) and compact the database so the removed bytes are gone from the file and its WAL.

What goes: the phone's `devices` row and its audits with their snapshot, findings,
package inventory and APK list, and the findings accepted for it. What stays: `apk_cache` (an APK's analysis, keyed by
the APK's SHA-256; it holds no personal data and saves the next phone's pull), and
`apk_digests` (the SHA-256 verified for an APK file, keyed by build fingerprint and path,
with no serial: it saves the next audit of that firmware the phone's hashing; like the
cache's reports, its /data/app paths name the third-party apps some phone had).

Deleting a row only marks its space free; the bytes stay until overwritten. How the
database is then rewritten without them depends on the backend and lives in
`store.backends.compaction` (SQLite: secure_delete, VACUUM, a truncating WAL
checkpoint; PostgreSQL: VACUUM (FULL) of the tables the removal touched).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from store.db import Store

from store.backends import compaction

_AUDIT_TABLES = ("package_apks", "packages", "findings")
#: every table a removal deletes from (what PostgreSQL must vacuum afterwards)
TOUCHED_TABLES = (*_AUDIT_TABLES, "audits", "devices", "acceptances")


def _backing(store):
    """The store itself behind a `store.backends.spool.SpoolingStore` (what `scan`
    opens on a shared database): that wrapper forwards method calls one by one, and a
    removal needs the store's own transaction and connection. Once the server was lost
    the audit went on in the local spool, and that is what is left to tidy."""
    return getattr(store, "_spool", None) or getattr(store, "_shared", store)


async def _delete_audits(store: "Store", where: str, params: tuple) -> int:
    """Delete the audits matching `where` (on `audits`) and everything hanging on them;
    then the devices left with no audit. Returns the number of audits removed."""
    store = _backing(store)
    await compaction.prepare_delete(store)
    async with store.write() as c:
        async with c.execute(f"SELECT id FROM audits WHERE {where}", params) as cur:
            ids = [r[0] for r in await cur.fetchall()]
        for table in _AUDIT_TABLES:
            await c.executemany(f"DELETE FROM {table} WHERE audit_id = ?", [(i,) for i in ids])
        await c.executemany("DELETE FROM audits WHERE id = ?", [(i,) for i in ids])
        await c.execute("DELETE FROM devices WHERE id NOT IN (SELECT device_id FROM audits)")
        # a forgotten phone's accepted findings go with it
        await c.execute("DELETE FROM acceptances WHERE device_key NOT IN (SELECT key FROM devices)")
    await compact(store)
    return len(ids)


async def compact(store: "Store") -> None:
    """Rewrite the database so the removed rows' bytes are gone (see the module text)."""
    await compaction.compact(store, TOUCHED_TABLES)


async def forget_device(store: "Store", who: str) -> int:
    """Forget the phone named `who` (its ro.serialno, its adb serial, or its key)."""
    return await _delete_audits(
        store,
        "device_id IN (SELECT id FROM devices WHERE key = ? OR serial = ? OR adb_serial = ?)",
        (who, who, who),
    )


async def forget_all(store: "Store") -> int:
    """Forget every phone (the APK cache stays)."""
    return await _delete_audits(store, "1 = 1", ())


async def forget_older_than(store: "Store", days: int, now: datetime | None = None) -> int:
    """Retention: forget the audits started more than `days` days ago."""
    cutoff = (now or datetime.now(timezone.utc)) - timedelta(days=days)
    # started_at is ISO 8601 UTC, so text order is time order
    return await _delete_audits(store, "started_at < ?", (cutoff.strftime("%Y-%m-%dT%H:%M:%S"),))
