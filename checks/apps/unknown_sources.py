"""apps.unknown-sources: apps allowed to install other apps, outside the platform's own
installers and the official or vendor stores."""

from __future__ import annotations

from dataclasses import replace

from checks.commands import cmd_appops, cmd_dumpsys_package, cmd_settings
from checks.needs import unread
from checks.packages import REQUEST_INSTALL_PACKAGES, installs_apps, is_preinstalled
from checks.references import PM_DISABLE_NOTE
from checks.wording import label, names, plural
from model.audit_input import AuditInput
from model.findings import CheckMeta, Evidence, Finding, Severity, Status, finding

META = CheckMeta(
    needs=('getprop', 'pm list packages', 'dumpsys package', 'appops'),
    apk_scope='none',
    id="apps.unknown-sources",
    title="Apps allowed to install apps",
    category="apps",
    severity=Severity.HIGH,
    looks_at=(
        "Every package's REQUEST_INSTALL_PACKAGES app op ('Install unknown apps'), in every user "
        "of the phone (a work profile keeps its own), and the "
        "INSTALL_PACKAGES permission, leaving out the platform's own installers (package "
        "installer, adb shell) and official or vendor stores. Before Android 8 there is no "
        "per-app right: the one switch 'Unknown sources' is the setting install_non_market_apps "
        "(secure since Android 5, global on Android 4.2 to 4.4)."
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


#: Android 8 (API 26) replaced the one switch with a right per app
PER_APP_SDK = 26
LEGACY_KEY = "install_non_market_apps"


def _legacy_switch(inp: AuditInput) -> Finding | None:
    """Before Android 8: FAIL when 'Unknown sources' is on; inconclusive when the settings
    that hold it were not read. None on Android 8+ or when the switch is off."""
    snap = inp.snapshot
    sdk = snap.device.sdk
    if sdk is None or sdk >= PER_APP_SDK:
        return None
    ev = []
    for ns in ("secure", "global"):
        val = snap.setting(ns, LEGACY_KEY)
        if val is not None:
            ev.append(Evidence("settings", f"{ns} {LEGACY_KEY} = {val}", cmd_settings(ns, LEGACY_KEY)))
            if val.strip() == "1":
                return finding(META, Status.FAIL,
                               f"'Unknown sources' is on (Android {snap.device.android_release or sdk}): any app "
                               "can install apps from anywhere, and any APK you open installs.",
                               evidence=ev)
    # "off" only when both places were read: Android 5-7 keep the switch in secure and
    # may keep a stale copy in global, so a global 0 says nothing of an unread secure 1
    missing = unread(inp, "settings secure", "settings global")
    if missing:
        return replace(finding(META, Status.INCONCLUSIVE,
                               f"On Android {snap.device.android_release or sdk} 'Unknown sources' is the setting "
                               f"{LEGACY_KEY}, and the settings that hold it could not be read.", evidence=ev),
                       missing=tuple(missing))
    return None


def evaluate(inp: AuditInput) -> Finding:
    legacy = _legacy_switch(inp)
    if legacy is not None:
        return legacy
    snap, kb = inp.snapshot, inp.knowledge
    third, pre, ev = [], [], []
    for p in snap.packages:
        if not p.installed_anywhere or not p.enabled or p.name in PLATFORM:
            continue
        why = installs_apps(p)
        in_users = [u for u in p.other_users
                    if snap.user_appops.get(u, {}).get(p.name, {}).get(REQUEST_INSTALL_PACKAGES) == "allow"]
        if in_users:
            why.append(f"REQUEST_INSTALL_PACKAGES app op is allow in user {', '.join(map(str, in_users))}")
        if not why:
            continue
        store = kb.store(p.name) if kb is not None else None
        if store is not None and store.kind in TRUSTED_KINDS:
            continue
        (pre if is_preinstalled(p) else third).append(p.name)
        cmd = cmd_appops(p.name, REQUEST_INSTALL_PACKAGES) if "app op" in why[0] else cmd_dumpsys_package(p.name)
        if in_users and why[0].endswith(f"user {', '.join(map(str, in_users))}"):
            cmd = cmd_appops(p.name, REQUEST_INSTALL_PACKAGES, user=in_users[0])
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
