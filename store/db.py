"""The connection to the history database: where it lives, WAL, busy timeout,
migrations, and short write transactions that several processes can share.

`Store.open()` is the one entry point; the history and APK-cache operations are
methods of `Store` (implemented in `store.history` and `store.apk_cache`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sqlite3
from pathlib import Path
from typing import Any, AsyncIterator

import aiosqlite

from adb.locked import lock_file, private_dir, touch_private
from store import schema

#: Environment variable that overrides the default database path.
ENV_DB = "PHONE_AUDIT_DB"
#: How long a writer waits for another process's transaction (milliseconds).
BUSY_TIMEOUT_MS = 30_000


def default_path() -> Path:
    """`<user data dir>/phone-audit/history.sqlite3` (XDG_DATA_HOME on Linux)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("phone-audit", appauthor=False)) / "history.sqlite3"


def resolve_target(path: str | os.PathLike[str] | None = None) -> str | Path:
    """What to open: a `postgresql://` URL (kept as text) or a SQLite path, from the
    argument, else $PHONE_AUDIT_DB, else the config file's `db`, else the default."""
    from store.backends import is_url

    for value in (path, os.environ.get(ENV_DB)):
        if value:
            return str(value) if is_url(str(value)) else Path(value).expanduser()
    from store import settings

    configured = settings.load().get("db")
    if configured:
        return str(configured) if is_url(str(configured)) else Path(str(configured)).expanduser()
    return default_path()


def resolve_path(path: str | os.PathLike[str] | None = None) -> Path:
    """The database path: the argument, else $PHONE_AUDIT_DB, else the default."""
    if path:
        return Path(path).expanduser()
    env = os.environ.get(ENV_DB)
    if env:
        return Path(env).expanduser()
    return default_path()


def _process_start(pid: int) -> str:
    """The start time of a process (Linux /proc), to tell a reused pid apart."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        # the command name may hold spaces and parentheses; fields follow the last ')'
        return stat[stat.rindex(")") + 2 :].split()[19]
    except (OSError, ValueError, IndexError):
        return ""


def this_process() -> str:
    """Who is writing: "host:pid:start" (stored on running audits)."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_process_start(pid)}"


def process_alive(owner: str | None) -> bool:
    """Whether the process that wrote `owner` may still be running.

    Another host's process cannot be checked and counts as alive (its audit stays
    "running" rather than being wrongly declared interrupted)."""
    if not owner:
        return False
    try:
        host, pid_text, start = owner.rsplit(":", 2)
        pid = int(pid_text)
    except ValueError:
        return False
    if host != socket.gethostname():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    except OSError:
        return False
    return not start or _process_start(pid) == start


class Store:
    """The history database. Open with `await Store.open(path)`, close with
    `await store.close()` (or `async with await Store.open() as store`)."""

    #: "sqlite" or "postgresql"
    dialect = "sqlite"
    #: the PostgreSQL URL (None for SQLite); print it only through backends.redact
    url: str | None = None

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path
        self._lock = asyncio.Lock()
        self._claims = None  # postgres.ApkClaims, made on the first claim

    # -- lifecycle -------------------------------------------------------------------

    @classmethod
    async def open(cls, path: str | os.PathLike[str] | None = None) -> "Store":
        """Open (creating it and its folder if needed), migrate, and mark the audits
        of crashed processes "interrupted".

        A `postgresql://` URL opens the shared store instead (`store.backends`): the
        same schema and operations; the local data folder still holds temporary pulls
        and the spool of audits kept when that server is lost."""
        target = resolve_target(path)
        if isinstance(target, str):
            return await cls._open_postgresql(target)
        p = target
        if str(p) != ":memory:":
            # 0600 in a 0700 folder; SQLite gives -wal/-shm the database file's mode
            private_dir(p.parent)
            touch_private(p)
            for side in ("-wal", "-shm"):
                lock_file(f"{p}{side}")
        conn = await aiosqlite.connect(
            str(p), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None
        )
        try:
            conn.row_factory = sqlite3.Row
            await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await _set_wal(conn)
            if str(p) != ":memory:":
                for side in ("-wal", "-shm"):
                    lock_file(f"{p}{side}")
            await conn.execute("PRAGMA foreign_keys = ON")
            await conn.execute("PRAGMA synchronous = NORMAL")
            store = cls(conn, p)
            await store._migrate()
            await store._mark_interrupted()
        except BaseException:
            await conn.close()
            raise
        return store

    @classmethod
    async def open_shared(cls, target: str | os.PathLike[str] | None = None, warn=None):
        """As `open`, but a shared (PostgreSQL) store comes wrapped in
        `store.backends.spool.SpoolingStore`: an audit whose server is lost goes on in a
        local spool file (`warn(message)` says so). Commands that audit use this."""
        store = await cls.open(target)
        if store.url is None:
            return store
        from store.backends.spool import SpoolingStore

        return SpoolingStore(store, warn)

    @classmethod
    async def _open_postgresql(cls, url: str) -> "Store":
        from store.backends import postgres

        conn = await postgres.Connection.connect(url)
        try:
            store = cls(conn, default_path())  # type: ignore[arg-type]
            store.dialect = "postgresql"
            store.url = url
            await store._migrate()
            await store._mark_interrupted()
        except BaseException:
            await conn.close()
            raise
        return store

    async def close(self) -> None:
        if self._claims is not None:
            await self._claims.close()
        await self._conn.close()

    async def claim_apk(self, sha256: str):
        """Hold this APK for inspection: on a shared store, a second bench reaching the
        same SHA-256 waits here until the first has released it (its report is then
        in the cache). On SQLite a no-op. Returns an object with `await .release()`."""
        if self.url is None:
            return _NoClaim()
        if self._claims is None:
            from store.backends.postgres import ApkClaims

            self._claims = ApkClaims(self.url)
        return await self._claims.take(sha256)

    async def __aenter__(self) -> "Store":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def folder(self) -> Path:
        """The folder beside the database (temporary pulls live under it)."""
        return self.path.parent

    # -- plumbing --------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction. BEGIN IMMEDIATE takes the write lock up front, so
        two processes wait for each other (busy timeout) instead of failing on a
        read-to-write upgrade."""
        async with self._lock:
            await _begin_immediate(self._conn)
            try:
                yield self._conn
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            else:
                await self._conn.execute("COMMIT")

    async def fetchall(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        async with self._lock:
            async with self._conn.execute(sql, params) as cur:
                return list(await cur.fetchall())

    async def fetchone(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Row | None:
        async with self._lock:
            async with self._conn.execute(sql, params) as cur:
                return await cur.fetchone()

    async def user_version(self) -> int:
        if self.dialect == "postgresql":
            async with self._lock:
                return await self._conn.user_version()
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0])

    async def journal_mode(self) -> str:
        row = await self.fetchone("PRAGMA journal_mode")
        return str(row[0]).lower()

    async def _migrate(self) -> None:
        if await self.user_version() >= schema.LATEST:
            return
        if self.dialect == "postgresql":
            from store.backends import postgres

            async with self._lock:
                await postgres.migrate(self._conn, lambda s: schema.statements(s, "postgresql"))
            return
        async with self.write() as conn:
            # re-read under the write lock: another process may have migrated meanwhile
            async with conn.execute("PRAGMA user_version") as cur:
                current = int((await cur.fetchone())[0])
            for number in range(current + 1, schema.LATEST + 1):
                for stmt in schema.statements(schema.MIGRATIONS[number - 1]):
                    await conn.execute(stmt)
                await conn.execute(f"PRAGMA user_version = {number}")

    async def _mark_interrupted(self) -> None:
        rows = await self.fetchall("SELECT id, owner FROM audits WHERE status = 'running'")
        dead = [r["id"] for r in rows if not process_alive(r["owner"])]
        if dead:
            async with self.write() as conn:
                await conn.executemany(
                    "UPDATE audits SET status = 'interrupted' WHERE id = ? AND status = 'running'",
                    [(i,) for i in dead],
                )

    # -- the operations (bodies live in store.history and store.apk_cache) -------------

    from store.history import (  # noqa: E402  (methods grouped by subject)
        audit_number,
        diff,
        finish_audit,
        get_audit,
        get_snapshot_json,
        list_audits,
        previous_audit,
        save_findings,
        save_package_apks,
        save_snapshot,
        start_audit,
    )
    from store.apk_cache import cache_get, cache_get_many, cache_put, cache_size  # noqa: E402
    from store.apk_digests import known_digests, remember_digests  # noqa: E402
    from store.acceptances import (  # noqa: E402
        accept_finding,
        list_acceptances,
        update_finding,
        withdraw_acceptance,
    )


class _NoClaim:
    async def release(self) -> None:
        return None


async def _set_wal(conn: aiosqlite.Connection) -> None:
    """Switch to WAL; another process creating the same file at the same moment may
    hold the lock briefly, so retry for a while."""
    for attempt in range(100):
        try:
            await conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            await asyncio.sleep(0.05 * min(attempt + 1, 10))
    await conn.execute("PRAGMA journal_mode = WAL")


async def _begin_immediate(conn: aiosqlite.Connection) -> None:
    for attempt in range(60):
        try:
            await conn.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            # the busy handler already waited BUSY_TIMEOUT_MS; a rare "locked" with
            # WAL recovery in progress is worth another try
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            await asyncio.sleep(0.1)
    await conn.execute("BEGIN IMMEDIATE")
