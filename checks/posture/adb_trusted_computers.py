"""os.adb-trusted-computers: the computers this phone trusts for USB debugging.

Every computer a user ever tapped "Always allow from this computer" for keeps full adb
access: it can install apps and read what this audit reads, without asking again. The
phone lists them in `dumpsys adb` (Android 10+), by key; the key of the computer running
the audit is expected there, so it is told apart by its fingerprint (adb.host_key).
"""

from __future__ import annotations

from dataclasses import replace

from checks.dates import ms_to_iso
from checks.needs import unread
from checks.references import ADB_DOCS
from model.audit_input import AuditInput
from model.findings import CheckMeta, Evidence, Finding, Severity, Status, finding
from model.snapshot import AdbKey

META = CheckMeta(
    # not declared: `dumpsys adb` does not exist before Android 10, where this check is
    # not applicable rather than undecided; `evaluate` names the fact itself otherwise
    needs=(),
    apk_scope="none",
    id="os.adb-trusted-computers",
    title="Computers trusted for USB debugging",
    category="os",
    severity=Severity.MEDIUM,
    looks_at=(
        "The keys of the computers the phone trusts for USB debugging (`dumpsys adb`, "
        "Android 10+), by fingerprint, with the time each last connected where the phone "
        "keeps it (Android 11+), compared with this computer's own key (~/.android/adbkey.pub)."
    ),
    why=(
        "A computer trusted for debugging can install apps and copy data from the phone "
        "whenever it is plugged in, without asking again. A computer you do not know there "
        "(a repair shop's, a former partner's) keeps that access until it is revoked."
    ),
    remediation=(
        "Settings > System > Developer options > Revoke USB debugging authorisations. Every "
        "computer then has to be allowed again on the phone's screen; allow only your own. "
        "Turn off USB debugging when you do not need it."
    ),
    references=(ADB_DOCS + "#Enabling",),
)

CMD = "adb shell dumpsys adb"
FACT = "dumpsys adb"
#: Android 10: AdbService (and its dump) moved out of the USB service
ADB_SERVICE_SDK = 29


def _evidence(key: AdbKey, ours: bool) -> Evidence:
    when = ms_to_iso(key.last_connection) if key.last_connection else None
    who = "this computer (the one running the audit)" if ours else "another computer"
    tail = f", last connected {when}" if when else ""
    return Evidence("dumpsys adb", f"key {key.fingerprint}: {who}{tail}", CMD)


def evaluate(inp: AuditInput) -> Finding:
    result = _judge(inp)
    fact = (getattr(inp.snapshot, "facts", None) or {}).get(FACT)
    # a cut or partly refused dump may still show other computers (a WARN stands on what
    # was read), but "none" or "only this one" over a part of the list is no answer
    if result.status == Status.PASS and fact is not None and not fact.read:
        return replace(finding(META, Status.INCONCLUSIVE,
                               "Could not decide: the list of computers trusted for USB debugging was "
                               f"not read whole (dumpsys adb: {fact.why}).", evidence=list(result.evidence)),
                       missing=tuple(unread(inp, FACT)))
    return result


def _judge(inp: AuditInput) -> Finding:
    snap = inp.snapshot
    keys = snap.adb_keys
    if keys is None:
        fact = (getattr(snap, "facts", None) or {}).get(FACT)
        sdk = snap.device.sdk
        # "no such service" is believed only from an Android that has none: a phone that
        # says Android 10+ and has no adb service is hiding it, not unsupported
        if fact is not None and fact.state == "unsupported" and (sdk is None or sdk < ADB_SERVICE_SDK):
            return finding(META, Status.NOT_APPLICABLE,
                           "This Android has no adb service to list the computers it trusts for USB "
                           "debugging (`dumpsys adb` exists from Android 10), so they are not known: "
                           "not supported, not a pass.",
                           evidence=[Evidence("dumpsys adb", fact.detail or "not supported", CMD)])
        result = finding(META, Status.INCONCLUSIVE,
                         "Could not decide: the computers trusted for USB debugging were not read "
                         f"(dumpsys adb: {fact.why if fact is not None else 'not read'}).")
        return replace(result, missing=tuple(unread(inp, FACT))) if fact is not None else result
    host = snap.host_adb_key
    if not keys:
        return finding(META, Status.PASS,
                       "No computer's key is kept as trusted for USB debugging (this one is "
                       "allowed for this session only, or the phone does not ask).")
    if host is None:
        evidence = [_evidence(k, False) for k in keys]
        if len(keys) == 1:
            return finding(META, Status.INCONCLUSIVE,
                           f"One computer is trusted for USB debugging ({keys[0].fingerprint}); "
                           "phone-audit cannot tell whether it is this one: this computer's adb key "
                           "(~/.android/adbkey.pub) could not be read.", evidence=evidence)
        return finding(META, Status.WARN,
                       f"{len(keys)} computers are trusted for USB debugging, so at least "
                       f"{len(keys) - 1} other than this one; phone-audit cannot tell which one is "
                       "this computer (its adb key, ~/.android/adbkey.pub, could not be read).",
                       subjects=[k.fingerprint for k in keys], evidence=evidence)
    others = [k for k in keys if k.fingerprint != host]
    evidence = [_evidence(k, k.fingerprint == host) for k in keys]
    if others:
        n = len(others)
        return finding(META, Status.WARN,
                       f"{n} other computer{'s are' if n != 1 else ' is'} trusted for USB debugging "
                       "besides this one: it can use adb on this phone without asking again.",
                       subjects=[k.fingerprint for k in others], evidence=evidence)
    return finding(META, Status.PASS,
                   "Only this computer is trusted for USB debugging.", evidence=evidence)
