"""apps.stalkerware: apps matching known stalkerware indicators from the AssoEchap
stalkerware-indicators list (CC-BY-4.0): package names, signing-certificate SHA-1s,
and, for a family rebuilt per customer with a new package name and key, the signer's
subject (common-name pattern, organisation) and the family's C2 hosts, IPs, websites
and download hosts in the app's code (`ApkReport.stalkerware`, matched at inspection by
`checks.stalkerware_match`)."""

from __future__ import annotations

from dataclasses import replace

from checks.commands import PS_LINE, cmd_code, cmd_dumpsys_package, cmd_pull, q
from checks.needs import unread
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
        "The package name of every installed app and, for every app you installed, its "
        "signing certificate (fingerprint, subject name, organisation) and the hosts its "
        "code talks to (command-and-control servers, websites), against the stalkerware "
        "indicators collected by Echap (AssoEchap/stalkerware-indicators)."
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


def _rebuilt_evidence(p, hit) -> Evidence:
    """Evidence for a family recognised by its signer's subject or a host in its code."""
    path = p.path or "base.apk"
    local = path.rsplit("/", 1)[-1]
    if hit.kind.startswith("certificate"):
        return Evidence("APK signature", f"{p.name}: signed by {hit.value!r}, the {hit.category} "
                        f"of {hit.name}", f"{cmd_pull(path)} && keytool -printcert -jarfile {q(local)}")
    return Evidence(f"{hit.file} of {p.name} ({path})",
                    f"{p.name}: code holds the {hit.category} of {hit.name}: {hit.value}",
                    cmd_code(path, hit.file, hit.category.rsplit(" ", 1)[-1]))


def _running(inp: AuditInput, hits: list[str]) -> tuple[list[str], list[Evidence], str, list[dict]]:
    """Which of the stalkerware packages have a process now (`ps`: the process name is
    the package, or `package:suffix`): (running, evidence, words, missing facts). When
    `ps` was not read, running is unknown, never "not running"."""
    procs = inp.snapshot.processes
    if procs is None:
        missing = unread(inp, "ps") or [{"fact": "ps", "state": "not_reached",
                                         "command": f"adb shell {PS_LINE}", "detail": ""}]
        return [], [], "Whether it is running is unknown: the process list (ps) was not read. ", missing
    wanted = set(hits)
    seen: dict[str, list] = {}
    for proc in procs:
        pkg = proc.name.split(":", 1)[0]  # an app's processes: `package` or `package:suffix`
        if pkg in wanted:
            seen.setdefault(pkg, []).append(proc)
    running = [n for n in hits if n in seen]
    ev = [Evidence("ps", f"{pr.user} {pr.pid} {pr.ppid if pr.ppid is not None else '?'} {pr.name}: "
                   f"a process of {pkg} is running",
                   f"adb shell {PS_LINE} | grep -F {q(pkg)}")
          for pkg in running for pr in seen[pkg][:5]]
    words = "" if running else "No process of it was running when the phone was read. "
    return running, ev, words, []


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
        else:
            hit = next((h for r in (pa.reports if pa else ()) for h in r.stalkerware), None)
            if hit is not None:
                hits.append(p.name)
                families.append(hit.name)
                ev.append(_rebuilt_evidence(p, hit))
    if hits:
        running, run_ev, run_words, missing = _running(inp, hits)
        ev.extend(run_ev)
        if running:
            head = (f"Known stalkerware is installed and running: {names([label(n, inp.apks) for n in running])}"
                    + (f"; installed: {names([label(n, inp.apks) for n in hits if n not in running])}"
                       if len(running) < len(hits) else ""))
            tail = "Running is worse than installed: it is active on this phone now."
        else:
            head = f"Known stalkerware is installed: {names([label(n, inp.apks) for n in hits])}"
            tail = "Someone may be watching this phone."
        result = finding(META, Status.FAIL, f"{head} ({names(sorted(set(families)))}). {run_words}{tail}",
                         subjects=hits, evidence=ev)
        return replace(result, missing=tuple(missing)) if missing else result
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
                   "of known stalkerware, and no app you installed is signed or talks like a known family.")
