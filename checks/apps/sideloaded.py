"""apps.sideloaded: apps you installed that did not come from a known store."""

from __future__ import annotations

from checks.commands import cmd_dumpsys_package
from checks.packages import is_preinstalled
from checks.wording import label, names, plural
from model.audit_input import AuditInput
from model.findings import CheckMeta, Evidence, Finding, Severity, Status, finding

META = CheckMeta(
    needs=('pm list packages', 'dumpsys package'),
    apk_scope='none',
    id="apps.sideloaded",
    title="Apps installed from outside a store",
    category="apps",
    severity=Severity.MEDIUM,
    looks_at=(
        "The installer recorded for every app that did not come with the phone, in every user "
        "of the phone (a work profile too): none (adb), the shell, a browser, the package "
        "installer (a downloaded APK), a third-party store, or an app that is no known store; "
        "cross-checked against the package that asked for the install (initiatingPackageName, "
        "Android 11+) and against the apps on the phone (an installer that is not there)."
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


#: store kinds whose installs count as coming from a store
_STORE_KINDS = ("official", "vendor")
_SHELL = "com.android.shell"


def _judge(inst: str | None, kb) -> str | None:
    """Why an install by `inst` counts as sideloaded, or None for a store."""
    if not inst:
        return "no installer recorded (installed over adb or by a tool)"
    if inst == _SHELL:
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


def _origin(p, kb, on_phone: set[str]) -> str | None:
    """Why `p` counts as sideloaded, or None. The phone's own records are cross-checked:
    the recorded installer is a claim (`adb install -i com.android.vending` writes any
    name there); the initiating package (Android 11+) says who really asked, and an
    installer that is not on the phone cannot have installed anything."""
    inst, init = p.installer, p.initiating_installer
    why = _judge(inst, kb)
    if why is not None:
        return why
    if init and init != inst:
        asked = _judge(init, kb)
        if asked is not None:
            return (f"the installer is recorded as {inst}, but the install was asked for by {init} "
                    f"(initiatingPackageName): {asked}")
    if on_phone and inst not in on_phone:
        return f"the recorded installer {inst} is not installed on this phone, so it cannot have installed the app"
    return None


#: evidence rows kept per finding; the rest are counted (a phone can list 50,000 apps)
_EVIDENCE_CAP = 200


def _where(p) -> str:
    others = p.other_users
    if not others:
        return ""
    return f" (installed for user {', '.join(str(u) for u in others)}" + ("" if p.installed else " only") + ")"


def evaluate(inp: AuditInput) -> Finding:
    snap, kb = inp.snapshot, inp.knowledge
    found, ev = [], []
    user_apps = [p for p in snap.packages if p.installed_anywhere and not is_preinstalled(p)]
    on_phone = {p.name for p in snap.packages}  # a set: phones can list 50,000 packages
    for p in user_apps:
        why = _origin(p, kb, on_phone)
        if why is None:
            continue
        found.append(p.name)
        if len(ev) < _EVIDENCE_CAP:
            init = f", initiatingPackageName={p.initiating_installer}" if p.initiating_installer else ""
            ev.append(Evidence("dumpsys package", f"{p.name}{_where(p)}: {why} (installer={p.installer}{init})",
                               cmd_dumpsys_package(p.name) + " | grep -E 'installerPackageName|initiatingPackageName|User '"))
    if len(found) > len(ev):
        ev.append(Evidence("dumpsys package", f"and {len(found) - len(ev)} more apps, not listed here"))
    users = [u for u in snap.users if u != 0]
    if found:
        return finding(META, Status.WARN,
                       f"{plural(len(found), 'app')} did not come from a known store: {names([label(n, inp.apks) for n in found])}. "
                       "Check that you installed each of them yourself.",
                       subjects=found, evidence=ev)
    if not snap.complete:
        return finding(META, Status.INCONCLUSIVE, "The audit stopped before the package list was read completely.")
    scope = f" (users 0 and {', '.join(map(str, users))})" if users else ""
    said = (f"All {plural(len(user_apps), 'app')} you installed{scope} came from a known store."
            if len(user_apps) > 1 else
            f"The one app you installed{scope} came from a known store." if user_apps else
            "No app was installed by the user: every app on the phone came with it.")
    return finding(META, Status.PASS, said,
                   evidence=[Evidence("pm list packages -i", f"{len(user_apps)} apps checked",
                                      "adb shell pm list packages -3 -i")])
