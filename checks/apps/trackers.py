"""apps.trackers: tracker SDKs found in the code of installed apps (an inventory; the apps
that came with the phone are listed apart from the ones you installed)."""

from __future__ import annotations

from checks.code_hits import first_per_id, hit_evidence
from checks.coverage import gap_evidence, gaps_sentence, incomplete_evidence, inspection_gaps
from checks.packages import is_preinstalled
from checks.references import EXODUS_TRACKERS
from checks.wording import plural
from model.audit_input import AuditInput
from model.findings import CheckMeta, Evidence, Finding, Severity, Status, finding

META = CheckMeta(
    needs=('pm list packages',),
    apk_scope='third-party',
    id="apps.trackers",
    title="Tracker SDKs in apps",
    category="apps",
    severity=Severity.LOW,
    looks_at=(
        "The class names in the code of every installed app, against the tracker signatures "
        "of Exodus Privacy (advertising, analytics, profiling, crash reporting, ...)."
    ),
    why=(
        "Tracker SDKs collect data on how you use an app and send it to the SDK's company, "
        "which may combine it across apps into a profile of you. Finding the code does not "
        "prove it runs: some apps ship SDKs they never switch on."
    ),
    remediation=(
        "Prefer apps without trackers (the Exodus Privacy reports show them before you "
        "install); uninstall apps you do not need; in Settings > Google > Ads (or the vendor's "
        "privacy settings) delete the advertising ID and opt out of personalised ads. "
        "Pre-installed apps can be disabled with `adb shell pm disable-user --user 0 PACKAGE` "
        "(reversible; a factory reset re-enables them)."
    ),
    references=(EXODUS_TRACKERS,),
)

#: tracker categories that profile the user (crash reporting alone does not)
PROFILING = frozenset({"advertisement", "analytics", "profiling", "identification", "location"})


def evaluate(inp: AuditInput) -> Finding:
    snap, kb = inp.snapshot, inp.knowledge
    apps = [p for p in snap.packages if p.installed_anywhere]
    per_app: dict[str, list] = {}
    profiling_pre, profiling_user = [], []
    ev_pre: list[Evidence] = []
    ev_user: list[Evidence] = []
    for p in apps:
        pa = inp.apks.get(p.name)
        hits = first_per_id(pa.trackers) if pa else []
        if not hits:
            continue
        per_app[p.name] = hits
        pre = is_preinstalled(p)
        cats = set()
        for h in hits:
            t = kb.tracker(h.id) if kb is not None else None
            cats |= set(t.categories) if t is not None else {h.category}
        if cats & PROFILING:
            (profiling_pre if pre else profiling_user).append(p.name)
        tnames = ", ".join(h.name for h in hits)
        origin = "pre-installed" if pre else "installed by the user"
        target = ev_pre if pre else ev_user
        first = hit_evidence(p, pa, hits[0])
        target.append(Evidence(first.source, f"{p.name} ({origin}{'' if p.enabled else ', disabled'}): {tnames}",
                               first.command))
    evidence = ev_user + ev_pre
    gaps = inspection_gaps(inp, apps)
    n_tr = len({h.id for hs in per_app.values() for h in hs})
    if profiling_user or profiling_pre:
        parts = []
        if profiling_user:
            parts.append(f"{plural(len(profiling_user), 'app')} you installed")
        if profiling_pre:
            parts.append(f"{plural(len(profiling_pre), 'pre-installed app')}")
        tail = f" ({gaps_sentence(gaps, snap)})" if gaps or not snap.complete else ""
        return finding(META, Status.WARN,
                       f"{' and '.join(parts)} carry advertising, analytics or profiling trackers "
                       f"({plural(n_tr, 'tracker')} in all). The code is present; phone-audit cannot see "
                       f"whether it runs.{tail}",
                       subjects=profiling_user + profiling_pre,
                       evidence=evidence + gap_evidence(gaps) + incomplete_evidence(snap))
    if gaps or not snap.complete:
        return finding(META, Status.INCONCLUSIVE,
                       f"No tracker found so far, but {gaps_sentence(gaps, snap)}.",
                       subjects=sorted({g.package for g in gaps}),
                       evidence=evidence + gap_evidence(gaps) + incomplete_evidence(snap))
    if per_app:
        return finding(META, Status.PASS,
                       f"Only crash-reporting or similar SDKs found ({plural(len(per_app), 'app')}); "
                       "no advertising, analytics or profiling trackers.",
                       subjects=sorted(per_app), evidence=evidence)
    return finding(META, Status.PASS, f"No tracker SDK found in the {plural(len(apps), 'installed app')}.")
