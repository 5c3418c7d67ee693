"""The SHA-256 an audit verified for an APK file, remembered by what `stat` said of it.

Key: (build fingerprint, path); the row holds the inode, size and mtime the phone's
`stat` reported when the digest was verified (the phone's `sha256sum` confirmed by a
cached report naming the package, or the copy hashed here). A re-audit whose `stat`
answer is the same for the same fingerprint reuses the digest instead of having the
phone read and hash the file again; any difference and the file is hashed as before.

This adds no trust in the phone: `stat` comes from the phone exactly as `sha256sum`
does, and a phone that lies in one can lie in the other (SECURITY.md). The cross-checks
on the digest (a report is used only when its manifest names the package; one content
cannot be two packages) apply to a remembered digest as to a fresh one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Sequence

if TYPE_CHECKING:
    from store.db import Store

#: paths per look-up query (SQLite allows 999 parameters in old builds)
_CHUNK = 400


async def known_digests(self: "Store", fingerprint: str, paths: Sequence[str]
                        ) -> dict[str, tuple[int, int, int, str]]:
    """path -> (inode, size, mtime, sha256) remembered for this fingerprint, in one
    query per `_CHUNK` paths."""
    out: dict[str, tuple[int, int, int, str]] = {}
    unique = list(dict.fromkeys(paths))
    for i in range(0, len(unique), _CHUNK):
        chunk = unique[i:i + _CHUNK]
        marks = ", ".join("?" * len(chunk))
        rows = await self.fetchall(
            f"SELECT path, inode, size, mtime, sha256 FROM apk_digests "
            f"WHERE fingerprint = ? AND path IN ({marks})", (fingerprint, *chunk))
        for r in rows:
            out[r[0]] = (int(r[1]), int(r[2]), int(r[3]), str(r[4]))
    return out


async def remember_digests(self: "Store", fingerprint: str,
                           rows: Iterable[tuple[str, int, int, int, str]]) -> int:
    """Remember (path, inode, size, mtime, sha256) rows for this fingerprint, in one
    transaction; returns how many were written (none: no transaction at all)."""
    from model.timestamps import utc_now

    now = utc_now()
    values = [(fingerprint, path, inode, size, mtime, sha.lower(), now)
              for path, inode, size, mtime, sha in rows]
    if not values:
        return 0
    async with self.write() as conn:
        await conn.executemany(
            """INSERT OR REPLACE INTO apk_digests
               (fingerprint, path, inode, size, mtime, sha256, verified_at)
               VALUES (?, ?, ?, ?, ?, ?, ?)""", values)
    return len(values)
