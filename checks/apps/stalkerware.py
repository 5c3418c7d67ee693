"""apps.stalkerware: apps matching known stalkerware indicators (package names and
signing-certificate SHA-1s from the AssoEchap stalkerware-indicators list, CC-BY-4.0)."""

from __future__ import annotations

from checks.commands import cmd_dumpsys_package, cmd_pull, q
from checks.coverage import gap_evidence, gaps_sentence, incomplete_evidence, inspection_gaps
from checks.packages import is_preinstalled
from checks.references import STALKERWARE_IOC
from checks.wording import label, names
from model.audit_input import AuditInput
from model.findings import CheckMeta, Evidence, Finding, Severity, Status, finding

META = CheckMeta(
    needs=('pm list packages',),
    apk_scope='third-party',
    id="apps.stalkerware",
    title="Known stalkerware",
    category="apps",
    severity=Severity.CRITICAL,
    looks_at=(
        "The package name of every installed app and the signing certificate of every app "
        "you installed, against the stalkerware indicators collected by Echap "
        "(AssoEchap/stalkerware-indicators)."
    ),
    why=(
        "Stalkerware lets someone else read your messages, follow your location and listen "
        "to calls. It is installed by someone who had your phone in hand, often a partner or "
        "family member."
    ),
    remediation=(
        "Think about your safety before removing it: the person who installed it may notice. "
        "Support services for victims of domestic abuse (e.g. the Coalition Against "
        "Stalkerware, stopstalkerware.org) can help plan. To remove it: Settings > Apps > the "
        "app > Uninstall, after removing it from device administrators if it is one. Change "
        "the passwords of your accounts from another device afterwards."
    ),
    references=(STALKERWARE_IOC, "https://stopstalkerware.org/"),
)


def evaluate(inp: AuditInput) -> Finding:
    snap, kb = inp.snapshot, inp.knowledge
    by_pkg: dict[str, str] = {}
    by_cert: dict[str, str] = {}
    for app in getattr(kb, "stalkerware", ()) or ():
        for pkg in app.packages:
            by_pkg[pkg] = app.name
        for c in app.certificates:
            by_cert[c.upper()] = app.name
    hits, ev, families = [], [], []
    for p in snap.packages:
        if p.name in by_pkg:
            hits.append(p.name)
            families.append(by_pkg[p.name])
            ev.append(Evidence("pm list packages", f"{p.name}: package of {by_pkg[p.name]}",
                               cmd_dumpsys_package(p.name)))
            continue
        pa = inp.apks.get(p.name)
        for r in (pa.reports if pa else ()):
            match = next((c for c in r.cert_sha1 if c.upper() in by_cert), None)
            if match:
                hits.append(p.name)
                families.append(by_cert[match.upper()])
                path = p.path or "base.apk"
                local = path.rsplit("/", 1)[-1]
                ev.append(Evidence("APK signature", f"{p.name}: signed by a certificate of "
                                   f"{by_cert[match.upper()]} (SHA-1 {match.upper()})",
                                   f"{cmd_pull(path)} && keytool -printcert -jarfile {q(local)}"))
                break
    if hits:
        return finding(META, Status.FAIL,
                       f"Known stalkerware is installed: {names([label(n, inp.apks) for n in hits])} "
                       f"({names(sorted(set(families)))}). Someone may be watching this phone.",
                       subjects=hits, evidence=ev)
    user_apps = [p for p in snap.packages if p.installed_anywhere and not is_preinstalled(p)]
    gaps = inspection_gaps(inp, user_apps)
    if gaps or not snap.complete:
        return finding(META, Status.INCONCLUSIVE,
                       "No known stalkerware package name found, but the signing certificates could not all "
                       f"be checked: {gaps_sentence(gaps, snap)}.",
                       subjects=sorted({g.package for g in gaps}),
                       evidence=gap_evidence(gaps) + incomplete_evidence(snap))
    return finding(META, Status.PASS,
                   f"No installed app matches the {len(by_pkg)} package names and {len(by_cert)} certificates "
                   "of known stalkerware.")
