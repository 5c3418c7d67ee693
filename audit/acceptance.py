"""Accepted findings: which stored acceptance holds for which finding, and how a person
gives or withdraws one (the `accept` command and the app's finding screen).

A person accepts a failed or warned finding for one phone with a reason (an employer's
device administrator the owner knows about). The acceptance keeps the finding's
fingerprint: its status, its subjects and its evidence. A later audit of the same
phone marks the finding "accepted" only while that fingerprint is unchanged; once the
finding differs (another administrator package, a second sideloaded app, fail where
it warned) the acceptance no longer holds and the finding says so ("changed").

An acceptance never changes a status: an accepted warning is still a warning (never
shown as a pass). What it changes is what a person is asked to act on: the verdict and
the actions leave it out and say how many were accepted, and `--fail-on` / the exit code
do not count it (audit/ranking.py, audit/exit_codes.py, docs/scores.md).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any, Iterable

from model.findings import Finding

#: statuses a person can accept (a pass or an N/A has nothing to accept; an
#: inconclusive finding was not judged, so there is nothing known to accept)
ACCEPTABLE = ("fail", "warn")


def fingerprint(finding: dict[str, Any]) -> str:
    """What an acceptance holds for: the status, the subjects (in any order) and the
    evidence lines (source and detail) of a finding, as a SHA-256."""
    shape = {
        "status": finding.get("status"),
        "subjects": sorted(str(s) for s in finding.get("subjects", ())),
        "evidence": [[str(e.get("source", "")), str(e.get("detail", ""))]
                     for e in finding.get("evidence", ())],
        "evidence_cut": int(finding.get("evidence_cut", 0) or 0),
    }
    return hashlib.sha256(json.dumps(shape, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def is_accepted(finding: dict[str, Any]) -> bool:
    """Whether a finding (report dict) is failed or warned and accepted for this phone."""
    acc = finding.get("acceptance") or {}
    return acc.get("state") == "accepted" and finding.get("status") in ACCEPTABLE


def annotation(finding: dict[str, Any], acc: dict[str, Any] | None) -> dict[str, Any] | None:
    """The `acceptance` a finding gets from the stored acceptance of its check."""
    if acc is None or finding.get("status") not in ACCEPTABLE:
        return None
    state = "accepted" if acc.get("fingerprint") == fingerprint(finding) else "changed"
    out = {"state": state, "reason": acc.get("reason"), "by": acc.get("by"), "at": acc.get("at")}
    if state == "changed":
        out["accepted_status"] = acc.get("status")
    return out


def annotate(findings: Iterable[Finding], acceptances: Iterable[dict[str, Any]]) -> list[Finding]:
    """The findings with the phone's stored acceptances applied (and any older
    annotation replaced)."""
    by_check = {a["check"]: a for a in acceptances}
    return [dataclasses.replace(f, acceptance=annotation(f.to_dict(), by_check.get(f.check)))
            for f in findings]


def describe(acc: dict[str, Any]) -> str:
    """One line about an acceptance for a person: "accepted 2026-12-01 by Ana: reason"
    or why it no longer holds. The reason and the name are a person's text, not the
    phone's, but still shown through the caller's escaping."""
    when = str(acc.get("at") or "")[:10]
    by = f" by {acc['by']}" if acc.get("by") else ""
    if acc.get("state") == "accepted":
        return f"accepted {when}{by}: {acc.get('reason')}"
    return (f"was accepted {when}{by} ({acc.get('reason')}), but the finding has changed "
            "since, so it is no longer accepted")


# -- with the store ---------------------------------------------------------------------


async def apply_stored(store: Any, device_key: str, findings: list[Finding]) -> list[Finding]:
    """The findings of a new audit of the phone `device_key`, with its acceptances."""
    if not device_key:
        return findings
    return annotate(findings, await store.list_acceptances(device_key))


async def _audit_and_key(store: Any, audit_id: int) -> tuple[dict[str, Any], str]:
    report = await store.get_audit(audit_id)
    if report is None:
        raise LookupError(f"no audit {audit_id}")
    d = report.get("device") or {}
    return report, str(d.get("serial") or d.get("adb_serial") or "")


async def _reannotate(store: Any, audit_id: int, report: dict[str, Any], key: str,
                      check: str) -> dict[str, Any]:
    """Store the audit's finding of `check` again with the acceptance now in force."""
    finding = next(Finding.from_dict(f) for f in report["findings"] if f["check"] == check)
    new = annotate([finding], await store.list_acceptances(key))[0]
    await store.update_finding(audit_id, json.dumps(new.to_dict(), ensure_ascii=False), check)
    return new.to_dict()


async def accept(store: Any, audit_id: int, check: str, reason: str,
                 by: str | None = None) -> dict[str, Any]:
    """Accept the finding of `check` seen in audit `audit_id`, for that phone.
    Returns the finding (report dict) as now stored. Raises LookupError (no such audit
    or check) or ValueError (not failed or warned; no reason)."""
    report, key = await _audit_and_key(store, audit_id)
    f = next((x for x in report["findings"] if x["check"] == check), None)
    if f is None:
        raise LookupError(f"audit {audit_id} has no check {check}")
    if f["status"] not in ACCEPTABLE:
        raise ValueError(f"{check} is {f['status']}: only a failed or warned finding can be accepted")
    if not str(reason or "").strip():
        raise ValueError("an acceptance needs a reason")
    await store.accept_finding(key, check, status=f["status"], fingerprint=fingerprint(f),
                               reason=reason, by=by, audit_id=audit_id)
    return await _reannotate(store, audit_id, report, key, check)


async def withdraw(store: Any, audit_id: int, check: str) -> tuple[bool, dict[str, Any] | None]:
    """Withdraw the phone's acceptance of `check` (the phone of audit `audit_id`);
    returns whether there was one and the audit's finding as now stored."""
    report, key = await _audit_and_key(store, audit_id)
    found = await store.withdraw_acceptance(key, check)
    if not any(x["check"] == check for x in report["findings"]):
        return found, None
    return found, await _reannotate(store, audit_id, report, key, check)


def default_by() -> str | None:
    """Who accepts, when not said: the configured technician, else the login name."""
    from store.settings import bench_identity

    technician = bench_identity()[1]
    if technician:
        return technician
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no login name (a container without one)
        return None
