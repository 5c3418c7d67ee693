"""Nothing gathered is lost when the shared database goes away mid-audit.

`SpoolingStore` stands in front of a PostgreSQL `Store` with the same methods. It
remembers the writes of this process's audits; when the server is lost (connection
refused, closed, timed out) it opens a local SQLite file in the data folder's
`spool/`, writes those remembered facts into it, and carries on there: the audit
finishes, its reports are written, and the bench says where its audit now is. The
spool file is an ordinary history database (`phone-audit --db FILE history`), and
`phone-audit import-spool` copies it into the shared store once the server is back.

An audit's id is the shared database's id until the switch; audits started after it
get ids above SPOOL_ID_BASE, so the two kinds never collide in this process.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from pathlib import Path
from typing import Any, Callable

from store.backends import redact
from store.backends.postgres import LOST

#: Writes that belong to an audit, replayed on the spool in their order.
WRITES = ("start_audit", "save_snapshot", "save_package_apks", "save_findings",
          "set_counters", "finish_audit")
#: Methods whose first argument is an audit id.
TAKES_AUDIT_ID = ("save_snapshot", "save_package_apks", "save_findings", "set_counters",
                  "finish_audit", "get_audit", "get_snapshot_json", "audit_number",
                  "update_finding")
SPOOL_ID_BASE = 1_000_000_000


def spool_folder(data_folder: Path) -> Path:
    return data_folder / "spool"


class SpoolingStore:
    """A shared `Store` that falls back to a local SQLite spool when its server is lost.

    `spooled` is the spool file once that happened (else None), `lost_reason` why."""

    def __init__(self, shared: Any, warn: Callable[[str], None] | None = None) -> None:
        self._shared = shared
        self._spool: Any = None
        self._journal: list[tuple[str, tuple, dict]] = []
        self._ids: dict[int, int] = {}
        self._warn = warn
        self._switch = asyncio.Lock()
        self.spooled: Path | None = None
        self.lost_reason: str | None = None

    # attributes that stay those of the shared store (the local data folder, the URL)
    @property
    def folder(self) -> Path:
        return self._shared.folder

    @property
    def url(self) -> str | None:
        return self._shared.url

    @property
    def dialect(self) -> str:
        return "sqlite" if self._spool is not None else self._shared.dialect

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._shared, name)
        if not callable(target):
            return getattr(self._spool or self._shared, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            if self._spool is None:
                if name == "start_audit" and not kwargs.get("started_at"):
                    kwargs["started_at"] = _now()  # the same start time if replayed
                try:
                    result = await getattr(self._shared, name)(*args, **kwargs)
                except LOST as exc:
                    # several tasks meet the lost server at once: one switch
                    async with self._switch:
                        if self._spool is None:
                            await self._fall_back(exc)
                else:
                    if self._spool is not None and name in WRITES and name != "start_audit":
                        # written to the server just as another task switched to the
                        # spool (whose replay did not have it): write it there too
                        return await self._on_spool(name, args, kwargs)
                    if name == "start_audit":
                        self._journal.append((name, args, {**kwargs, "_shared_id": result}))
                    elif name in WRITES:
                        self._journal.append((name, args, dict(kwargs)))
                    return result
            return await self._on_spool(name, args, kwargs)

        return call

    async def _on_spool(self, name: str, args: tuple, kwargs: dict) -> Any:
        if name == "start_audit":
            kwargs.setdefault("started_at", _now())
            spool_id = await self._spool.start_audit(*args, **kwargs)
            handle = SPOOL_ID_BASE + spool_id
            self._ids[handle] = spool_id
            return handle
        if name in TAKES_AUDIT_ID and args:
            args = (self._ids.get(args[0], args[0]), *args[1:])
        if name == "previous_audit" and "before" in kwargs:
            kwargs = {**kwargs, "before": self._ids.get(kwargs["before"], kwargs["before"])}
        if name == "claim_apk":
            from store.db import _NoClaim

            return _NoClaim()
        return await getattr(self._spool, name)(*args, **kwargs)

    async def _fall_back(self, exc: BaseException) -> None:
        from store.db import Store

        folder = spool_folder(self._shared.folder)
        folder.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        path = folder / f"audits-{stamp}-{os.getpid()}.sqlite3"
        spool = await Store.open(path)
        for name, args, kwargs in self._journal:
            if name == "start_audit":
                shared_id = kwargs.pop("_shared_id")
                self._ids[shared_id] = await spool.start_audit(*args, **kwargs)
                continue
            await getattr(spool, name)(self._ids.get(args[0], args[0]), *args[1:], **kwargs)
        self._journal.clear()
        self._spool = spool
        self.spooled = path
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        self.lost_reason = first.replace(self._shared.url or "", redact(self._shared.url or ""))
        if self._warn is not None:
            self._warn(self.notice())

    def notice(self) -> str:
        """What to tell the technician once the shared database was lost."""
        return (f"lost the shared database {redact(self._shared.url or '')} "
                f"({self.lost_reason}); this bench's audit continues and is kept in "
                f"{self.spooled}; once the server is back: phone-audit import-spool {self.spooled}")

    async def close(self) -> None:
        try:
            await self._shared.close()
        except LOST:
            pass
        if self._spool is not None:
            await self._spool.close()

    async def __aenter__(self) -> "SpoolingStore":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


def _now() -> str:
    from store.history import now_iso

    return now_iso()
