"""Activity evidence per app: is a risky app that is present also used, and does it talk?

A check's status stands on presence (the code, the permission, the set-up). This module
adds, apart from it, what Android itself records of each named package:

- network use: bytes received and sent by its uid (`dumpsys netstats detail`) and the
  start of the last bucket with traffic;
- last use (`dumpsys usagestats`), the roles it holds (`cmd role get-role-holders`), and
  when it last used the SEND_SMS app op (`appops get PKG SEND_SMS`);

and says one of:

- "present and active": some of it shows use (traffic, a last use, an SMS sent); what
  was seen stands even if another source could not be read;
- "present and dormant": network use and last use were both read, and show neither;
- "present; activity unknown": a source needed to say dormant was not read (refused, cut,
  timed out, ...) and nothing else showed use. The missing facts are named. A refused
  `dumpsys netstats` is never "no traffic".

The activity facts are no check's `needs` (`adb.ledger.ACTIVITY_KEYS`): an unread one
changes the activity line only, never a verdict. `annotate` is applied by
`checks.registry.run_one` to the checks of `ACTIVITY_CHECKS`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

from adb import ledger
from adb.parsers import commands as C
from adb.parsers.roles import ROLES
from model.audit_input import AuditInput
from model.findings import Finding, PackageActivity, Status
from model.snapshot import DeviceSnapshot, PackageInfo

#: the checks whose verdicts gain an activity line: the NCSC risks and the trackers
ACTIVITY_CHECKS = frozenset({
    "ncsc.appgallery-redirect", "ncsc.tencent-statistics", "ncsc.cloud-sms-registration",
    "ncsc.censorship-list", "ncsc.browser-analytics", "apps.trackers",
})
#: packages given an activity entry per finding at most (the rest are counted in words)
MAX_PACKAGES = 50
#: packages named one by one in a summary; more are counted
NAMED_IN_SUMMARY = 3

ACTIVE, DORMANT, UNKNOWN = "active", "dormant", "unknown"
WORDS = {ACTIVE: "present and active", DORMANT: "present and dormant", UNKNOWN: "present; activity unknown"}


def _bytes(n: int) -> str:
    for unit, size in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} bytes"


def _utc(epoch: int | None) -> str | None:
    if epoch is None:
        return None
    try:
        return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    except (OverflowError, OSError, ValueError):
        return None


def _unread(snap: DeviceSnapshot, key: str) -> dict | None:
    """The ledger row of an activity fact that was not read, or None when read (or when
    the snapshot has no ledger: made by hand in a test, it says what it says)."""
    facts = getattr(snap, "facts", None) or {}
    fact = facts.get(key)
    if not facts:
        return None
    if fact is None:
        return {"fact": key, "state": "not_reached", "command": "", "detail": "not in the ledger"}
    return None if fact.read else fact.to_dict()


def _uid_index(snap: DeviceSnapshot) -> dict[int, list[str]]:
    """uid -> the packages of that uid, built once per finding (a phone may list 50,000)."""
    out: dict[int, list[str]] = {}
    for q in snap.packages:
        if q.uid is not None:
            out.setdefault(q.uid, []).append(q.name)
    return out


def package_activity(snap: DeviceSnapshot, p: PackageInfo,
                     by_uid: dict[int, list[str]] | None = None) -> PackageActivity:
    """The activity of one package, from the snapshot's activity facts and ledger."""
    act = snap.activity
    missing: list[dict] = []
    net_missing = _unread(snap, ledger.NETSTATS)
    if net_missing is None and act.network.cut:
        net_missing = {"fact": ledger.NETSTATS, "state": "truncated",
                       "command": "adb shell " + C.line(C.DUMPSYS_NETSTATS),
                       "detail": "longer than the parser reads: later uids were not seen"}
    use_missing = _unread(snap, ledger.USAGESTATS)
    asks_sms = "android.permission." + C.SEND_SMS_OP in p.requested_permissions
    sms_missing = _unread(snap, ledger.SMS_OPS) if asks_sms else None

    traffic = act.network.by_uid.get(p.uid) if p.uid is not None else None
    moved = traffic is not None and (traffic.rx_bytes or traffic.tx_bytes)
    used = act.usage.get(p.name)
    sms = act.sms_ops.get(p.name)
    roles = tuple(ROLES[r] for r, holders in act.roles.items() if r in ROLES and p.name in holders)
    if by_uid is None:
        by_uid = _uid_index(snap)
    shared = tuple(sorted(n for n in by_uid.get(p.uid, ()) if n != p.name)) if p.uid is not None else ()

    parts: list[str] = []
    window = act.network.window
    if moved:
        at_least = "at least " if act.network.omitted else ""
        parts.append(f"received {at_least}{_bytes(traffic.rx_bytes)} and sent {_bytes(traffic.tx_bytes)} "
                     f"({window}), last talked in the bucket from {_utc(traffic.last_active)}")
    elif net_missing is None and p.uid is not None:
        parts.append(f"no network traffic ({window})")
    if used is not None:
        parts.append(f"last used {used.last_used} (the phone's time)")
    elif use_missing is None:
        parts.append("not used in the history the phone keeps")
    if sms is not None and sms.last_access:
        # the phone's own words, relative to the audit; the JSON has the time (`sms_last_sent`)
        parts.append(f"last used SEND_SMS {sms.last_access}, before the audit")
    bucket = act.standby.get(p.name)
    if bucket:
        parts.append(f"App Standby bucket: {bucket}")
    if roles:
        parts.append("it is your " + " and ".join(roles))
    if shared:
        parts.append(f"its uid {p.uid} is shared with {len(shared)} other package"
                     f"{'s' if len(shared) != 1 else ''}: the traffic is theirs together")

    if moved or used is not None or (sms is not None and sms.last_access):
        state = ACTIVE
    else:
        missing = [m for m in (net_missing, use_missing, sms_missing) if m is not None]
        if p.uid is None:
            missing.append({"fact": "uid", "state": "not_reached",
                            "command": "adb shell " + C.line(C.PM_LIST_VARIANTS[0]),
                            "detail": "the package list gave no uid, so its traffic cannot be found"})
        state = DORMANT if not missing else UNKNOWN
    if missing:
        parts.append("not read: " + ", ".join(f"{m['fact']} ({m['state'].replace('_', ' ')})" for m in missing))

    commands = ["adb shell " + C.line(C.DUMPSYS_NETSTATS), "adb shell " + C.line(C.DUMPSYS_USAGESTATS)]
    commands += ["adb shell " + C.line(q) for q in C.ROLE_QUERIES]
    if asks_sms:
        commands.append("adb shell " + C.line(C.appops_get(p.name, C.SEND_SMS_OP)))
    return PackageActivity(
        package=p.name, state=state, words=WORDS[state],
        detail=f"{p.name}: {WORDS[state]}" + (": " + "; ".join(parts) if parts else "") + ".",
        rx_bytes=traffic.rx_bytes if traffic is not None else (0 if net_missing is None and p.uid is not None else None),
        tx_bytes=traffic.tx_bytes if traffic is not None else (0 if net_missing is None and p.uid is not None else None),
        last_network=_iso(traffic.last_active) if traffic is not None else None,
        last_used=used.last_used if used is not None else None,
        roles=roles, standby_bucket=bucket, sms_last_sent=_iso(sms.at) if sms is not None and sms.last_access and sms.at else None,
        shares_uid_with=shared[:20], commands=tuple(commands), missing=tuple(missing),
    )


def _iso(epoch: int | None) -> str | None:
    if epoch is None:
        return None
    try:
        return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return None


def sentence(acts: list[PackageActivity], more: int = 0) -> str:
    """The activity line of a summary: each package when few, else counts."""
    if not acts:
        return ""
    if len(acts) <= NAMED_IN_SUMMARY and not more:
        return "Activity (apart from the verdict): " + " ".join(a.detail for a in acts)
    counts = {s: [a.package for a in acts if a.state == s] for s in (ACTIVE, DORMANT, UNKNOWN)}
    bits = []
    for s in (ACTIVE, DORMANT, UNKNOWN):
        names = counts[s]
        if names:
            shown = ", ".join(names[:NAMED_IN_SUMMARY]) + (", ..." if len(names) > NAMED_IN_SUMMARY else "")
            bits.append(f"{len(names)} {WORDS[s]} ({shown})")
    tail = f"; {more} more not shown" if more else ""
    return "Activity (apart from the verdict): " + "; ".join(bits) + tail + "."


def annotate(result: Finding, inp: AuditInput) -> Finding:
    """The finding with the activity of the packages it names, when it is one of
    `ACTIVITY_CHECKS` and says a risk is present (fail or warn). The status, severity and
    everything else stay as they are; the summary gains one activity sentence."""
    if result.check not in ACTIVITY_CHECKS or result.status not in (Status.FAIL, Status.WARN):
        return result
    snap = inp.snapshot
    index = {p.name: p for p in snap.packages}
    pkgs = [index[s] for s in result.subjects if s in index]
    if not pkgs:
        return result
    by_uid = _uid_index(snap)
    acts = [package_activity(snap, p, by_uid) for p in pkgs[:MAX_PACKAGES]]
    line = sentence(acts, more=max(len(pkgs) - MAX_PACKAGES, 0))
    return replace(result, activity=tuple(acts), summary=f"{result.summary} {line}")
