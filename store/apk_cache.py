"""The content-addressed APK analysis cache, shared by every phone.

Key: (APK SHA-256, knowledge-base version). The same firmware on a second phone, or
the same phone audited again, finds its system APKs here and pulls nothing. A new
knowledge base is a new key, so old verdicts are never reused with new knowledge.
Reports whose inspection failed are not cached: the failure may be transient.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Iterable

from model.apk_report import ApkReport

if TYPE_CHECKING:
    from store.db import Store

#: digests per look-up query (SQLite allows 999 parameters in old builds)
_CHUNK = 400


async def cache_get(self: "Store", sha256: str, kb_version: str) -> ApkReport | None:
    """The cached report of an APK for a knowledge-base version, or None."""
    row = await self.fetchone(
        "SELECT report_json FROM apk_cache WHERE sha256 = ? AND kb_version = ?",
        (sha256.lower(), kb_version),
    )
    return None if row is None else ApkReport.from_dict(json.loads(row[0]))


async def cache_get_many(self: "Store", sha256s: Iterable[str], kb_version: str) -> dict[str, ApkReport]:
    """sha256 -> cached report for a knowledge-base version, for every digest that has
    one, in one query per `_CHUNK` digests (a warm audit's 450 look-ups in two)."""
    wanted = list(dict.fromkeys(s.lower() for s in sha256s))
    out: dict[str, ApkReport] = {}
    for i in range(0, len(wanted), _CHUNK):
        chunk = wanted[i:i + _CHUNK]
        marks = ", ".join("?" * len(chunk))
        rows = await self.fetchall(
            f"SELECT sha256, report_json FROM apk_cache WHERE kb_version = ? AND sha256 IN ({marks})",
            (kb_version, *chunk))
        for r in rows:
            out[str(r[0])] = ApkReport.from_dict(json.loads(r[1]))
    return out


async def cache_put(self: "Store", report: ApkReport) -> bool:
    """Cache a report under its own sha256 and kb_version. False if not cacheable."""
    if report.error is not None or not report.sha256:
        return False
    from model.timestamps import utc_now

    # a report with thousands of hits is a large JSON text: encoded off the event loop
    encoded = await asyncio.to_thread(lambda: json.dumps(report.to_dict(), ensure_ascii=False))
    async with self.write() as conn:
        await conn.execute(
            """INSERT OR REPLACE INTO apk_cache (sha256, kb_version, report_json, created_at)
               VALUES (?, ?, ?, ?)""",
            (report.sha256.lower(), report.kb_version, encoded, utc_now()),
        )
    return True


async def cache_size(self: "Store", kb_version: str | None = None) -> int:
    """How many reports are cached (for one knowledge-base version, or all)."""
    if kb_version is None:
        row = await self.fetchone("SELECT COUNT(*) FROM apk_cache")
    else:
        row = await self.fetchone("SELECT COUNT(*) FROM apk_cache WHERE kb_version = ?", (kb_version,))
    return int(row[0])
