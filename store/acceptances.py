"""Accepted findings: a person's decision that one finding on one phone is known and
wanted (an employer's device administrator, a sideloaded app the owner trusts), with
the reason, who decided and when.

An acceptance is stored per phone (`devices.key`) and per check, with the status and
the fingerprint of the finding it was given for (`audit.acceptance.fingerprint`): a
later audit of the phone honours it only while its finding has the same status and
evidence. Forgetting the phone deletes its acceptances (`store.forget`).

These functions are the methods of `store.db.Store` (bound there). Which findings an
acceptance applies to is decided in `audit.acceptance`, not here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from model.timestamps import utc_now

if TYPE_CHECKING:
    from store.db import Store

#: the longest reason kept (a person's text; a reason is a sentence, not a file)
MAX_REASON = 500


def _row(r) -> dict[str, Any]:
    return {
        "device_key": r["device_key"],
        "check": r["check_id"],
        "status": r["status"],
        "fingerprint": r["fingerprint"],
        "reason": r["reason"],
        "by": r["accepted_by"],
        "at": r["accepted_at"],
        "audit_id": r["audit_id"],
    }


async def accept_finding(
    self: "Store",
    device_key: str,
    check: str,
    *,
    status: str,
    fingerprint: str,
    reason: str,
    by: str | None = None,
    audit_id: int | None = None,
    at: str | None = None,
) -> dict[str, Any]:
    """Store (or replace) the acceptance of `check` on the phone `device_key`."""
    reason = " ".join(str(reason).split())[:MAX_REASON]
    if not reason:
        raise ValueError("an acceptance needs a reason")
    when = at or utc_now()
    async with self.write() as conn:
        await conn.execute(
            """INSERT OR REPLACE INTO acceptances (device_key, check_id, status, fingerprint,
                   reason, accepted_by, accepted_at, audit_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
            (device_key, check, status, fingerprint, reason, by, when, audit_id),
        )
    return {"device_key": device_key, "check": check, "status": status,
            "fingerprint": fingerprint, "reason": reason, "by": by, "at": when,
            "audit_id": audit_id}


async def withdraw_acceptance(self: "Store", device_key: str, check: str) -> bool:
    """Delete the acceptance of `check` on the phone; whether there was one."""
    async with self.write() as conn:
        async with conn.execute(
            "SELECT 1 FROM acceptances WHERE device_key = ? AND check_id = ?", (device_key, check)
        ) as cur:
            found = await cur.fetchone() is not None
        await conn.execute(
            "DELETE FROM acceptances WHERE device_key = ? AND check_id = ?", (device_key, check))
    return found


async def update_finding(self: "Store", audit_id: int, finding_json: str, check: str) -> None:
    """Rewrite one stored finding in place (its acceptance mark changed), keeping its
    place among the audit's findings (INSERT OR REPLACE would move it to the end)."""
    async with self.write() as conn:
        await conn.execute(
            "UPDATE findings SET finding_json = ? WHERE audit_id = ? AND check_id = ?",
            (finding_json, audit_id, check))


async def list_acceptances(self: "Store", device_key: str | None = None) -> list[dict[str, Any]]:
    """The acceptances of one phone (or of every phone), by check."""
    if device_key is None:
        rows = await self.fetchall("SELECT * FROM acceptances ORDER BY device_key, check_id")
    else:
        rows = await self.fetchall(
            "SELECT * FROM acceptances WHERE device_key = ? ORDER BY check_id", (device_key,))
    return [_row(r) for r in rows]
