"""os.security-patch: how old the security patch level is, measured at capture time."""

from __future__ import annotations

from checks.commands import cmd_getprop
from checks.dates import audit_date, parse_date
from model.audit_input import AuditInput
from model.findings import CheckMeta, Evidence, Finding, Severity, Status, finding

META = CheckMeta(
    needs=('getprop',),
    apk_scope='none',
    id="os.security-patch",
    title="Security patch level",
    category="os",
    severity=Severity.HIGH,
    looks_at="The security patch level (ro.build.version.security_patch) against the date of the audit.",
    why=(
        "Each month Google publishes the Android flaws it fixed. A phone whose patch level is "
        "months old is open to attacks that are publicly known, some used in the wild."
    ),
    remediation=(
        "Install system updates: Settings > System > System update (or Software update). If "
        "the maker no longer ships updates for this phone, it will not get safer: plan to "
        "replace it, and meanwhile install apps only from the official store."
    ),
    references=("https://source.android.com/docs/security/bulletin",),
)

WARN_DAYS = 90
FAIL_DAYS = 180
KEY = "ro.build.version.security_patch"


def evaluate(inp: AuditInput) -> Finding:
    snap = inp.snapshot
    raw = snap.prop(KEY) or snap.device.security_patch
    if not raw:
        return finding(META, Status.INCONCLUSIVE, "The phone did not report a security patch level.",
                       evidence=[Evidence("getprop", f"{KEY} is not set", cmd_getprop(KEY))])
    patch = parse_date(raw)
    ev = [Evidence("getprop", f"{KEY} = {raw}", cmd_getprop(KEY))]
    if patch is None:
        return finding(META, Status.INCONCLUSIVE,
                       f"The security patch level '{raw}' is not a date phone-audit can read.", evidence=ev)
    today = audit_date(snap)
    age = (today - patch).days
    ev.append(Evidence("audit", f"audit date {today.isoformat()}: patch is {age} days old"))
    if age > FAIL_DAYS:
        return finding(META, Status.FAIL,
                       f"The last security update is from {patch.isoformat()}, {age} days before this audit: "
                       "the phone misses many months of security fixes.", evidence=ev)
    if age > WARN_DAYS:
        return finding(META, Status.WARN,
                       f"The last security update is from {patch.isoformat()}, {age} days before this audit: "
                       "a few months of security fixes are missing.", evidence=ev)
    return finding(META, Status.PASS,
                   f"The security patch level ({patch.isoformat()}) is recent ({max(age, 0)} days old).",
                   evidence=ev)
