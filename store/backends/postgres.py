"""PostgreSQL behind the same small connection interface `store.db.Store` uses with
aiosqlite: `execute` (awaitable, or `async with` for a cursor), `executemany`,
`fetchone`/`fetchall` on the cursor, `lastrowid`, rows readable by index and name.

The store's SQL is written once, in SQLite's dialect; `translate` rewrites the few
phrases PostgreSQL spells differently (placeholders, INSERT OR REPLACE, json_extract,
rowid, the id of an inserted audit). The driver is psycopg 3; the connection is in
autocommit mode and `Store.write` issues BEGIN/COMMIT itself, as with SQLite.

Credentials: libpq reads them from the URL, the environment (PGPASSWORD, PGUSER, …)
or ~/.pgpass; messages name the server only through `redact`.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any, Iterable, Sequence

import psycopg

from store.backends import redact

#: Exceptions that mean "the server is gone" (not a wrong statement).
LOST = (psycopg.OperationalError, psycopg.InterfaceError)

#: The conflict key of each table written with INSERT OR REPLACE.
PRIMARY_KEYS = {
    "packages": ("audit_id", "name"),
    "package_apks": ("audit_id", "package", "path"),
    "findings": ("audit_id", "check_id"),
    "apk_cache": ("sha256", "kb_version"),
    "apk_digests": ("fingerprint", "path"),
    "acceptances": ("device_key", "check_id"),
}

_REPLACE = re.compile(r"INSERT\s+OR\s+REPLACE\s+INTO\s+(\w+)\s*\(([^)]*)\)", re.I | re.S)
_JSON = re.compile(r"json_extract\(([\w.]+),\s*'\$\.(\w+)'\)", re.I)
_INSERT_AUDIT = re.compile(r"^\s*INSERT\s+INTO\s+audits\b", re.I)


def translate(sql: str) -> str:
    """One statement of the store's SQL in PostgreSQL's dialect."""
    text = sql.strip()
    if text.upper() == "BEGIN IMMEDIATE":
        return "BEGIN"
    match = _REPLACE.search(text)
    if match:
        table = match.group(1)
        cols = [c.strip() for c in match.group(2).split(",")]
        keys = PRIMARY_KEYS[table]
        sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in cols if c not in keys)
        text = _REPLACE.sub(lambda m: f"INSERT INTO {m.group(1)} ({m.group(2)})", text)
        text += f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {sets}"
    text = _JSON.sub(lambda m: f"({m.group(1)}::json ->> '{m.group(2)}')", text)
    # rowid (SQLite's insertion order) has no PostgreSQL twin; ctid is the row's
    # current place, which like a replaced SQLite row moves when the row is rewritten
    text = re.sub(r"\bORDER BY rowid\b", "ORDER BY ctid", text)
    text = re.sub(r"\bORDER BY (\w+)\.rowid\b", r"ORDER BY \1.ctid", text)
    if _INSERT_AUDIT.match(text):
        text += " RETURNING id"
    # the store's SQL holds no '%' and no '?' inside literals
    return text.replace("?", "%s")


class Row(tuple):
    """A result row read by position or by column name (as sqlite3.Row)."""

    _names: dict[str, int]

    def __new__(cls, values: Sequence[Any], names: dict[str, int]) -> "Row":
        row = super().__new__(cls, values)
        row._names = names
        return row

    def __getitem__(self, key):  # type: ignore[override]
        if isinstance(key, str):
            return tuple.__getitem__(self, self._names[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._names)


def _row_factory(cursor: psycopg.AsyncCursor) -> Any:
    names = {d.name: i for i, d in enumerate(cursor.description or ())}
    return lambda values: Row(values, names)


class Cursor:
    def __init__(self, rows: list[Row], lastrowid: int | None) -> None:
        self._rows = rows
        self.lastrowid = lastrowid

    async def fetchone(self) -> Row | None:
        return self._rows[0] if self._rows else None

    async def fetchall(self) -> list[Row]:
        return list(self._rows)

    async def __aenter__(self) -> "Cursor":
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None


class _Pending:
    """What `execute` returns: awaited, or used with `async with`, like aiosqlite's."""

    def __init__(self, conn: "Connection", sql: str, params: Sequence[Any]) -> None:
        self._run = conn._execute(sql, params)

    def __await__(self):
        return self._run.__await__()

    async def __aenter__(self) -> Cursor:
        return await self._run

    async def __aexit__(self, *exc: object) -> None:
        return None


class Connection:
    """One psycopg connection to the shared database."""

    dialect = "postgresql"

    def __init__(self, raw: psycopg.AsyncConnection, url: str) -> None:
        self.raw = raw
        self.url = url

    @classmethod
    async def connect(cls, url: str) -> "Connection":
        try:
            raw = await psycopg.AsyncConnection.connect(
                url, autocommit=True, row_factory=_row_factory, connect_timeout=10,
                application_name="phone-audit",
            )
        except psycopg.Error as exc:
            raise ConnectionError(f"cannot reach the database {redact(url)}: {_plain(exc, url)}") from None
        return cls(raw, url)

    async def _execute(self, sql: str, params: Sequence[Any]) -> Cursor:
        text = translate(sql)
        async with self.raw.cursor() as cur:
            await cur.execute(text, tuple(params) or None)
            rows = await cur.fetchall() if cur.description else []
        lastrowid = int(rows[0][0]) if rows and text.endswith("RETURNING id") else None
        return Cursor(rows, lastrowid)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> _Pending:
        return _Pending(self, sql, params)

    async def executemany(self, sql: str, seq: Iterable[Sequence[Any]]) -> None:
        rows = [tuple(p) for p in seq]
        if not rows:
            return
        async with self.raw.cursor() as cur:
            await cur.executemany(translate(sql), rows)

    async def close(self) -> None:
        await self.raw.close()

    # -- what SQLite keeps in PRAGMAs ------------------------------------------------

    async def user_version(self) -> int:
        """The schema version, from the one-row table `schema_version` (0 if none)."""
        async with self.raw.cursor() as cur:
            await cur.execute("SELECT to_regclass('schema_version')")
            if (await cur.fetchone())[0] is None:
                return 0
            await cur.execute("SELECT version FROM schema_version")
            row = await cur.fetchone()
        return 0 if row is None else int(row[0])


#: The advisory-lock key that serialises migrations between benches.
MIGRATION_LOCK = 0x70686F6E  # "phon"


async def migrate(conn: Connection, statements_for) -> None:
    """Bring the shared database to the latest schema; one bench at a time (advisory
    lock held by the transaction), each migration in that one transaction."""
    from store import schema

    await conn.raw.execute("BEGIN")
    try:
        await conn.raw.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        await conn.raw.execute("CREATE TABLE IF NOT EXISTS schema_version "
                               "(one INTEGER PRIMARY KEY CHECK (one = 1), version INTEGER NOT NULL)")
        await conn.raw.execute("INSERT INTO schema_version VALUES (1, 0) ON CONFLICT DO NOTHING")
        cur = await conn.raw.execute("SELECT version FROM schema_version")
        current = int((await cur.fetchone())[0])
        for number in range(current + 1, schema.LATEST + 1):
            for stmt in statements_for(schema.MIGRATIONS[number - 1]):
                await conn.raw.execute(stmt)
            await conn.raw.execute("UPDATE schema_version SET version = %s", (number,))
        await conn.raw.execute("COMMIT")
    except BaseException:
        await conn.raw.execute("ROLLBACK")
        raise


class ApkClaims:
    """Advisory locks keyed by APK SHA-256, all on one extra connection of this bench,
    so a second bench about to inspect an APK the first is inspecting waits for the
    first's report instead of pulling and inspecting it again.

    pg_try_advisory_lock, polled: a blocking pg_advisory_lock would hold the one
    connection while other APKs wait to be claimed or released."""

    #: how often a waiting bench asks again (seconds)
    POLL = 0.25

    def __init__(self, url: str) -> None:
        self._url = url
        self._raw: psycopg.AsyncConnection | None = None
        self._lock = asyncio.Lock()
        self._broken = False

    async def _query(self, sql: str, sha256: str) -> bool:
        async with self._lock:
            if self._broken:
                return True
            try:
                if self._raw is None:
                    self._raw = await psycopg.AsyncConnection.connect(
                        self._url, autocommit=True, connect_timeout=10,
                        application_name="phone-audit apk claims")
                cur = await self._raw.execute(sql, (sha256.lower(),))
                return bool((await cur.fetchone())[0])
            except LOST:
                # no server, no lock: the worst case is the same APK inspected twice
                self._broken = True
                return True

    async def take(self, sha256: str) -> "ApkClaim":
        while not await self._query("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", sha256):
            await asyncio.sleep(self.POLL)
        return ApkClaim(self, sha256)

    async def release(self, sha256: str) -> None:
        await self._query("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", sha256)

    async def close(self) -> None:
        raw, self._raw = self._raw, None
        if raw is not None:
            try:
                await raw.close()
            except LOST:
                pass


class ApkClaim:
    """One held claim; `await release()` once the APK's report is in the cache."""

    def __init__(self, claims: ApkClaims, sha256: str) -> None:
        self._claims: ApkClaims | None = claims
        self.sha256 = sha256

    async def release(self) -> None:
        claims, self._claims = self._claims, None
        if claims is not None:
            await claims.release(self.sha256)


def _plain(exc: BaseException, url: str) -> str:
    """An error's first line, with the URL's password removed if libpq echoed it."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    from urllib.parse import urlsplit

    try:
        password = urlsplit(url).password
    except ValueError:
        password = None
    if password:
        text = text.replace(password, "***")
    return text
