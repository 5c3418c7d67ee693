"""ncsc.appgallery-redirect: an app store that sends users to third-party distribution
platforms (APKPure, APKMonk, Aptoide, ...) and can install what it downloads there.

The NCSC found this in Huawei's AppGallery (with Petal Search as the other way in). The
check looks at those two by name and at any other app whose code refers to a third-party
distribution platform, then asks whether it can install apps.
"""

from __future__ import annotations

from checks.code_hits import first_per_id, hit_evidence, hits_in_group
from checks.commands import cmd_appops, cmd_dumpsys_package, q
from checks.coverage import gap_evidence, gaps_sentence, incomplete_evidence, inspection_gaps
from checks.packages import installed_by, installs_apps
from checks.references import NKSC_REPORT, PM_DISABLE_NOTE
from checks.wording import displays, names, plural
from model.audit_input import AuditInput
from model.findings import CheckMeta, Evidence, Finding, Severity, Status, finding

META = CheckMeta(
    needs=('pm list packages',),
    apk_scope='all',
    id="ncsc.appgallery-redirect",
    title="App store that installs apps from third-party platforms",
    category="ncsc",
    severity=Severity.HIGH,
    looks_at=(
        "App stores named by the NCSC (Huawei AppGallery, Petal Search) and any app whose "
        "code refers to third-party distribution platforms such as APKPure, APKMonk or "
        "Aptoide; whether each is enabled and allowed to install apps "
        "(REQUEST_INSTALL_PACKAGES app op, INSTALL_PACKAGES permission); the apps it installed."
    ),
    why=(
        "When an app is not in the official store, such a store can send you to another "
        "platform and install the APK from there. The NCSC found apps on those platforms that "
        "antivirus engines rate as malicious; you would not know the app came from outside "
        "the store you trust."
    ),
    remediation=(
        "Install apps only from the store's own catalogue or Google Play. Take away the "
        "store's right to install apps: Settings > Apps > Special app access > Install "
        "unknown apps > the store > off (or `adb shell appops set PACKAGE "
        "REQUEST_INSTALL_PACKAGES deny`). A pre-installed store holding INSTALL_PACKAGES "
        "cannot lose it without root; you can disable it with `adb shell pm disable-user "
        "--user 0 PACKAGE`. " + PM_DISABLE_NOTE + " Apps already installed from a "
        "third-party platform stay installed: review the list in the evidence and "
        "uninstall those you do not trust."
    ),
    references=(
        NKSC_REPORT,
        "https://developer.android.com/reference/android/Manifest.permission#REQUEST_INSTALL_PACKAGES",
    ),
)

#: the stores the NCSC assessment named (package -> name); others are found by their code
NAMED_REDIRECTORS = {
    "com.huawei.appmarket": "Huawei AppGallery",
    "com.huawei.hwsearch": "Petal Search",
}


def evaluate(inp: AuditInput) -> Finding:
    snap, kb = inp.snapshot, inp.knowledge
    named = dict(NAMED_REDIRECTORS)
    named.update(dict((kb.extra or {}).get("redirect_stores", {})) if kb is not None else {})

    candidates = []  # (pkg, hits)
    for p in snap.packages:
        hits = first_per_id(hits_in_group(inp.apks.get(p.name), "store-redirect", kb))
        if p.name in named or hits:
            candidates.append((p, hits))

    # Apps that can install and whose code was not seen could be redirectors too.
    installers_unseen = [
        g for g in inspection_gaps(inp, [p for p in snap.packages if p.enabled and installs_apps(p)])
    ]
    gap_pkgs = {g.package for g in installers_unseen}

    failing, warning, unknown, harmless = [], [], [], []
    evidence: list[Evidence] = []
    for p, hits in candidates:
        why_install = installs_apps(p)
        state = "enabled" if p.enabled else "disabled"
        by_appop = p.appops.get("REQUEST_INSTALL_PACKAGES") is not None
        evidence.append(
            Evidence(
                "appops" if by_appop else "dumpsys package",
                f"{p.name}: {state}; " + ("; ".join(why_install) if why_install else "cannot install apps"),
                cmd_appops(p.name, "REQUEST_INSTALL_PACKAGES") if by_appop else cmd_dumpsys_package(p.name),
            )
        )
        pa = inp.apks.get(p.name)
        for h in hits[:4]:
            evidence.append(hit_evidence(p, pa, h))
        victims = installed_by(snap, p.name)
        if victims:
            evidence.append(
                Evidence(
                    "pm list packages -i",
                    f"apps installed by {p.name}: {', '.join(victims)}",
                    f"adb shell pm list packages -i | grep -F {q('installer=' + p.name)}",
                )
            )
        if not (p.enabled and why_install):
            harmless.append(p.name)
        elif hits:
            failing.append(p.name)
        elif p.name in gap_pkgs:
            unknown.append(p.name)
        else:
            warning.append(p.name)

    if failing:
        return finding(
            META, Status.FAIL,
            f"{displays(failing, inp.apks)} can install apps and {'its' if len(failing) == 1 else 'their'} code refers "
            "to third-party download platforms: apps you ask for may come from outside the store. "
            "The code is present; phone-audit cannot see whether a redirect has happened.",
            subjects=failing, evidence=evidence,
        )
    if unknown or (not candidates and installers_unseen) or (not candidates and not snap.complete):
        return finding(
            META, Status.INCONCLUSIVE,
            f"Cannot tell whether an app store sends you to third-party platforms: "
            f"{gaps_sentence(installers_unseen, snap)}.",
            subjects=sorted(gap_pkgs), evidence=evidence + gap_evidence(installers_unseen) + incomplete_evidence(snap),
        )
    if warning:
        return finding(
            META, Status.WARN,
            f"{displays(warning, inp.apks)} can install apps; no reference to third-party platforms was found "
            "in its code, but the NCSC found this store redirecting users elsewhere.",
            subjects=warning, evidence=evidence,
        )
    if candidates:
        return finding(
            META, Status.PASS,
            f"{plural(len(harmless), 'store app')} that could send you to third-party platforms "
            f"{'is' if len(harmless) == 1 else 'are'} present but disabled or not allowed to install apps "
            f"({names(harmless)}).",
            subjects=harmless, evidence=evidence,
        )
    return finding(
        META, Status.NOT_APPLICABLE,
        "No app store that sends users to third-party download platforms is on this phone.",
    )
