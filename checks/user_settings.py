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


def split_by_origin(snap, key: str, comps: list[str], cmd: str):
    """The apps behind the components of secure setting `key`, of user 0 (`comps`, read
    with `cmd`) and of every other user whose settings were read: (installed by the
    user, pre-installed, evidence), each app named once, every component shown."""
    from checks.packages import is_preinstalled, package_of_component
    from model.findings import Evidence

    third: list[str] = []
    system: list[str] = []
    ev: list[Evidence] = []
    every = [(0, c) for c in comps] + components_by_user(snap, key)
    for user, c in every:
        name = package_of_component(c)
        p = snap.package(name)
        pre = p is not None and is_preinstalled(p)
        if name not in third + system:
            (system if pre else third).append(name)
        origin = "pre-installed" if pre else "installed by the user" if p else "unknown app"
        if user == 0:
            ev.append(Evidence("settings", f"{c} ({origin})", cmd))
        else:
            ev.append(Evidence("settings", f"{c} in user {user} ({origin})",
                               f"adb shell settings --user {user} get secure {key}"))
    return third, system, ev


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
