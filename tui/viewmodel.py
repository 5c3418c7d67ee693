"""What the screens show about one audit, as plain values (no Textual here).

`AuditData` joins the JSON report dict (the same shape for a live audit, a stored one
and a report file) with what only a live audit has: the inspected APK reports and the
package manager's view of each package (permissions). The screens read only this, so
snapshot tests can build it from a fixed file and the live app from an `AuditResult`.

Every string in here may come from the phone: render it with `rich.text.Text`.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from model.snapshot import FrozenMap, PackageInfo
from model.apk_report import ApkReport, PackageApks
from audit import ranking
from audit.reports.terminal_text import one_line

#: report sections in the order the results show them
SECTIONS = (
    ("ncsc", "Risks found by Lithuania's NCSC (2021)"),
    ("os", "Security posture"),
    ("apps", "Installed apps"),
)

#: status -> the word on a panel (one vocabulary with the summary and the HTML)
STATUS_WORD = ranking.STATUS_WORD
#: order of the counts bar (worst first)
STATUS_ORDER = ("fail", "warn", "inconclusive", "pass", "not_applicable")
#: severities, worst first
SEVERITY_ORDER = ("critical", "high", "medium", "low", "info")

#: permissions worth a column in the apps view: what lets an app watch, message,
#: locate or control the phone
RISKY_PERMISSIONS = {
    "android.permission.READ_SMS": "SMS read",
    "android.permission.SEND_SMS": "SMS send",
    "android.permission.RECEIVE_SMS": "SMS receive",
    "android.permission.READ_CALL_LOG": "call log",
    "android.permission.READ_CONTACTS": "contacts",
    "android.permission.ACCESS_FINE_LOCATION": "location",
    "android.permission.ACCESS_BACKGROUND_LOCATION": "bg location",
    "android.permission.RECORD_AUDIO": "microphone",
    "android.permission.CAMERA": "camera",
    "android.permission.READ_PHONE_STATE": "phone state",
    "android.permission.REQUEST_INSTALL_PACKAGES": "installs apps",
    "android.permission.INSTALL_PACKAGES": "installs apps",
    "android.permission.BIND_ACCESSIBILITY_SERVICE": "accessibility",
    "android.permission.BIND_NOTIFICATION_LISTENER_SERVICE": "notifications",
    "android.permission.BIND_DEVICE_ADMIN": "device admin",
    "android.permission.SYSTEM_ALERT_WINDOW": "draw over apps",
    "android.permission.PACKAGE_USAGE_STATS": "usage stats",
}


@dataclass(frozen=True)
class AppRow:
    """One package in the apps view."""

    package: str
    label: str
    system: bool
    enabled: bool
    installer: str | None
    trackers: tuple[str, ...]
    risky: tuple[str, ...]
    inspected: bool


@dataclass
class AuditData:
    """One audit as the UI shows it."""

    #: the JSON report dict (`phone-audit.report/1`)
    report: dict[str, Any]
    #: package -> inspected APKs (live audits and fixtures; empty for stored ones)
    apks: dict[str, PackageApks] = field(default_factory=dict)
    #: package -> what the package manager said (live audits and fixtures)
    packages: dict[str, PackageInfo] = field(default_factory=dict)
    #: the phone's previous audit in history (a `Store.list_audits` summary), if any
    previous: dict[str, Any] | None = None

    # -- construction --------------------------------------------------------------

    @classmethod
    def from_result(cls, result: Any) -> "AuditData":
        """From a live `audit.runner.AuditResult`."""
        from audit.reports.json_report import build_report

        return cls(
            report=build_report(result),
            apks=dict(result.apks),
            packages={p.name: p for p in result.snapshot.packages},
            previous=result.previous,
        )

    def to_json(self) -> str:
        """A self-contained JSON file (fixtures for tests and screenshots)."""
        return json.dumps({
            "report": self.report,
            "apks": {name: {"reports": [r.to_dict() for r in pa.reports],
                            "failures": [list(f) for f in pa.failures]}
                     for name, pa in self.apks.items()},
            "packages": [_package_dict(p) for p in self.packages.values()],
            "previous": self.previous,
        }, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> "AuditData":
        d = json.loads(text)
        apks = {
            name: PackageApks(name, tuple(ApkReport.from_dict(r) for r in v["reports"]),
                              tuple((str(a), str(b)) for a, b in v["failures"]))
            for name, v in d.get("apks", {}).items()
        }
        packages = [_package_from_dict(p) for p in d.get("packages", [])]
        return cls(report=d["report"], apks=apks, packages={p.name: p for p in packages},
                   previous=d.get("previous"))

    @classmethod
    def load(cls, path: str | Path) -> "AuditData":
        return cls.from_json(Path(path).read_text(encoding="utf-8"))

    # -- what the screens ask ------------------------------------------------------

    @property
    def audit_id(self) -> int | None:
        return self.report.get("audit_id")

    @property
    def number(self) -> int | None:
        """The phone's own audit number (#1 for its first), else the database id (a
        report written before audits were numbered per phone)."""
        return self.report.get("audit_number") or self.audit_id

    @property
    def reanalysis(self) -> bool:
        """A capture analysed again (dated by the capture), not a reading of the phone."""
        return self.report.get("source") == "capture"

    @property
    def device(self) -> dict[str, Any]:
        return self.report.get("device") or {}

    @property
    def device_key(self) -> str:
        """The phone's identity in history (ro.serialno, else the adb serial)."""
        d = self.device
        return str(d.get("serial") or d.get("adb_serial") or "")

    def title(self) -> str:
        """"Xiaomi M2007J3SG": phone text, already sanitised and cut to one line
        (`audit.reports.terminal_text.one_line`), since it lands in tab labels; render it with Text."""
        d = self.device
        return one_line(ranking.phone_name(d))

    def tab_title(self) -> str:
        """A short tab label, unique per audit: the phone's short name and the audit
        number, e.g. "Mi 10T Pro #3" (sanitised, cut to fit beside other tabs)."""
        d = self.device
        from adb.parsers.device_names import BY_MODEL

        name = str(d.get("marketing_name") or BY_MODEL.get(str(d.get("model") or "")) or
                   d.get("model") or d.get("adb_serial") or "phone")
        from audit.reports.terminal_text import plain

        audit = f" #{self.number}" if self.number is not None else ""
        name = plain(name)
        return (name if len(name) <= 24 else name[:23] + "…") + audit

    def findings(self, category: str | None = None) -> list[dict[str, Any]]:
        return [f for f in self.report.get("findings", [])
                if category is None or f.get("category") == category]

    def finding(self, check: str) -> dict[str, Any] | None:
        return next((f for f in self.findings() if f.get("check") == check), None)

    def attention(self) -> list[dict[str, Any]]:
        """Findings that failed, warned or could not be judged: failures first, the most
        severe first, then in catalogue order (`audit.ranking.ranked`, as the summary
        and the HTML report order them)."""
        found = [f for f in self.findings() if ranking.shown(f) in ("fail", "warn", "inconclusive")]
        return ranking.ranked(found)

    def accepted(self) -> list[dict[str, Any]]:
        """Failures and warnings a person accepted for this phone (still there: shown
        as accepted, never as passed), worst first."""
        return ranking.ranked([f for f in self.findings() if ranking.shown(f) == "accepted"])

    def replace_finding(self, finding: dict[str, Any]) -> None:
        """Put a finding as now stored (its acceptance given or withdrawn) in place."""
        findings = self.report.get("findings", [])
        for i, f in enumerate(findings):
            if f.get("check") == finding.get("check"):
                findings[i] = finding

    def verdict(self) -> str:
        return ranking.verdict(self.report)

    def scores(self) -> str:
        return ", ".join(s.text() for s in ranking.scores(self.report).values())

    def actions(self) -> list[ranking.Action]:
        return ranking.actions(self.report)

    def counts(self) -> dict[str, int]:
        c = {s: 0 for s in STATUS_ORDER}
        for f in self.findings():
            c[f.get("status", "")] = c.get(f.get("status", ""), 0) + 1
        return c

    def app_rows(self) -> list[AppRow]:
        rows = []
        for app in self.report.get("apps", []):
            name = str(app.get("package", ""))
            pkg = self.packages.get(name)
            rows.append(AppRow(
                package=name,
                label=str(app.get("label") or ""),
                system=bool(app.get("system")),
                enabled=bool(app.get("enabled", True)),
                installer=app.get("installer"),
                trackers=tuple(str(t.get("name", t.get("id", ""))) for t in app.get("trackers", [])),
                risky=self.risky_permissions(name, pkg),
                inspected=bool(app.get("inspected")),
            ))
        return rows

    def risky_permissions(self, name: str, pkg: PackageInfo | None = None) -> tuple[str, ...]:
        """Short names of the risky permissions the app holds (granted, when the phone
        said; else requested in its manifest)."""
        pkg = pkg or self.packages.get(name)
        if pkg is not None and (pkg.install_permissions or pkg.runtime_permissions):
            perms = pkg.granted_permissions
        else:
            pa = self.apks.get(name)
            perms = frozenset(p for r in (pa.reports if pa else ()) for p in r.permissions)
        seen: list[str] = []
        for perm, short in RISKY_PERMISSIONS.items():
            if perm in perms and short not in seen:
                seen.append(short)
        return tuple(seen)


def _package_dict(p: PackageInfo) -> dict[str, Any]:
    d = dataclasses.asdict(p)
    d["appops"] = dict(p.appops)
    return d


def _package_from_dict(d: dict[str, Any]) -> PackageInfo:
    known = PackageInfo.__dataclass_fields__
    kw = {k: v for k, v in d.items() if k in known}
    # JSON gives lists; every sequence field of PackageInfo is a tuple (new ones too)
    for k, v in kw.items():
        if isinstance(v, list):
            kw[k] = tuple(v)
    for k in ("split_paths", "flags", "requested_permissions", "install_permissions",
              "runtime_permissions", "users", "other_user_runtime_permissions"):
        if k in kw and kw[k] is None:
            kw[k] = ()
    kw["appops"] = FrozenMap(kw.get("appops") or {})
    return PackageInfo(**kw)
