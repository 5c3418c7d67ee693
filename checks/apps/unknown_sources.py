"""apps.unknown-sources: apps allowed to install other apps, outside the platform's own
installers and the official or vendor stores."""

from __future__ import annotations

from checks.commands import cmd_appops, cmd_dumpsys_package
from checks.packages import REQUEST_INSTALL_PACKAGES, installs_apps, is_preinstalled
from checks.references import PM_DISABLE_NOTE
from checks.wording import label, names, plural
from model.audit_input import AuditInput
from model.findings import CheckMeta, Evidence, Finding, Severity, Status, finding

META = CheckMeta(
    needs=('pm list packages', 'dumpsys package'),
    apk_scope='none',
    id="apps.unknown-sources",
    title="Apps allowed to install apps",
    category="apps",
    severity=Severity.HIGH,
    looks_at=(
        "Every package's REQUEST_INSTALL_PACKAGES app op ('Install unknown apps') and the "
        "INSTALL_PACKAGES permission, leaving out the platform's own installers (package "
        "installer, adb shell) and official or vendor stores."
    ),
    why=(
        "An app allowed to install apps can put new apps on the phone, from anywhere. Browsers "
        "and messengers given this right are the usual way malware and stalkerware arrive."
    ),
    remediation=(
        "Settings > Apps > Special app access > Install unknown apps: turn it off for every "
        "app listed (or `adb shell appops set PACKAGE REQUEST_INSTALL_PACKAGES deny`). A "
        "pre-installed app holding INSTALL_PACKAGES keeps it without root; you can disable it "
        "with `adb shell pm disable-user --user 0 PACKAGE`. " + PM_DISABLE_NOTE
    ),
    references=("https://developer.android.com/reference/android/Manifest.permission#REQUEST_INSTALL_PACKAGES",),
)

#: store kinds whose installing is expected
TRUSTED_KINDS = ("official", "vendor", "installer", "adb")
#: the framework itself and the shell (INSTALL_PACKAGES by design)
PLATFORM = ("android", "com.android.shell")


def evaluate(inp: AuditInput) -> Finding:
    snap, kb = inp.snapshot, inp.knowledge
    third, pre, ev = [], [], []
    for p in snap.packages:
        if not p.installed or not p.enabled or p.name in PLATFORM:
            continue
        why = installs_apps(p)
        if not why:
            continue
        store = kb.store(p.name) if kb is not None else None
        if store is not None and store.kind in TRUSTED_KINDS:
            continue
        (pre if is_preinstalled(p) else third).append(p.name)
        cmd = cmd_appops(p.name, REQUEST_INSTALL_PACKAGES) if "app op" in why[0] else cmd_dumpsys_package(p.name)
        kind = f", a {store.kind} store ({store.name})" if store is not None else ""
        ev.append(Evidence("appops" if "app op" in why[0] else "dumpsys package",
                           f"{p.name} ({'pre-installed' if is_preinstalled(p) else 'installed by the user'}{kind}): "
                           + "; ".join(why), cmd))
    if third:
        return finding(META, Status.FAIL,
                       f"{plural(len(third), 'app')} you installed can install other apps: {names([label(n, inp.apks) for n in third])}.",
                       subjects=third + pre, evidence=ev)
    if pre:
        return finding(META, Status.WARN,
                       f"{plural(len(pre), 'pre-installed app')} that {'is' if len(pre) == 1 else 'are'} not an "
                       f"app store can install other apps: {names([label(n, inp.apks) for n in pre])}.",
                       subjects=pre, evidence=ev)
    return finding(META, Status.PASS,
                   "Only the phone's own installers and known app stores can install apps.")
