"""The JSON report's shape (`phone-audit.report/1`), built from plain values.

Both the live report (`audit.reports.json_report`, from an `AuditResult`) and the stored
one (`Store.get_audit`) are assembled here, so a report read back from history is the
report that was written. Text from the phone is kept verbatim: JSON escapes it.
"""

from __future__ import annotations

from typing import Any, Iterable

from model.snapshot import DeviceInfo, PackageInfo, Problem
from model.apk_report import PackageApks
from model.findings import Finding

#: The contract's schema identifier.
SCHEMA_ID = "phone-audit.report/1"


def tool_version() -> str:
    try:
        from importlib.metadata import version

        return version("phone-audit")
    except Exception:  # running from a source tree that is not installed
        return "0.1.0"


def device_dict(device: DeviceInfo) -> dict[str, Any]:
    """The contract's `device` object."""
    return {
        "serial": device.serial,
        "adb_serial": device.adb_serial,
        "manufacturer": device.manufacturer,
        "model": device.model,
        "android_release": device.android_release,
        "sdk": device.sdk,
        "build_fingerprint": device.build_fingerprint,
        "security_patch": device.security_patch,
        # additive (not in the contract's required keys): "Mi 10T Pro" for M2007J3SG
        "marketing_name": device.marketing_name,
    }


def device_from_dict(d: dict[str, Any]) -> DeviceInfo:
    known = DeviceInfo.__dataclass_fields__
    return DeviceInfo(**{k: v for k, v in d.items() if k in known})


def problem_dict(p: Problem) -> dict[str, str]:
    return {"command": p.command, "reason": p.reason}


def app_entry(pkg: PackageInfo, apks: PackageApks | None) -> dict[str, Any]:
    """One installed package in the report's `apps` inventory, with its trackers."""
    trackers: dict[str, dict[str, str]] = {}
    indicators: dict[str, dict[str, str]] = {}
    label = None
    reports = apks.reports if apks else ()
    for r in reports:
        if label is None and r.label:
            label = r.label
        for h in r.trackers:
            trackers.setdefault(h.id, {"id": h.id, "name": h.name, "category": h.category})
        for h in r.indicators:
            indicators.setdefault(h.id, {"id": h.id, "name": h.name, "category": h.category})
    return {
        "package": pkg.name,
        "label": label,
        "system": pkg.system,
        "enabled": pkg.enabled,
        "installer": pkg.installer,
        "version_code": pkg.version_code,
        "version_name": pkg.version_name,
        "inspected": bool(reports),
        "apks": [
            {"sha256": r.sha256, "size": r.size, "cert_sha256": list(r.cert_sha256)} for r in reports
        ],
        "failures": [{"path": p, "reason": why} for p, why in (apks.failures if apks else ())],
        "trackers": list(trackers.values()),
        "indicators": list(indicators.values()),
    }


def assemble(
    *,
    audit_id: int | None,
    device: DeviceInfo,
    started_at: str,
    finished_at: str | None,
    complete: bool,
    status: str,
    findings: Iterable[Finding],
    problems: Iterable[Problem],
    packages: Iterable[PackageInfo],
    apks: dict[str, PackageApks],
    kb_version: str = "",
    bytes_pulled: int = 0,
    apks_from_cache: int = 0,
    audit_number: int | None = None,
    source: str = "phone",
) -> dict[str, Any]:
    """The whole report: the contract's keys first, then phone-audit's extras."""
    return {
        "schema": SCHEMA_ID,
        "tool": {"name": "phone-audit", "version": tool_version()},
        "device": device_dict(device),
        "started_at": started_at,
        "finished_at": finished_at,
        "complete": complete,
        "findings": [f.to_dict() for f in findings],
        # extras (allowed by the contract)
        "audit_id": audit_id,
        # the phone's own audit number (its first audit is 1); audit_id is global
        "audit_number": audit_number,
        # "phone", or "capture": a capture file analysed again, dated by the capture
        "source": source,
        "status": status,
        "problems": [problem_dict(p) for p in problems],
        "knowledge_version": kb_version,
        "stats": {"bytes_pulled": bytes_pulled, "apks_from_cache": apks_from_cache},
        "apps": [app_entry(p, apks.get(p.name)) for p in packages],
    }
