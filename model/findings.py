"""The vocabulary of verdicts: check metadata, statuses, severities, findings.

Matches the JSON report contract (`docs/report-format.md`): a finding serialises
to exactly the keys `check, title, category, status, severity, summary, subjects,
evidence, remediation, references` (extra keys may be added, none removed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Status(str, Enum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    NOT_APPLICABLE = "not_applicable"
    INCONCLUSIVE = "inconclusive"


class Severity(str, Enum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


@dataclass(frozen=True)
class Evidence:
    """One fact behind a verdict, and how anyone can see it again with plain adb."""

    #: where it was seen: "getprop", "classes.dex of com.miui.securitycenter", ...
    source: str
    #: what was seen, verbatim where it came from the phone
    detail: str
    #: the adb command (or APK + DEX entry) that shows it, e.g.
    #: "adb shell getprop ro.build.version.security_patch"
    command: str = ""

    def to_dict(self) -> dict[str, str]:
        d = {"source": self.source, "detail": self.detail}
        if self.command:
            d["command"] = self.command
        return d


@dataclass(frozen=True)
class PackageActivity:
    """What the phone records of one package's use, kept apart from the verdict (which
    stands on presence): `state` is "active", "dormant" or "unknown" (`checks.activity`)."""

    package: str
    state: str
    #: "present and active" / "present and dormant" / "present; activity unknown"
    words: str
    #: the plain sentence, with its numbers
    detail: str
    rx_bytes: int | None = None
    tx_bytes: int | None = None
    #: start (ISO 8601 UTC) of the last network bucket with traffic
    last_network: str | None = None
    #: last use as the phone printed it (its local time)
    last_used: str | None = None
    #: roles it holds, in plain words ("default browser")
    roles: tuple[str, ...] = ()
    #: when it last used the SEND_SMS app op (ISO 8601 UTC), or None
    sms_last_sent: str | None = None
    #: its App Standby bucket ("active", "working set", "frequent", "rare", ...), or None
    standby_bucket: str | None = None
    #: the other packages of its uid, whose traffic is counted with its own
    shares_uid_with: tuple[str, ...] = ()
    #: the adb commands that show it again
    commands: tuple[str, ...] = ()
    #: facts not read (`adb.ledger.Fact.to_dict()` rows) that left the activity unknown
    missing: tuple[dict, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "package": self.package, "state": self.state, "words": self.words, "detail": self.detail,
            "rx_bytes": self.rx_bytes, "tx_bytes": self.tx_bytes, "last_network": self.last_network,
            "last_used": self.last_used, "roles": list(self.roles), "sms_last_sent": self.sms_last_sent,
            "standby_bucket": self.standby_bucket,
            "shares_uid_with": list(self.shares_uid_with), "commands": list(self.commands),
            "missing": [dict(m) for m in self.missing],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "PackageActivity":
        return cls(
            package=d["package"], state=d["state"], words=d["words"], detail=d["detail"],
            rx_bytes=d.get("rx_bytes"), tx_bytes=d.get("tx_bytes"), last_network=d.get("last_network"),
            last_used=d.get("last_used"), roles=tuple(d.get("roles", ())),
            sms_last_sent=d.get("sms_last_sent"), standby_bucket=d.get("standby_bucket"),
            shares_uid_with=tuple(d.get("shares_uid_with", ())),
            commands=tuple(d.get("commands", ())), missing=tuple(dict(m) for m in d.get("missing", ())),
        )


@dataclass(frozen=True)
class CheckMeta:
    """What a check is, declared once beside its `evaluate` function."""

    id: str  # stable, category-prefixed, never reused: "ncsc.censorship-list"
    title: str
    category: str  # "ncsc" | "os" | "apps"
    severity: Severity  # severity of a failure
    looks_at: str  # what it reads, in plain words
    why: str  # why it matters, for a consumer
    remediation: str  # what to do, without root; honest about what cannot be undone
    references: tuple[str, ...] = ()
    #: ledger keys (`adb.ledger.KEYS`) this check's PASS / N/A stands on; enforced by
    #: `checks.needs`, not by the check
    needs: tuple[str, ...] = ()
    #: which APKs must have been read: "none", "third-party", "all"
    apk_scope: str = "none"


@dataclass(frozen=True)
class Finding:
    """The verdict of one check on one phone."""

    check: str
    title: str
    category: str
    status: Status
    severity: Severity
    summary: str
    subjects: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    remediation: str = ""
    references: tuple[str, ...] = ()
    why: str = ""
    #: facts this verdict needed and could not have (`adb.ledger.Fact.to_dict()` each)
    missing: tuple[dict, ...] = ()
    #: evidence lines left out by the per-finding cap (`checks.hit_caps.cap_evidence`)
    evidence_cut: int = 0
    #: missing facts left out by the per-finding cap (`checks.needs.MAX_MISSING`)
    missing_cut: int = 0
    #: a person's acceptance of this finding for this phone, when one is stored
    #: (`audit.acceptance`): {"state": "accepted" | "changed", "reason", "by", "at",
    #: "audit_number"}; "changed" means it was accepted once but the finding is no
    #: longer the one accepted. The status is never altered by it.
    acceptance: dict | None = None
    #: activity of the packages the verdict names (`checks.activity`); apart from the status
    activity: tuple[PackageActivity, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d = {
            "check": self.check,
            "title": self.title,
            "category": self.category,
            "status": self.status.value,
            "severity": self.severity.value,
            "summary": self.summary,
            "subjects": list(self.subjects),
            "evidence": [e.to_dict() for e in self.evidence],
            "remediation": self.remediation,
            "references": list(self.references),
            "why": self.why,
        }
        if self.missing:
            d["missing"] = [dict(m) for m in self.missing]
        if self.evidence_cut:
            d["evidence_cut"] = self.evidence_cut
        if self.missing_cut:
            d["missing_cut"] = self.missing_cut
        if self.acceptance:
            d["acceptance"] = dict(self.acceptance)
        if self.activity:
            d["activity"] = [a.to_dict() for a in self.activity]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Finding":
        return cls(
            check=d["check"],
            title=d["title"],
            category=d["category"],
            status=Status(d["status"]),
            severity=Severity(d["severity"]),
            summary=d["summary"],
            subjects=tuple(d.get("subjects", ())),
            evidence=tuple(
                Evidence(e["source"], e["detail"], e.get("command", "")) for e in d.get("evidence", ())
            ),
            remediation=d.get("remediation", ""),
            references=tuple(d.get("references", ())),
            why=d.get("why", ""),
            missing=tuple(dict(m) for m in d.get("missing", ())),
            evidence_cut=int(d.get("evidence_cut", 0)),
            missing_cut=int(d.get("missing_cut", 0)),
            acceptance=dict(d["acceptance"]) if d.get("acceptance") else None,
            activity=tuple(PackageActivity.from_dict(a) for a in d.get("activity", ())),
        )


def finding(
    meta: CheckMeta,
    status: Status,
    summary: str,
    *,
    subjects: tuple[str, ...] | list[str] = (),
    evidence: tuple[Evidence, ...] | list[Evidence] = (),
    severity: Severity | None = None,
) -> Finding:
    """Build a Finding from a check's metadata. `severity` defaults to the check's own
    for fail/warn and to INFO for the other statuses."""
    if severity is None:
        severity = meta.severity if status in (Status.FAIL, Status.WARN) else Severity.INFO
    return Finding(
        check=meta.id,
        title=meta.title,
        category=meta.category,
        status=status,
        severity=severity,
        summary=summary,
        subjects=tuple(subjects),
        evidence=tuple(evidence),
        remediation=meta.remediation,
        references=meta.references,
        why=meta.why,
    )
