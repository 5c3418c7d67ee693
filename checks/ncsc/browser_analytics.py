"""ncsc.browser-analytics: a pre-installed browser carrying analytics that report browsing
activity to the vendor (the NCSC's "personal data leakage" finding on Mi Browser).

Looks at every pre-installed app the knowledge base knows as a browser, for analytics
tracker SDKs (Sensors Analytics, Google Analytics, vendor analytics) and vendor-telemetry
indicators (hosts such as sa.api.intl.miui.com).
"""

from __future__ import annotations

from checks.code_hits import first_per_id, hit_evidence, hits_in_group
from checks.commands import cmd_dumpsys_package
from checks.coverage import gap_evidence, gaps_sentence, incomplete_evidence, inspection_gaps
from checks.packages import is_preinstalled
from checks.references import NKSC_REPORT, PM_DISABLE_NOTE, REGISTER_2021
from checks.wording import displays, names
from model.audit_input import AuditInput
from model.findings import CheckMeta, Evidence, Finding, Severity, Status, finding

META = CheckMeta(
    needs=('pm list packages',),
    apk_scope='all',
    id="ncsc.browser-analytics",
    title="Pre-installed browser with analytics",
    category="ncsc",
    severity=Severity.HIGH,
    looks_at=(
        "The code of each pre-installed browser for analytics SDKs (Sensors Analytics, Google "
        "Analytics, vendor analytics) and for the vendor's telemetry hosts."
    ),
    why=(
        "The NCSC found the Mi Browser sending data on 61 kinds of user activity to the "
        "vendor's servers abroad; earlier research found Xiaomi browsers sending visited "
        "addresses and searches, even in incognito mode. A browser sees everything you read "
        "and search on the web."
    ),
    remediation=(
        "Use another browser and make it the default (Settings > Apps > Default apps > "
        "Browser app); in the pre-installed browser's settings turn off 'user experience' / "
        "usage data sharing. You can disable it with `adb shell pm disable-user --user 0 "
        "PACKAGE`. " + PM_DISABLE_NOTE + " What was already sent cannot be called back."
    ),
    references=(NKSC_REPORT, REGISTER_2021),
)


def _analytics_hits(pa, kb) -> list:
    if pa is None:
        return []
    out = []
    for h in first_per_id(pa.trackers):
        t = kb.tracker(h.id) if kb is not None else None
        cats = set(t.categories) if t is not None else {h.category}
        if "analytics" in cats or "profiling" in cats:
            out.append(h)
    return out + first_per_id(hits_in_group(pa, "vendor-telemetry", kb))


def evaluate(inp: AuditInput) -> Finding:
    snap, kb = inp.snapshot, inp.knowledge
    known = set(getattr(kb, "browsers", ()) or ())
    browsers = [p for p in snap.packages if p.name in known and is_preinstalled(p) and p.installed]
    if not browsers:
        if not snap.complete:
            return finding(META, Status.INCONCLUSIVE,
                           "The audit stopped before the package list was read completely.",
                           evidence=incomplete_evidence(snap))
        return finding(META, Status.NOT_APPLICABLE, "No pre-installed browser is on this phone.")
    active, dormant, evidence = [], [], []
    sdk_names: set[str] = set()
    for p in browsers:
        pa = inp.apks.get(p.name)
        hits = _analytics_hits(pa, kb)
        evidence.append(Evidence("dumpsys package", f"{p.name}: pre-installed browser, "
                                 f"{'enabled' if p.enabled else 'disabled'}", cmd_dumpsys_package(p.name)))
        if not hits:
            continue
        (active if p.enabled else dormant).append(p.name)
        sdk_names.update(h.name for h in hits)
        evidence += [hit_evidence(p, pa, h) for h in hits[:6]]
    gaps = inspection_gaps(inp, browsers)
    if active:
        return finding(
            META, Status.FAIL,
            f"The pre-installed browser {displays(active, inp.apks)} carries analytics code ({names(sorted(sdk_names))}) "
            "that can report what you do in it to the vendor. The code is present; phone-audit cannot "
            "see whether it ran or what it sent.",
            subjects=active + dormant, evidence=evidence,
        )
    if gaps or not snap.complete:
        return finding(
            META, Status.INCONCLUSIVE,
            f"Cannot tell whether the pre-installed browser carries analytics: {gaps_sentence(gaps, snap)}.",
            subjects=sorted({g.package for g in gaps}),
            evidence=evidence + gap_evidence(gaps) + incomplete_evidence(snap),
        )
    if dormant:
        return finding(
            META, Status.WARN,
            f"Only a disabled pre-installed browser carries analytics code ({displays(dormant, inp.apks)}); it cannot "
            "run unless enabled again (a factory reset does that).",
            subjects=dormant, evidence=evidence,
        )
    return finding(
        META, Status.PASS,
        f"No analytics that report browsing to the vendor found in the pre-installed browser "
        f"({displays([p.name for p in browsers], inp.apks)}).",
        subjects=[p.name for p in browsers], evidence=evidence,
    )
