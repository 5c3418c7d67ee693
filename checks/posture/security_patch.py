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
    looks_at=("The security patch level (ro.build.version.security_patch) against the date of the audit and "
              "the build date (ro.build.date.utc), and the vendor patch level (ro.vendor.build.security_patch)."),
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
VENDOR_KEY = "ro.vendor.build.security_patch"
BUILD_UTC = "ro.build.date.utc"
#: a vendor patch level this much older than the platform's is worth saying
VENDOR_LAG_DAYS = 90
#: a patch level may name the month after the build (levels are set ahead of release);
#: beyond this many days after the build date it is not a real level
AHEAD_OF_BUILD_DAYS = 62


def _build_date(snap):
    from datetime import datetime, timezone

    raw = (snap.prop(BUILD_UTC) or "").strip()
    try:
        return datetime.fromtimestamp(int(raw), timezone.utc).date()
    except (ValueError, OverflowError, OSError):
        return None


def _vendor_note(snap, patch, ev) -> str:
    """A sentence when the vendor (driver, firmware) patch level lags the platform's."""
    raw = snap.prop(VENDOR_KEY)
    vendor = parse_date(raw)
    if vendor is None:
        return ""
    ev.append(Evidence("getprop", f"{VENDOR_KEY} = {raw}", cmd_getprop(VENDOR_KEY)))
    lag = (patch - vendor).days
    if lag <= VENDOR_LAG_DAYS:
        return ""
    return (f" The vendor part (drivers and firmware, {VENDOR_KEY}) is patched only to {vendor.isoformat()}, "
            f"{lag} days older than the system: flaws fixed in that part since then are still open.")


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
    built = _build_date(snap)
    if built is not None:
        ev.append(Evidence("getprop", f"{BUILD_UTC} = {snap.prop(BUILD_UTC)} (built {built.isoformat()})",
                           cmd_getprop(BUILD_UTC)))
    vendor = _vendor_note(snap, patch, ev)
    # a level the phone cannot have yet: no age can be told from it, and a phone that
    # claims one is either misconfigured or lying to look patched
    if age < 0:
        return finding(META, Status.WARN,
                       f"The security patch level {patch.isoformat()} is {-age} days after the date of this audit "
                       f"({today.isoformat()}): no phone can have it yet, so its real age is unknown. Check for "
                       "updates in Settings and treat the phone as not up to date." + vendor,
                       evidence=ev)
    if built is not None and (patch - built).days > AHEAD_OF_BUILD_DAYS:
        return finding(META, Status.WARN,
                       f"The security patch level {patch.isoformat()} is {(patch - built).days} days after the "
                       f"system was built ({built.isoformat()}): a build cannot contain fixes published after it, "
                       "so the patch level is not to be believed and the phone's real patch age is unknown." + vendor,
                       evidence=ev)
    if age > FAIL_DAYS:
        return finding(META, Status.FAIL,
                       f"The last security update is from {patch.isoformat()}, {age} days before this audit: "
                       "the phone misses many months of security fixes." + vendor, evidence=ev)
    if age > WARN_DAYS:
        return finding(META, Status.WARN,
                       f"The last security update is from {patch.isoformat()}, {age} days before this audit: "
                       "a few months of security fixes are missing." + vendor, evidence=ev)
    if vendor:
        return finding(META, Status.WARN,
                       f"The security patch level ({patch.isoformat()}) is recent ({age} days old)." + vendor,
                       evidence=ev)
    return finding(META, Status.PASS,
                   f"The security patch level ({patch.isoformat()}) is recent ({age} days old).",
                   evidence=ev)
