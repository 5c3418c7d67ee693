"""Types of the knowledge base: what is known about trackers, risk indicators,
stalkerware, stores and vendor services. Data lives in the TOML/JSON files beside this
module, each entry with its source; `checks.knowledge.load()` reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Tracker:
    """A tracker SDK recognised by DEX namespace (Exodus Privacy facts)."""

    id: str  # "tracker.tencent-stats"
    name: str  # "Tencent Stats"
    #: Exodus-style categories: "analytics", "advertisement", "crash-reporting",
    #: "profiling", "identification", "location"
    categories: tuple[str, ...]
    #: class-name prefixes, dotted: "com.tencent.stat." matches com.tencent.stat.StatService
    namespaces: tuple[str, ...]
    #: hosts it reports to, where known
    hosts: tuple[str, ...] = ()
    #: who runs it: "tencent", "xiaomi", "huawei", "google", "sensorsdata", "baidu", ...
    vendor: str = ""
    #: reports app-activity statistics (the NCSC "statistics to Tencent" kind)
    statistics: bool = False
    website: str = ""
    #: the main source of the entry (an Exodus tracker page, an SDK's documentation)
    source: str = ""
    #: class-name fragments matched anywhere in a class name (Exodus signatures that
    #: begin with a dot, such as ".tealium."); most trackers have none
    contains: tuple[str, ...] = ()
    #: class-name prefixes that do not count as this tracker even though a namespace
    #: covers them (a narrowing after false reports)
    excludes: tuple[str, ...] = ()
    #: other ids this tracker has been known by (an upstream rename keeps the old id)
    aliases: tuple[str, ...] = ()
    #: "YYYY-MM-DD" the upstream list dropped the entry; kept so old ids resolve, never matched
    withdrawn: str = ""
    #: the tracker's page: what it is for and what it collects, in plain words
    description: str = ""
    collects: str = ""
    company: str = ""
    #: every source the entry's facts come from
    sources: tuple[str, ...] = ()
    #: number of the tracker in the Exodus Privacy list, where it is there
    exodus_id: int = 0


@dataclass(frozen=True)
class Indicator:
    """A risk indicator looked for in DEX strings and type names."""

    id: str  # "ncsc.miad-blacklist-config"
    name: str
    #: "censorship" | "store-redirect" | "vendor-telemetry" | ...
    group: str
    #: "string" (exact DEX string), "substring" (contained in a DEX string),
    #: "class" (type-name prefix, dotted), "url" / "host" (contained in a DEX string)
    kind: str
    patterns: tuple[str, ...]
    source: str = ""
    note: str = ""


@dataclass(frozen=True)
class StalkerwareApp:
    """One stalkerware family from the AssoEchap indicators (CC-BY-4.0)."""

    name: str
    packages: tuple[str, ...]
    #: signing-certificate SHA-1s, upper-case hex
    certificates: tuple[str, ...] = ()
    websites: tuple[str, ...] = ()
    type: str = "stalkerware"
    #: other names the family is sold under
    names: tuple[str, ...] = ()
    #: regular expressions over the signing certificate's subject common name
    #: (upstream `certificate_cname_re`: a per-customer build signed by a fresh key
    #: whose name follows the vendor's pattern)
    certificate_subject_patterns: tuple[str, ...] = ()
    #: signing-certificate subject organisations (O=) the family's builds carry
    certificate_organizations: tuple[str, ...] = ()
    #: hosts the family is downloaded from
    distribution: tuple[str, ...] = ()
    #: command-and-control hosts and IP addresses its code talks to
    c2_domains: tuple[str, ...] = ()
    c2_ips: tuple[str, ...] = ()


@dataclass(frozen=True)
class Store:
    """An app store or installer package."""

    package: str
    name: str
    #: "official" (Play), "vendor" (AppGallery, GetApps, Galaxy Store, ...),
    #: "third-party" (APKPure, Aptoide, ...), "installer" (the platform's own installer UI)
    kind: str
    source: str = ""


@dataclass(frozen=True)
class VendorSmsService:
    """A vendor SIM-activation or cloud service known to register the number by SMS."""

    package: str
    vendor: str  # "xiaomi"
    role: str  # "sim-activation" | "cloud" | "account"
    #: account type that means "signed in to the vendor" in `dumpsys account`
    account_type: str = ""
    source: str = ""


@dataclass(frozen=True)
class Knowledge:
    """The whole knowledge base, as loaded."""

    #: content hash of the data files: part of the APK cache key
    version: str
    trackers: tuple[Tracker, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    stalkerware: tuple[StalkerwareApp, ...] = ()
    stores: tuple[Store, ...] = ()
    #: third-party distribution platforms (APKPure, APKMonk, Aptoide, ...): name -> hosts
    distribution_platforms: tuple[tuple[str, tuple[str, ...]], ...] = ()
    vendor_sms_services: tuple[VendorSmsService, ...] = ()
    #: package names of known browsers (pre-installed or not)
    browsers: tuple[str, ...] = ()
    #: packages that root a phone or hide root (Magisk, SuperSU, ...)
    root_packages: tuple[str, ...] = ()
    #: hosts some stalkerware talks to that ordinary apps use too (an analytics SDK, a
    #: packer's service): never enough alone to name a family
    shared_hosts: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict)

    def tracker(self, tracker_id: str) -> Tracker | None:
        """The tracker with this id, or with this id among its aliases."""
        return next((t for t in self.trackers if t.id == tracker_id), None) or next(
            (t for t in self.trackers if tracker_id in t.aliases), None)

    @property
    def active_trackers(self) -> tuple[Tracker, ...]:
        """The trackers matched against APKs: all but the withdrawn ones."""
        return tuple(t for t in self.trackers if not t.withdrawn)

    def store(self, package: str) -> Store | None:
        return next((s for s in self.stores if s.package == package), None)
