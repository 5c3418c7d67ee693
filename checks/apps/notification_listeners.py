"""apps.notification-listeners: apps allowed to read every notification."""

from __future__ import annotations

from checks.commands import cmd_settings
from checks.user_settings import split_by_origin, unless_every_user_read
from checks.wording import label, names
from model.audit_input import AuditInput
from model.findings import CheckMeta, Evidence, Finding, Severity, Status, finding

META = CheckMeta(
    needs=('settings secure',),
    apk_scope='none',
    id="apps.notification-listeners",
    title="Apps reading all notifications",
    category="apps",
    severity=Severity.MEDIUM,
    looks_at=("Enabled notification listeners (secure setting enabled_notification_listeners) of every "
              "user of the phone (a work profile keeps its own) and who provides them."),
    why=(
        "Notifications carry message previews, one-time codes and who called. An app allowed "
        "to read them sees all of that; smartwatch apps need it, stalkerware abuses it."
    ),
    remediation=(
        "Settings > Apps > Special app access > Notification access (Device & app "
        "notifications): turn it off for apps that do not need it."
    ),
    references=("https://developer.android.com/reference/android/service/notification/NotificationListenerService",),
)


def listeners(snap) -> list[str]:
    out = list(snap.notification_listeners)
    if not out:
        raw = snap.setting("secure", "enabled_notification_listeners") or ""
        out = [c.strip() for c in raw.split(":") if c.strip() and c.strip() != "null"]
    return out


def evaluate(inp: AuditInput) -> Finding:
    return unless_every_user_read(META, _evaluate(inp), inp)


def _evaluate(inp: AuditInput) -> Finding:
    snap = inp.snapshot
    cmd = cmd_settings("secure", "enabled_notification_listeners")
    comps = listeners(snap)
    if not comps and "secure" not in snap.settings:
        # an empty list is only "no app" when the setting was read (see apps.accessibility)
        return finding(META, Status.INCONCLUSIVE,
                       "The phone did not give its secure settings, so phone-audit cannot tell "
                       "which apps read your notifications.",
                       evidence=[Evidence("settings", "the secure settings could not be read",
                                          "adb shell settings list secure")])
    third, system, ev = split_by_origin(snap, "enabled_notification_listeners", comps, cmd)
    if third:
        return finding(META, Status.WARN,
                       f"{names([label(n, inp.apks) for n in third])} can read all your notifications, including message previews and codes.",
                       subjects=third + system, evidence=ev)
    if system:
        return finding(META, Status.PASS, f"Only pre-installed apps read notifications ({names([label(n, inp.apks) for n in system])}).",
                       subjects=system, evidence=ev)
    return finding(META, Status.PASS, "No app reads your notifications.",
                   evidence=[Evidence("settings", "enabled_notification_listeners is empty", cmd)])
