"""os.system-updates: the vendor's system updater and security agents are not turned off.

A disabled updater is how a phone is kept on an old, exploitable build (and how some
stalkerware installers keep their foothold); MVT flags the same packages. The packages
come from `checks/knowledge/system_apps.toml`, the states from the package lists.
"""

from __future__ import annotations

import shlex

from checks.knowledge.system_apps import SystemApp, load
from model.audit_input import AuditInput
from model.findings import CheckMeta, Evidence, Finding, Severity, Status, finding
from model.snapshot import PackageInfo

META = CheckMeta(
    needs=("pm list packages", "pm list packages -d", "dumpsys package"),
    apk_scope="none",
    id="os.system-updates",
    title="System updater and security agents",
    category="os",
    severity=Severity.HIGH,
    looks_at=(
        "Whether the vendor's system updater and security agents that phone-audit knows "
        "(Samsung, Xiaomi, Huawei, Google, OnePlus, OPPO, Motorola, LG, Transsion) are "
        "installed and enabled for the user (`pm list packages -d`, `dumpsys package`)."
    ),
    why=(
        "With its updater disabled a phone never receives security fixes again, and the "
        "owner is not told. Disabling it, or a security agent, is also a step stalkerware "
        "installers and some resellers take."
    ),
    remediation=(
        "Turn the app back on: Settings > Apps > show system apps > the updater > Enable. "
        "Over USB, `adb shell pm enable PACKAGE` re-enables a disabled one and "
        "`adb shell cmd package install-existing PACKAGE` restores one removed for the user. "
        "Then look for updates in Settings > System > Software update. If you did not turn "
        "it off, someone who had the phone did: read the other findings."
    ),
    references=(
        "https://docs.mvt.re/en/latest/android/adb/",
        "https://source.android.com/docs/core/ota",
    ),
)


GMS = "com.google.android.gms"


def _state(p: PackageInfo) -> str:
    if not p.installed:
        return "removed for the user (its APK is kept)"
    return "enabled" if p.enabled else "disabled"


def _evidence(app: SystemApp, p: PackageInfo) -> Evidence:
    name = shlex.quote(p.name)
    cmd = (f"adb shell dumpsys package {name}" if not p.installed
           else f"adb shell pm list packages -d {name}")
    return Evidence("package list", f"{p.name} ({app.vendor}, {app.what}): {_state(p)}", cmd)


def evaluate(inp: AuditInput) -> Finding:
    known = load()
    present = [(known[p.name], p) for p in inp.snapshot.packages if p.name in known]
    if not present:
        return finding(META, Status.NOT_APPLICABLE,
                       f"None of the {len(known)} system updaters and security agents phone-audit "
                       "knows is on this phone, so it cannot tell whether this phone's own updater "
                       "is turned off.")
    evidence = [_evidence(app, p) for app, p in present]
    off = [(app, p) for app, p in present if not (p.enabled and p.installed)]
    updaters_off = [p.name for app, p in off if app.role == "updater"]
    agents_off = [p.name for app, p in off if app.role == "security-agent"]
    subjects = [p.name for _, p in off]
    vendor_on = [p.name for app, p in present
                 if app.role == "updater" and p.name != GMS and p.enabled and p.installed]
    if updaters_off == [GMS] and vendor_on:
        # the vendor's own updater still brings full system updates; only Google's
        # Play system updates (Mainline modules) stop
        return finding(META, Status.FAIL,
                       f"Google Play services ({GMS}) is turned off: Google Play system updates "
                       f"no longer arrive; the vendor's updater ({', '.join(vendor_on)}) is on.",
                       subjects=subjects, evidence=evidence, severity=Severity.MEDIUM)
    if updaters_off:
        what = ", ".join(updaters_off)
        tail = f"; security agents also off: {', '.join(agents_off)}" if agents_off else ""
        return finding(META, Status.FAIL,
                       f"The system updater is turned off ({what}): this phone no longer "
                       f"installs security updates by itself{tail}.",
                       subjects=subjects, evidence=evidence)
    if agents_off:
        return finding(META, Status.FAIL,
                       f"A security agent is turned off ({', '.join(agents_off)}).",
                       subjects=subjects, evidence=evidence, severity=Severity.MEDIUM)
    on = ", ".join(p.name for _, p in present)
    return finding(META, Status.PASS,
                   f"The system updater and security agents on this phone are enabled ({on}).",
                   evidence=evidence)
