"""Provisional verdicts of the APK-dependent checks while the APKs are read (issue 20).

While the APK stage runs, the runner takes a copy of what it has learnt so far
(`Seen.of`, on the event loop: a few dict copies) and judges the checks whose
`apk_scope` is not "none" on it in a thread (`judge`). A check the reports read so far
already show failing is shown as FAIL with its evidence (a FAIL stands on what was
read: `checks.needs`); every other check is "checking: n of m APKs inspected". Nothing
here can say PASS: the APKs not yet settled are given to the checks as "not reached",
so a check that would pass is inconclusive, and anything but a FAIL is shown as
"checking". Only shown: the stored findings are those the runner judges after the APK
stage.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from adb import ledger
from adb.progress import Provisional
from model.apk_report import ApkReport, PackageApks
from model.findings import Status
from model.snapshot import DeviceSnapshot, PackageInfo

#: seconds between two provisional judgements (only when an APK was settled since)
INTERVAL = 1.0


@dataclass(frozen=True)
class Seen:
    """A copy of the APK stage's results at one moment (`audit.apk_pipeline.ApkResults`)."""

    hashes: dict[str, str]
    hash_errors: dict[str, str]
    reports: dict[str, ApkReport]
    errors: dict[str, str]

    @classmethod
    def of(cls, results: Any) -> "Seen":
        # taken on the event loop, where the APK stage writes these dicts
        return cls(dict(results.hashes), dict(results.hash_errors), dict(results.reports),
                   dict(results.errors))

    def settled(self, path: str) -> bool:
        """The APK at `path` is inspected, or known not to be readable."""
        if path in self.hash_errors:
            return True
        sha = self.hashes.get(path)
        return sha is not None and (sha in self.reports or sha in self.errors)

    def count(self, packages: list[PackageInfo]) -> int:
        return sum(1 for p in packages for path in p.apk_paths if self.settled(path))


def _inputs(seen: Seen, snapshot: DeviceSnapshot, packages: list[PackageInfo]):
    """Per package its reports so far, and its APK state: "read" only once every APK of
    it has a report; "not_reached" while any is pending; out of scope "skipped"."""
    apks: dict[str, PackageApks] = {}
    states: dict[str, str] = {}
    for pkg in packages:
        reports, failures = [], []
        for path in pkg.apk_paths:
            sha = seen.hashes.get(path)
            if sha is not None and sha in seen.reports:
                reports.append(seen.reports[sha])
            elif path in seen.hash_errors:
                failures.append((path, seen.hash_errors[path]))
            elif sha is not None and sha in seen.errors:
                failures.append((path, seen.errors[sha]))
        apks[pkg.name] = PackageApks(pkg.name, tuple(reports), tuple(failures))
        states[pkg.name] = ledger.READ if len(reports) == len(pkg.apk_paths) else ledger.NOT_REACHED
    in_scope = set(states)
    for pkg in snapshot.packages:
        if pkg.apk_paths and pkg.name not in in_scope:
            states[pkg.name] = ledger.SKIPPED
    return apks, states


def judge(seen: Seen, snapshot: DeviceSnapshot, packages: list[PackageInfo],
          knowledge: Any) -> tuple[Provisional, ...]:
    """Every APK-dependent check, provisionally (see the module docstring). Blocking:
    run it in a thread."""
    from checks.registry import CHECKS, run_one
    from model.audit_input import AuditInput

    apks, states = _inputs(seen, snapshot, packages)
    inp = AuditInput(snapshot, apks, knowledge, apk_states=states)
    third = [p for p in packages if not p.system]
    counts = {"all": (seen.count(packages), sum(len(p.apk_paths) for p in packages)),
              "third-party": (seen.count(third), sum(len(p.apk_paths) for p in third))}
    out: list[Provisional] = []
    for module in CHECKS:
        meta = module.META
        if meta.apk_scope == "none":
            continue
        done, total = counts.get(meta.apk_scope, counts["all"])
        found = run_one(module, inp)
        if found.status is Status.FAIL:
            out.append(Provisional(meta.id, meta.title, "fail", done, total, found))
        else:
            # a PASS (or anything short of a FAIL) waits for every APK it needs
            out.append(Provisional(meta.id, meta.title, "checking", done, total))
    return tuple(out)
