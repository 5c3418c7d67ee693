"""What inspecting one APK found: `ApkReport`, a pure value.

Produced by `checks.inspect` (androguard for the manifest and certificate, our own
DEX table reader for type names and strings), cached by APK SHA-256 in `store/`, and
judged by the checks. A report that could not be made still exists: `error` says why
("could not inspect: ..."), so an APK is never silently dropped.

Fields may be added; none is renamed or removed (the cache and reports rely on them).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Component:
    """A manifest component that matters to the checks."""

    kind: str  # "receiver" | "service" | "activity" | "provider"
    name: str  # fully qualified class name
    permission: str | None = None  # android:permission
    actions: tuple[str, ...] = ()  # intent-filter actions
    exported: bool | None = None


@dataclass(frozen=True)
class Hit:
    """One match of a knowledge-base entry in an APK, with the exact evidence."""

    #: knowledge-base id, e.g. "tracker.tencent-stats" or "ncsc.miad-blacklist"
    id: str
    #: human name, e.g. "Tencent Stats"
    name: str
    #: "class" (a type name matched a namespace), "string", "url" or "host"
    kind: str
    #: what matched, verbatim: the class name ("com.tencent.stat.StatService") or string
    value: str
    #: the DEX entry it was found in, e.g. "classes2.dex"
    file: str
    #: tracker category or indicator group (e.g. "analytics", "censorship")
    category: str = ""


@dataclass(frozen=True)
class ApkReport:
    """The inspection of one APK file."""

    sha256: str
    size: int = 0
    package: str | None = None
    version_code: int | None = None
    version_name: str | None = None
    label: str | None = None
    min_sdk: int | None = None
    target_sdk: int | None = None
    permissions: tuple[str, ...] = ()
    components: tuple[Component, ...] = ()
    #: signer certificates (hex, lower case), one per signer
    cert_sha256: tuple[str, ...] = ()
    cert_sha1: tuple[str, ...] = ()
    cert_subjects: tuple[str, ...] = ()
    dex_files: tuple[str, ...] = ()
    class_count: int = 0
    string_count: int = 0
    #: tracker SDKs found by DEX namespace; one Hit per tracker per DEX file (first class),
    #: for at most `checks.hit_caps.MAX_FILES_PER_HIT` DEX files per tracker
    trackers: tuple[Hit, ...] = ()
    #: risk indicators (NCSC machinery, store redirects, hosts, ...), capped the same way
    indicators: tuple[Hit, ...] = ()
    #: hits left out by that cap (the same id found in more DEX files)
    hits_cut: int = 0
    #: knowledge-base version the hits were computed with (cache key part)
    kb_version: str = ""
    #: "could not inspect: <reason>" when inspection failed (other fields partial)
    error: str | None = None
    #: non-fatal remarks (e.g. "classes3.dex: bad string table, skipped")
    warnings: tuple[str, ...] = ()
    #: signer certificates' subject common names (CN) and organisations (O), one per
    #: signer ("" when absent): what a family rebuilt with a fresh key still shows
    cert_common_names: tuple[str, ...] = ()
    cert_organizations: tuple[str, ...] = ()
    #: stalkerware families recognised by certificate subject or by a host of theirs in
    #: the code (`checks.stalkerware_match`); package and SHA-1 matches are the check's
    stalkerware: tuple[Hit, ...] = ()
    #: code the APK carries that was not read, one "<location>: <reason>" each (over a
    #: cap, corrupt, an unknown DEX version, not a DEX): checks that need code are
    #: inconclusive for this app rather than clean
    unread_code: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.error is None

    def tracker_ids(self) -> frozenset[str]:
        return frozenset(h.id for h in self.trackers)

    def indicator_ids(self) -> frozenset[str]:
        return frozenset(h.id for h in self.indicators)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "ApkReport":
        """Inverse of `to_dict` (JSON round trip: lists back to tuples)."""
        d = dict(d)
        d["components"] = tuple(
            Component(**{**c, "actions": tuple(c.get("actions", ()))})
            for c in d.get("components", ())
        )
        for key in ("trackers", "indicators", "stalkerware"):
            d[key] = tuple(Hit(**h) for h in d.get(key, ()))
        for key in ("permissions", "cert_sha256", "cert_sha1", "cert_subjects", "dex_files", "warnings",
                    "cert_common_names", "cert_organizations", "unread_code"):
            d[key] = tuple(d.get(key, ()))
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in d.items() if k in known})


@dataclass(frozen=True)
class PackageApks:
    """The inspected APKs of one installed package (base first, then splits)."""

    package: str
    reports: tuple[ApkReport, ...] = field(default_factory=tuple)
    #: paths that could not be pulled or inspected, with the reason
    failures: tuple[tuple[str, str], ...] = ()

    @property
    def trackers(self) -> tuple[Hit, ...]:
        return tuple(h for r in self.reports for h in r.trackers)

    @property
    def indicators(self) -> tuple[Hit, ...]:
        return tuple(h for r in self.reports for h in r.indicators)

    @property
    def base(self) -> ApkReport | None:
        return self.reports[0] if self.reports else None
