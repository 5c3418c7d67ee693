"""apps.accessibility: enabled accessibility services, which can read the screen and act
for the user."""

from __future__ import annotations

from checks.commands import cmd_settings
from checks.user_settings import split_by_origin, unless_every_user_read
from checks.wording import label, names
from model.audit_input import AuditInput
from model.findings import CheckMeta, Evidence, Finding, Severity, Status, finding

META = CheckMeta(
    needs=('settings secure',),
    apk_scope='none',
    id="apps.accessibility",
    title="Accessibility services",
    category="apps",
    severity=Severity.HIGH,
    looks_at=("Enabled accessibility services (secure setting enabled_accessibility_services) of every "
              "user of the phone (a work profile keeps its own) and who provides them."),
    why=(
        "An accessibility service sees everything on the screen and can tap and type for you. "
        "Screen readers need this; stalkerware and banking trojans abuse it to read messages "
        "and steal passwords."
    ),
    remediation=(
        "Settings > Accessibility: turn off every service you do not use and did not turn on "
        "yourself; uninstall the app if you do not recognise it."
    ),
    references=("https://developer.android.com/guide/topics/ui/accessibility/service",),
)


def enabled_services(snap) -> list[str]:
    """The snapshot's list, or the raw setting when the list is empty."""
    out = list(snap.accessibility_services)
    if not out:
        raw = snap.setting("secure", "enabled_accessibility_services") or ""
        out = [c.strip() for c in raw.split(":") if c.strip() and c.strip() != "null"]
    return out


def evaluate(inp: AuditInput) -> Finding:
    return unless_every_user_read(META, _evaluate(inp), inp)


def _evaluate(inp: AuditInput) -> Finding:
    snap = inp.snapshot
    comps = enabled_services(snap)
    cmd = cmd_settings("secure", "enabled_accessibility_services")
    if not comps and "secure" not in snap.settings:
        # an empty list is only "none is on" when the setting was read: a phone that
        # refused `settings list secure` (or an audit cut short) proves nothing
        return finding(META, Status.INCONCLUSIVE,
                       "The phone did not give its secure settings, so phone-audit cannot tell "
                       "whether an accessibility service is on.",
                       evidence=[Evidence("settings", "the secure settings could not be read",
                                          "adb shell settings list secure")])
    third, system, ev = split_by_origin(snap, "enabled_accessibility_services", comps, cmd)
    if third:
        return finding(META, Status.FAIL,
                       f"{names([label(n, inp.apks) for n in third])} can read your screen and act for you (accessibility service). "
                       "Make sure you turned this on yourself.",
                       subjects=third + system, evidence=ev)
    if system:
        return finding(META, Status.PASS,
                       f"Only pre-installed accessibility services are on ({names([label(n, inp.apks) for n in system])}).",
                       subjects=system, evidence=ev)
    return finding(META, Status.PASS, "No accessibility service is on.",
                   evidence=[Evidence("settings", "enabled_accessibility_services is empty", cmd)])
