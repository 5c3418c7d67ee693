"""apps.device-admin: active device administrators outside the platform's own."""

from __future__ import annotations

from checks.packages import is_preinstalled
from checks.wording import label, names
from model.audit_input import AuditInput
from model.findings import CheckMeta, Evidence, Finding, Severity, Status, finding

META = CheckMeta(
    needs=('dumpsys device_policy',),
    apk_scope='none',
    id="apps.device-admin",
    title="Device administrators",
    category="apps",
    severity=Severity.MEDIUM,
    looks_at="Active device administrators, device and profile owners (`dumpsys device_policy`).",
    why=(
        "A device administrator can lock or wipe the phone and resists being uninstalled. "
        "Employers' management apps need it; stalkerware uses it so it cannot be removed."
    ),
    remediation=(
        "Settings > Security > Device admin apps: turn off any you do not recognise, then "
        "uninstall the app. A device owner set by an employer can only be removed by the "
        "employer or by a factory reset."
    ),
    references=("https://developer.android.com/guide/topics/admin/device-admin",),
)

CMD = "adb shell dumpsys device_policy"


def evaluate(inp: AuditInput) -> Finding:
    snap = inp.snapshot
    if any("device_policy" in pr.command for pr in snap.problems) and not snap.device_admins:
        return finding(META, Status.INCONCLUSIVE, "The list of device administrators could not be read.",
                       evidence=[Evidence("dumpsys device_policy", "could not be read", CMD)])
    third, own, ev = [], [], []
    for a in snap.device_admins:
        p = snap.package(a.package)
        pre = p is not None and is_preinstalled(p)
        role = "device owner" if a.device_owner else "profile owner" if a.profile_owner else "device admin"
        (own if pre else third).append(a.package)
        ev.append(Evidence("dumpsys device_policy",
                           f"{a.component}: {role}, {'pre-installed' if pre else 'installed by the user'}", CMD))
    if third:
        return finding(META, Status.FAIL,
                       f"{names([label(n, inp.apks) for n in third])} {'is a device administrator' if len(third) == 1 else 'are device administrators'}: "
                       "it can lock or wipe the phone and is hard to uninstall. Fine if your employer manages "
                       "this phone; otherwise find out who installed it.",
                       subjects=third + own, evidence=ev)
    if own:
        return finding(META, Status.PASS, f"Only the phone's own device administrators are active ({names([label(n, inp.apks) for n in own])}).",
                       subjects=own, evidence=ev)
    return finding(META, Status.PASS, "No device administrator is active.",
                   evidence=[Evidence("dumpsys device_policy", "no active admin", CMD)])
