"""The explicit list of checks, and running them all.

Every check module (`checks/ncsc`, `checks/posture`, `checks/apps`) declares `META` and a
pure `evaluate(inp) -> Finding`. `CHECKS` lists them in catalogue order (ncsc, then os,
then apps); a test proves every module file is listed here and every id is unique.
"""

from __future__ import annotations

from types import ModuleType

from checks.apps import (
    accessibility,
    device_admin,
    notification_listeners,
    sideloaded,
    sms_access,
    stalkerware,
    trackers,
    unknown_sources,
)
from checks.model import AuditInput, CheckMeta, Finding, Status, finding
from checks.needs import enforce
from checks.ncsc import (
    appgallery_redirect,
    browser_analytics,
    censorship_list,
    cloud_sms_registration,
    tencent_statistics,
)
from checks.posture import (
    adb_network,
    app_verification,
    encryption,
    root,
    security_patch,
    selinux,
    verified_boot,
)

CHECKS: tuple[ModuleType, ...] = (
    appgallery_redirect,
    tencent_statistics,
    cloud_sms_registration,
    censorship_list,
    browser_analytics,
    security_patch,
    verified_boot,
    selinux,
    encryption,
    root,
    app_verification,
    adb_network,
    unknown_sources,
    sideloaded,
    stalkerware,
    accessibility,
    device_admin,
    notification_listeners,
    trackers,
    sms_access,
)


def catalogue() -> list[CheckMeta]:
    """Metadata of every check, in catalogue order."""
    return [m.META for m in CHECKS]


def by_id(check_id: str) -> ModuleType | None:
    """The check module with this id, or None."""
    return next((m for m in CHECKS if m.META.id == check_id), None)


def run_one(module: ModuleType, inp: AuditInput) -> Finding:
    """Run one check; an exception becomes an `inconclusive` finding, never a crash."""
    try:
        result = module.evaluate(inp)
    except Exception as exc:  # noqa: BLE001 - one broken check must not end the audit
        return finding(module.META, Status.INCONCLUSIVE,
                       f"internal error in this check: {type(exc).__name__}")
    if not isinstance(result, Finding) or result.check != module.META.id:
        return finding(module.META, Status.INCONCLUSIVE, "internal error in this check: bad result")
    return enforce(module.META, result, inp)


def evaluate_all(inp: AuditInput) -> list[Finding]:
    """Every check exactly once, in catalogue order."""
    return [run_one(m, inp) for m in CHECKS]
