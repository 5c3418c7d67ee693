"""ncsc.censorship-list: pre-installed apps carrying the MiAdBlacklistConfig machinery
(download a keyword list, filter content by it).

The NCSC named seven Xiaomi system apps; the check looks at every pre-installed app for
the indicators of the "censorship" group (the MiAdBlacklistConfig string, the filter URL,
the miglobaladsdk loader classes) and reports the phone's region property.
"""

from __future__ import annotations

from checks.code_hits import first_per_id, hit_evidence, hits_in_group
from checks.commands import cmd_dumpsys_package, cmd_getprop
from checks.coverage import gap_evidence, gaps_sentence, incomplete_evidence, inspection_gaps
from checks.packages import is_preinstalled
from checks.references import NKSC_REPORT, PM_DISABLE_NOTE, REGISTER_2021
from checks.wording import displays, plural, verb
from model.audit_input import AuditInput
from model.findings import CheckMeta, Evidence, Finding, Severity, Status, finding

META = CheckMeta(
    needs=('pm list packages', 'getprop'),
    apk_scope='all',
    id="ncsc.censorship-list",
    title="Keyword blacklist for filtering content",
    category="ncsc",
    severity=Severity.HIGH,
    looks_at=(
        "The code of every pre-installed app for the MiAdBlacklistConfig machinery (the "
        "string MiAdBlacklistConfig, the list's download URL, the classes that load and cache "
        "it); the region properties ro.miui.build.region, ro.miui.region and ro.product.mod_device."
    ),
    why=(
        "The NCSC found system apps that download a list of hundreds of terms (among them "
        "'Free Tibet' and 'democracy movement') and code that filters content against it. "
        "On phones sold in the EU the filtering was off, but the list kept being downloaded "
        "and the filtering could be switched on remotely, without telling you."
    ),
    remediation=(
        "Apps you do not need can be disabled with `adb shell pm disable-user --user 0 "
        "PACKAGE` (the Mi Browser, Themes and Music are the easiest to replace). "
        + PM_DISABLE_NOTE + " `adb shell pm uninstall --user 0 PACKAGE` removes an app for "
        "your user without root (undo: `adb shell cmd package install-existing PACKAGE`), but "
        "core apps such as Security are needed by the phone; the machinery stays in the "
        "factory image whatever you do."
    ),
    references=(NKSC_REPORT, REGISTER_2021),
)

_REGION_PROPS = ("ro.miui.build.region", "ro.miui.region", "ro.product.mod_device")


def _region(snap) -> tuple[str, list[Evidence]]:
    ev = []
    for key in _REGION_PROPS:
        val = snap.prop(key)
        if val:
            ev.append(Evidence("getprop", f"{key} = {val}", cmd_getprop(key)))
    build_region = (snap.prop("ro.miui.build.region") or "").strip().lower()
    mod = (snap.prop("ro.product.mod_device") or "").lower()
    if build_region == "eea" or mod.endswith("_eea_global"):
        text = (" This phone is an EEA build: the NCSC found the filtering switched off for the "
                "EU, but the list is still downloaded and the filtering can be switched on remotely.")
    elif build_region:
        text = f" The phone's region is '{build_region}' (ro.miui.build.region)."
    else:
        text = " The phone does not report a region (ro.miui.build.region)."
    return text, ev


def evaluate(inp: AuditInput) -> Finding:
    snap, kb = inp.snapshot, inp.knowledge
    scope = [p for p in snap.packages if is_preinstalled(p) and p.installed]
    active, dormant, evidence = [], [], []
    for p in scope:
        pa = inp.apks.get(p.name)
        hits = first_per_id(hits_in_group(pa, "censorship", kb))
        if not hits:
            continue
        (active if p.enabled else dormant).append(p.name)
        evidence.append(Evidence("dumpsys package", f"{p.name}: {'enabled' if p.enabled else 'disabled'}",
                                 cmd_dumpsys_package(p.name)))
        evidence += [hit_evidence(p, pa, h) for h in hits[:4]]
    region_text, region_ev = _region(snap)
    evidence += region_ev
    gaps = inspection_gaps(inp, scope)
    presence = " The code is present; phone-audit cannot see whether the list was downloaded or used."
    if active:
        return finding(
            META, Status.FAIL,
            f"{plural(len(active), 'enabled pre-installed app')} ({displays(active, inp.apks, 4)}) "
            f"{verb(len(active), 'carries', 'carry')} code that downloads Xiaomi's MiAdBlacklistConfig "
            "keyword list and filters content by it." + presence + region_text,
            subjects=active + dormant, evidence=evidence,
        )
    if gaps or not snap.complete:
        return finding(
            META, Status.INCONCLUSIVE,
            f"Cannot tell whether pre-installed apps carry the keyword-list machinery: "
            f"{gaps_sentence(gaps, snap)}.",
            subjects=dormant + sorted({g.package for g in gaps}),
            evidence=evidence + gap_evidence(gaps) + incomplete_evidence(snap),
        )
    if dormant:
        return finding(
            META, Status.WARN,
            f"Only disabled pre-installed apps carry the MiAdBlacklistConfig machinery ({displays(dormant, inp.apks)}); "
            "it cannot run unless they are enabled again (a factory reset does that)." + region_text,
            subjects=dormant, evidence=evidence,
        )
    return finding(
        META, Status.PASS,
        f"None of the {plural(len(scope), 'pre-installed app')} carries the MiAdBlacklistConfig machinery.",
        evidence=region_ev,
    )
