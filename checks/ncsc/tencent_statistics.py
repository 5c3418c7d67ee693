"""ncsc.tencent-statistics: pre-installed apps carrying a Tencent statistics/analytics SDK.

The NCSC found Xiaomi system apps sending statistics on the use of other apps to Tencent
cloud servers. The check looks for the SDK (Tencent Stats, MTA, Beacon, ...) in the code
of every pre-installed app that may use the internet, on any brand.
"""

from __future__ import annotations

from checks.code_hits import first_per_id, hit_evidence
from checks.commands import cmd_dumpsys_package
from checks.coverage import gap_evidence, gaps_sentence, incomplete_evidence, inspection_gaps
from checks.packages import is_preinstalled, may_use_internet
from checks.references import EXODUS_TRACKERS, NKSC_REPORT, PM_DISABLE_NOTE
from checks.wording import displays, plural, verb
from model.audit_input import AuditInput
from model.findings import CheckMeta, Evidence, Finding, Severity, Status, finding

META = CheckMeta(
    needs=('pm list packages',),
    apk_scope='all',
    id="ncsc.tencent-statistics",
    title="Pre-installed apps with Tencent statistics code",
    category="ncsc",
    severity=Severity.MEDIUM,
    looks_at=(
        "The code (DEX class names) of every pre-installed app that may use the internet, "
        "for Tencent statistics and analytics SDKs (Tencent Stats / MTA, Beacon), and the "
        "hosts those SDKs report to."
    ),
    why=(
        "The NCSC found factory-installed apps sending statistics about how you use other "
        "apps to Tencent's cloud servers abroad. You never agreed to this with Tencent and "
        "cannot see what is sent."
    ),
    remediation=(
        "A pre-installed app stays in the factory image, but without root you can disable one "
        "you do not use with `adb shell pm disable-user --user 0 PACKAGE`, or remove it for "
        "your user with `adb shell pm uninstall --user 0 PACKAGE` (undo: `adb shell cmd "
        "package install-existing PACKAGE`). " + PM_DISABLE_NOTE + " "
        "Turning off the vendor's 'user experience programme' / usage statistics in Settings "
        "may reduce what is sent; a network-wide blocker (e.g. a DNS filter) can block the "
        "hosts listed in the evidence."
    ),
    references=(NKSC_REPORT, EXODUS_TRACKERS),
)


def _tencent_stats_ids(kb) -> dict[str, object]:
    """Tracker ids that count: Tencent's statistics or analytics SDKs."""
    out = {}
    for t in getattr(kb, "trackers", ()) or ():
        if t.vendor == "tencent" and (t.statistics or "analytics" in t.categories):
            out[t.id] = t
    return out


def evaluate(inp: AuditInput) -> Finding:
    snap, kb = inp.snapshot, inp.knowledge
    wanted = _tencent_stats_ids(kb)
    scope = [p for p in snap.packages if is_preinstalled(p) and p.installed]
    active, dormant, evidence, hosts = [], [], [], set()
    sdk_names: set[str] = set()
    considered = []
    for p in scope:
        pa = inp.apks.get(p.name)
        if not may_use_internet(p, pa, snap, inp.apks):
            continue
        considered.append(p)
        hits = [h for h in first_per_id(pa.trackers if pa else ()) if h.id in wanted]
        if not hits:
            continue
        (active if p.enabled else dormant).append(p.name)
        evidence.append(
            Evidence("dumpsys package", f"{p.name}: {'enabled' if p.enabled else 'disabled'} pre-installed app",
                     cmd_dumpsys_package(p.name))
        )
        for h in hits:
            t = wanted[h.id]
            sdk_names.add(t.name)
            hosts.update(t.hosts)
            evidence.append(hit_evidence(p, pa, h))
    if hosts:
        evidence.append(Evidence("knowledge base", "the SDKs report to: " + ", ".join(sorted(hosts))))

    gaps = inspection_gaps(inp, considered)
    tail = " The code is present; phone-audit cannot see whether it ran or what it sent."
    if active:
        return finding(
            META, Status.FAIL,
            f"{plural(len(active), 'enabled pre-installed app')} ({displays(active, inp.apks, 4)}) "
            f"{verb(len(active), 'carries', 'carry')} Tencent statistics code ({', '.join(sorted(sdk_names))}) "
            "that can report how you use your phone to Tencent." + tail,
            subjects=active + dormant, evidence=evidence,
        )
    if gaps or not snap.complete:
        return finding(
            META, Status.INCONCLUSIVE,
            f"Cannot tell whether pre-installed apps carry Tencent statistics code: {gaps_sentence(gaps, snap)}.",
            subjects=dormant + sorted({g.package for g in gaps}),
            evidence=evidence + gap_evidence(gaps) + incomplete_evidence(snap),
        )
    if dormant:
        return finding(
            META, Status.WARN,
            f"Only disabled pre-installed apps carry Tencent statistics code ({displays(dormant, inp.apks)}); "
            "it cannot run unless they are enabled again (a factory reset does that).",
            subjects=dormant, evidence=evidence,
        )
    return finding(
        META, Status.PASS,
        f"None of the {plural(len(considered), 'pre-installed app')} that may use the internet carries "
        "Tencent statistics code.",
    )
