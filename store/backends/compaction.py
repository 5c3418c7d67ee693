"""Making deleted rows really gone, per backend (used by `store.forget`).

A DELETE only marks the row's space free; the bytes stay in the file until something
overwrites them. Each backend has its own way to rewrite its files without them:

- SQLite: `PRAGMA secure_delete = ON` before the DELETE (freed content is zeroed),
  then `VACUUM` (the file is rewritten without free pages) and
  `PRAGMA wal_checkpoint(TRUNCATE)` (the WAL, which held the old pages, is emptied).
- PostgreSQL: a DELETE leaves dead tuples in the table's heap and its indexes until
  they are vacuumed; `VACUUM (FULL)` of each table the DELETE touched writes a new
  copy of the table and its indexes and drops the old files. VACUUM cannot run in a
  transaction; the store's connection is in autocommit mode, so it runs on its own.
  The server's WAL segments are the server's (archived or recycled by its own
  settings); the auditor does not own them and says so in SECURITY.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from store.db import Store


async def prepare_delete(store: "Store") -> None:
    """What must be set before rows are deleted for them to be erased."""
    if store.dialect == "sqlite":
        async with store._lock:
            await _run_sqlite(store, "PRAGMA secure_delete = ON")


async def compact(store: "Store", tables: Iterable[str]) -> None:
    """Rewrite the backend's files without the deleted rows of `tables`."""
    if store.dialect == "postgresql":
        async with store._lock:
            for table in tables:
                # table names come from store.forget's fixed list, never from input
                await store._conn.raw.execute(f"VACUUM (FULL) {table}")
        return
    async with store._lock:
        for sql in ("PRAGMA secure_delete = ON", "VACUUM", "PRAGMA wal_checkpoint(TRUNCATE)"):
            await _run_sqlite(store, sql)


async def _run_sqlite(store: "Store", sql: str) -> None:
    """Run one statement and close its cursor (VACUUM refuses while one is open)."""
    async with store._conn.execute(sql) as cur:
        await cur.fetchall()
