"""The explicit list of checks, and running them all.

Every check module (`checks/ncsc`, `checks/posture`, `checks/apps`) declares `META` and a
pure `evaluate(inp) -> Finding`. `CHECKS` lists them in catalogue order (ncsc, then os,
then apps); a test proves every module file is listed here and every id is unique.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

from model.audit_input import AuditInput
from model.findings import CheckMeta, Finding, Status, finding
from checks.hit_caps import cap_evidence
from checks.needs import enforce
from checks.activity import annotate

#: Every check, in catalogue order, as its module path under `checks/`. Adding a check
#: is one line here (the module itself declares META and evaluate).
CATALOGUE: tuple[str, ...] = (
    "ncsc.appgallery_redirect",
    "ncsc.tencent_statistics",
    "ncsc.cloud_sms_registration",
    "ncsc.censorship_list",
    "ncsc.browser_analytics",
    "posture.security_patch",
    "posture.system_updates",
    "posture.verified_boot",
    "posture.selinux",
    "posture.encryption",
    "posture.root",
    "posture.system_mounts",
    "posture.local_tmp",
    "posture.app_verification",
    "posture.adb_network",
    "posture.adb_trusted_computers",
    "apps.unknown_sources",
    "apps.sideloaded",
    "apps.stalkerware",
    "apps.accessibility",
    "apps.device_admin",
    "apps.notification_listeners",
    "apps.trackers",
    "apps.sms_access",
)

CHECKS: tuple[ModuleType, ...] = tuple(import_module(f"checks.{name}") for name in CATALOGUE)


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
    judged = cap_evidence(enforce(module.META, result, inp))
    try:
        # apart from the verdict: what the phone records of the named apps' use
        return annotate(judged, inp)
    except Exception:  # noqa: BLE001 - the activity line must never cost the verdict
        return judged


def evaluate_all(inp: AuditInput) -> list[Finding]:
    """Every check exactly once, in catalogue order."""
    return [run_one(m, inp) for m in CHECKS]
