"""Inspection coverage: which packages' code could not be looked at, and the
evidence and sentence that say so (a check that needs it is then inconclusive).

Pure: nothing here talks to a phone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from checks.commands import cmd_dumpsys_package
from checks.wording import names, plural
from model.audit_input import AuditInput
from model.findings import Evidence


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
            elif r.unread_code:
                # code it carries was not read: what hides there was not looked at
                more = f" and {len(r.unread_code) - 1} more" if len(r.unread_code) > 1 else ""
                gaps.append(Gap(p.name, f"code not read: {r.unread_code[0]}{more}"))
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
