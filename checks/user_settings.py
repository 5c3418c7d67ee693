"""The secure settings of every user of the phone, for checks that judge each user.

A work profile (user 10) or a second user keeps its own secure settings: its own
accessibility services, notification listeners and default SMS app. `adb.collect` reads
them with `settings --user N list secure`; the snapshot keeps them in
`user_secure_settings`, and the users whose settings could not be read in
`user_settings_unread`. A verdict on user 0 alone says nothing of those users, so
`unless_every_user_read` makes it inconclusive, naming each unread user's settings.
"""

from __future__ import annotations

from dataclasses import replace

from model.audit_input import AuditInput
from model.findings import CheckMeta, Finding, Status, finding


def components_by_user(snap, key: str) -> list[tuple[int, str]]:
    """(user, component) of a `:`-separated component list (`enabled_accessibility_services`,
    `enabled_notification_listeners`) in every user other than 0 whose settings were read."""
    out = []
    for user, table in sorted(getattr(snap, "user_secure_settings", {}).items()):
        raw = table.get(key) or ""
        out += [(user, c.strip()) for c in raw.split(":") if c.strip() and c.strip() != "null"]
    return out


def value_by_user(snap, key: str) -> dict[int, str | None]:
    """user -> this secure setting's value in every user other than 0 whose settings were
    read ("null" and empty as None)."""
    out: dict[int, str | None] = {}
    for user, table in sorted(getattr(snap, "user_secure_settings", {}).items()):
        v = (table.get(key) or "").strip()
        out[user] = v if v and v != "null" else None
    return out


def user_settings_command(user: int) -> str:
    return f"adb shell settings --user {user} list secure"


def unless_every_user_read(meta: CheckMeta, result: Finding, inp: AuditInput) -> Finding:
    """`result`, or an inconclusive finding when the settings of another user were asked
    for and not read (a FAIL or an inconclusive result stands)."""
    unread = getattr(inp.snapshot, "user_settings_unread", {})
    if not unread or result.status in (Status.FAIL, Status.INCONCLUSIVE):
        return result
    missing = tuple({"fact": f"settings secure (user {u})", "state": "refused" if "refused" in why else "unrecognised",
                     "command": user_settings_command(u), "detail": why[:300]} for u, why in sorted(unread.items()))
    users = ", ".join(str(u) for u in sorted(unread))
    return replace(finding(meta, Status.INCONCLUSIVE,
                           f"Could not decide: the settings of user {users} (a work profile or another user) "
                           f"could not be read. For user 0 it would have said: {result.summary}",
                           evidence=list(result.evidence)), missing=missing)
