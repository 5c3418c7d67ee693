"""Helpers shared by the checks: adb command strings for evidence, package predicates,
code-hit evidence, inspection coverage and the audit's notion of "now".

Everything here is pure: it reads a snapshot, APK reports and the knowledge base and
never talks to a phone. Strings from the phone are quoted with `shlex.quote` before
they go into a command line shown to the user.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Iterable

from model.apk_report import ApkReport, Hit, PackageApks
from model.audit_input import AuditInput
from model.findings import Evidence

#: partitions whose APKs came with the phone (the factory image)
_PREINSTALLED_PREFIXES = (
    "/system/",
    "/product/",
    "/vendor/",
    "/system_ext/",
    "/odm/",
    "/apex/",
    "/oem/",
    "/preload/",
    "/cust/",
    "/my_",  # OnePlus/Oppo partitions: /my_product, /my_heytap, ...
)

INTERNET = "android.permission.INTERNET"
INSTALL_PACKAGES = "android.permission.INSTALL_PACKAGES"
REQUEST_INSTALL_PACKAGES = "REQUEST_INSTALL_PACKAGES"
SEND_SMS = "android.permission.SEND_SMS"

#: settings namespace names as `settings get` wants them
NAMESPACES = ("global", "secure", "system")


def q(text: str) -> str:
    """Quote a phone-supplied string for a shell command line shown to the user."""
    return shlex.quote(str(text))


# --- adb command strings (what a technician can type to see the same fact) ---------

def cmd_getprop(key: str) -> str:
    return f"adb shell getprop {q(key)}"


def cmd_settings(namespace: str, key: str) -> str:
    return f"adb shell settings get {q(namespace)} {q(key)}"


def cmd_dumpsys_package(package: str) -> str:
    return f"adb shell dumpsys package {q(package)}"


def cmd_appops(package: str, op: str = "") -> str:
    return f"adb shell appops get {q(package)}" + (f" {q(op)}" if op else "")


def cmd_pull(path: str) -> str:
    return f"adb pull {q(path)}"


def cmd_code(path: str, dex: str, needle: str) -> str:
    """How to see one DEX string or type name of an APK with ordinary tools."""
    local = path.rsplit("/", 1)[-1] or "base.apk"
    return (
        f"adb pull {q(path)} && unzip -p {q(local)} {q(dex or 'classes.dex')} "
        f"| strings | grep -F {q(needle)}"
    )


# --- package predicates ------------------------------------------------------------

def is_preinstalled(pkg) -> bool:
    """Came with the phone: FLAG_SYSTEM, or its APK lives on a read-only partition."""
    if pkg.system:
        return True
    path = pkg.path or ""
    return path.startswith(_PREINSTALLED_PREFIXES)


def installs_apps(pkg) -> list[str]:
    """Why `pkg` can install other apps (empty when it cannot)."""
    why = []
    if pkg.appops.get(REQUEST_INSTALL_PACKAGES) == "allow":
        why.append("REQUEST_INSTALL_PACKAGES app op is allow")
    if pkg.holds(INSTALL_PACKAGES):
        why.append("holds INSTALL_PACKAGES")
    return why


def may_use_internet(pkg, apks: PackageApks | None = None) -> bool:
    """False only when the full permission list is known and lacks INTERNET."""
    known: set[str] = set(pkg.requested_permissions) | set(pkg.install_permissions)
    if apks is not None:
        for r in apks.reports:
            known.update(r.permissions)
    if not known:
        return True  # the phone did not say: assume it may
    return INTERNET in known


def package_of_component(component: str) -> str:
    """"pkg/.Cls" or "pkg/pkg.Cls" -> "pkg"."""
    return component.split("/", 1)[0].strip()


def label(pkg_name: str, apks: dict) -> str:
    """A package with its app label when the APK told us one: 'Security (com.miui...)'."""
    pa = apks.get(pkg_name)
    lab = pa.base.label if pa is not None and pa.base is not None else None
    return f"{lab} ({pkg_name})" if lab else pkg_name


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def names(items: Iterable[str], limit: int = 6) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    if len(items) <= limit:
        return ", ".join(items[:-1]) + " and " + items[-1]
    return ", ".join(items[:limit]) + f" and {len(items) - limit} more"


# --- code hits and their evidence ----------------------------------------------------

def reports_with_paths(pkg, apks: PackageApks) -> list[tuple[str, ApkReport]]:
    """Pair each APK report with the device path it was pulled from.

    Reports are base first, then splits, skipping paths listed as failures."""
    failed = {path for path, _ in apks.failures}
    paths = [p for p in (pkg.apk_paths if pkg is not None else ()) if p not in failed]
    out = []
    for i, r in enumerate(apks.reports):
        path = paths[i] if i < len(paths) else (pkg.path if pkg is not None and pkg.path else "base.apk")
        out.append((path, r))
    return out


def _needle(hit: Hit) -> str:
    # DEX stores type names as descriptors: Lcom/tencent/stat/StatService;
    return hit.value.replace(".", "/") if hit.kind == "class" else hit.value


def hit_evidence(pkg, apks: PackageApks, hit: Hit) -> Evidence:
    """Evidence for one code hit: the DEX entry of which APK, and how to see it."""
    path = next(
        (p for p, r in reports_with_paths(pkg, apks) if hit in r.trackers or hit in r.indicators),
        pkg.path if pkg is not None and pkg.path else "base.apk",
    )
    what = {"class": "class", "string": "string", "url": "URL", "host": "host"}.get(hit.kind, hit.kind)
    return Evidence(
        source=f"{hit.file or 'classes.dex'} of {apks.package} ({path})",
        detail=f"{hit.name}: {what} {hit.value}",
        command=cmd_code(path, hit.file, _needle(hit)),
    )


def first_per_id(hits: Iterable[Hit]) -> list[Hit]:
    """One hit per knowledge-base id (the first seen), order kept."""
    seen: set[str] = set()
    out = []
    for h in hits:
        if h.id not in seen:
            seen.add(h.id)
            out.append(h)
    return out


# --- inspection coverage -------------------------------------------------------------

@dataclass(frozen=True)
class Gap:
    """A package whose code could not be looked at, and why."""

    package: str
    reason: str


def inspection_gaps(inp: AuditInput, packages: Iterable) -> list[Gap]:
    """Which of `packages` were not (fully) inspected, with the reason."""
    gaps = []
    for p in packages:
        pa = inp.apks.get(p.name)
        if pa is None:
            gaps.append(Gap(p.name, "its APK was not inspected" if p.path else "the phone gave no APK path"))
            continue
        for path, reason in pa.failures:
            gaps.append(Gap(p.name, f"{path}: {reason}"))
        for r in pa.reports:
            if r.error:
                gaps.append(Gap(p.name, r.error))
        if not pa.reports and not pa.failures:
            gaps.append(Gap(p.name, "no APK report"))
    return gaps


def gap_evidence(gaps: list[Gap], limit: int = 20) -> list[Evidence]:
    ev = [
        Evidence("APK inspection", f"{g.package}: {g.reason}", cmd_dumpsys_package(g.package))
        for g in gaps[:limit]
    ]
    if len(gaps) > limit:
        ev.append(Evidence("APK inspection", f"and {len(gaps) - limit} more packages not inspected"))
    return ev


def incomplete_evidence(snapshot) -> list[Evidence]:
    """Evidence that the capture stopped early (the package list may be partial)."""
    if snapshot.complete:
        return []
    where = "; ".join(f"{p.command}: {p.reason}" for p in snapshot.problems[:3]) or "no detail"
    return [Evidence("audit", f"collection stopped early ({where})")]


def gaps_sentence(gaps: list[Gap], snapshot) -> str:
    parts = []
    if gaps:
        parts.append(f"the code of {plural(len({g.package for g in gaps}), 'app')} could not be inspected "
                     f"({names(sorted({g.package for g in gaps}), 3)})")
    if not snapshot.complete:
        parts.append("the audit stopped before reading everything")
    return " and ".join(parts)


# --- time ----------------------------------------------------------------------------

def audit_date(snapshot) -> date:
    """"Now" for date checks: when the snapshot was collected (so a capture re-analysed
    later gives the same verdict); today's UTC date only if the snapshot lacks it."""
    raw = getattr(snapshot, "collected_at", None)
    if raw:
        parsed = parse_datetime(raw)
        if parsed is not None:
            return parsed.date()
    return datetime.now(timezone.utc).date()


def parse_datetime(text: str) -> datetime | None:
    text = text.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def parse_date(text: str | None) -> date | None:
    """"2020-11-01" -> date; None for anything else (never raises)."""
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


def ms_to_iso(ms: str | None) -> str | None:
    """Epoch milliseconds as the SMS provider gives them -> ISO date-time (UTC)."""
    try:
        return datetime.fromtimestamp(int(ms) / 1000, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    except (TypeError, ValueError, OverflowError, OSError):
        return None


# --- references used by several checks ------------------------------------------------

#: the Lithuanian NKSC assessment (2021-08-23), archived copy
NKSC_REPORT = (
    "https://web.archive.org/web/20210922130630/"
    "https://www.nksc.lt/doc/en/analysis/2021-08-23_5G-CN-analysis_env3.pdf"
)
REGISTER_2021 = "https://www.theregister.com/2021/09/22/xiaomi_phone_handset_censorship_lithuania/"
EXODUS_TRACKERS = "https://reports.exodus-privacy.eu.org/en/trackers/"
STALKERWARE_IOC = "https://github.com/AssoEchap/stalkerware-indicators"
ADB_DOCS = "https://developer.android.com/tools/adb"
PM_DISABLE_NOTE = (
    "Disabling is reversible (`adb shell pm enable PACKAGE`) and may break features that "
    "depend on the app; a factory reset re-enables every pre-installed app, and system "
    "updates may too."
)


def indicator_group(hit: Hit, knowledge) -> str:
    """The indicator group of a hit: its own `category`, else the knowledge base's."""
    if hit.category:
        return hit.category
    for ind in getattr(knowledge, "indicators", ()) or ():
        if ind.id == hit.id:
            return ind.group
    return ""


def hits_in_group(apks: PackageApks | None, group: str, knowledge) -> list[Hit]:
    if apks is None:
        return []
    return [h for h in apks.indicators if indicator_group(h, knowledge) == group]


def installed_by(snapshot, installer: str) -> list[str]:
    """Packages whose recorded installer is `installer`."""
    return sorted(p.name for p in snapshot.packages if p.installer == installer)


def display(pkg_name: str, apks: dict) -> str:
    """What to call an app in a summary: its label from the APK ("Mi Browser"), else
    the package name. Subjects and evidence keep the package name."""
    pa = apks.get(pkg_name)
    lab = pa.base.label if pa is not None and pa.base is not None else None
    lab = (lab or "").strip()
    return lab if lab and len(lab) <= 60 else pkg_name


def displays(pkg_names: Iterable[str], apks: dict, limit: int = 6) -> str:
    return names([display(n, apks) for n in pkg_names], limit)


def verb(n: int, one: str, many: str) -> str:
    """Agreement: verb(1, "carries", "carry") -> "carries"."""
    return one if n == 1 else many
