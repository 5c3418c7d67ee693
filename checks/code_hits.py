"""Code hits (tracker and indicator matches in an APK's DEX) and the evidence that
names the APK, the DEX file and how to see the entry with ordinary tools.

Pure: nothing here talks to a phone.
"""

from __future__ import annotations

from typing import Iterable

from checks.commands import cmd_code
from model.apk_report import ApkReport, Hit, PackageApks
from model.findings import Evidence


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
