"""apps.sideloaded: apps you installed that did not come from a known store."""

from __future__ import annotations

from checks.commands import cmd_dumpsys_package
from checks.packages import is_preinstalled
from checks.wording import label, names, plural
from model.audit_input import AuditInput
from model.findings import CheckMeta, Evidence, Finding, Severity, Status, finding

META = CheckMeta(
    needs=('pm list packages',),
    apk_scope='none',
    id="apps.sideloaded",
    title="Apps installed from outside a store",
    category="apps",
    severity=Severity.MEDIUM,
    looks_at=(
        "The installer recorded for every app that did not come with the phone: none (adb), "
        "the shell, a browser, the package installer (a downloaded APK), a third-party store, "
        "or an app that is no known store."
    ),
    why=(
        "Apps from a store are checked before they are offered; an APK from a web page, a "
        "message or a cable is not. Stalkerware is almost always installed this way, by "
        "someone with the phone in hand."
    ),
    remediation=(
        "Go through the list: uninstall any app you do not recognise or did not install "
        "yourself (Settings > Apps, or `adb uninstall PACKAGE`). Reinstall the ones you want "
        "from the official store."
    ),
    references=("https://developers.google.com/android/play-protect",),
)


def _origin(p, kb) -> str | None:
    """Why `p` counts as sideloaded, or None."""
    inst = p.installer
    if not inst:
        return "no installer recorded (installed over adb or by a tool)"
    if inst == "com.android.shell":
        return "installed from the adb shell"
    if kb is not None and inst in (kb.browsers or ()):
        return f"downloaded with the browser {inst}"
    store = kb.store(inst) if kb is not None else None
    if store is None:
        return f"installed by {inst}, which is not a known store"
    if store.kind == "installer":
        return f"opened from a downloaded APK ({store.name})"
    if store.kind == "adb":
        return "installed over adb"
    if store.kind == "third-party":
        return f"installed from the third-party store {store.name}"
    return None


def evaluate(inp: AuditInput) -> Finding:
    snap, kb = inp.snapshot, inp.knowledge
    found, ev = [], []
    user_apps = [p for p in snap.packages if p.installed and not is_preinstalled(p)]
    for p in user_apps:
        why = _origin(p, kb)
        if why is None:
            continue
        found.append(p.name)
        ev.append(Evidence("pm list packages -i", f"{p.name}: {why} (installer={p.installer})",
                           cmd_dumpsys_package(p.name) + " | grep -F installerPackageName"))
    if found:
        return finding(META, Status.WARN,
                       f"{plural(len(found), 'app')} did not come from a known store: {names([label(n, inp.apks) for n in found])}. "
                       "Check that you installed each of them yourself.",
                       subjects=found, evidence=ev)
    if not snap.complete:
        return finding(META, Status.INCONCLUSIVE, "The audit stopped before the package list was read completely.")
    said = (f"All {plural(len(user_apps), 'app')} you installed came from a known store."
            if len(user_apps) > 1 else
            "The one app you installed came from a known store." if user_apps else
            "No app was installed by the user: every app on the phone came with it.")
    return finding(META, Status.PASS, said,
                   evidence=[Evidence("pm list packages -i", f"{len(user_apps)} apps checked",
                                      "adb shell pm list packages -3 -i")])
