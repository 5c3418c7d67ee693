"""os.app-verification: Play Protect / the package verifier."""

from __future__ import annotations

from checks.commands import cmd_settings
from model.audit_input import AuditInput
from model.findings import CheckMeta, Evidence, Finding, Severity, Status, finding

META = CheckMeta(
    needs=('settings global', 'pm list packages'),
    apk_scope='none',
    id="os.app-verification",
    title="App verification (Play Protect)",
    category="os",
    severity=Severity.MEDIUM,
    looks_at=(
        "Global settings package_verifier_enable, verifier_verify_adb_installs and "
        "package_verifier_user_consent; whether Google Play services is installed."
    ),
    why=(
        "Play Protect checks apps when they are installed and scans the phone for known "
        "harmful apps. Stalkerware installers often turn it off first."
    ),
    remediation=(
        "Open Google Play > profile picture > Play Protect > settings and turn on 'Scan apps "
        "with Play Protect'. If you did not turn it off, check the other findings for apps "
        "you do not recognise."
    ),
    references=("https://developers.google.com/android/play-protect",),
)

GMS = "com.google.android.gms"


def evaluate(inp: AuditInput) -> Finding:
    snap = inp.snapshot
    if "global" not in snap.settings:
        return finding(META, Status.INCONCLUSIVE, "The phone's global settings could not be read.",
                       evidence=[Evidence("settings", "settings list global gave nothing", "adb shell settings list global")])
    enable = snap.setting("global", "package_verifier_enable")
    adb_inst = snap.setting("global", "verifier_verify_adb_installs")
    consent = snap.setting("global", "package_verifier_user_consent")
    ev = [Evidence("settings", f"{k} = {v}", cmd_settings("global", k))
          for k, v in (("package_verifier_enable", enable), ("verifier_verify_adb_installs", adb_inst),
                       ("package_verifier_user_consent", consent)) if v is not None]
    gms = snap.package(GMS)
    if enable is not None and enable.strip() == "0":
        return finding(META, Status.FAIL, "App verification (Play Protect) is turned off.", evidence=ev)
    if consent is not None and consent.strip() == "-1":
        return finding(META, Status.FAIL, "Scanning apps with Play Protect was declined on this phone.", evidence=ev)
    if adb_inst is not None and adb_inst.strip() == "0":
        return finding(META, Status.WARN,
                       "Apps installed over USB (adb) are not verified; other installs are.", evidence=ev)
    if enable is None and (gms is None or not gms.enabled):
        return finding(META, Status.NOT_APPLICABLE,
                       "This phone has no enabled Google Play services, so Play Protect is not available; "
                       "check what the maker offers instead.",
                       evidence=ev + [Evidence("pm list packages", f"{GMS} is "
                                               + ("disabled" if gms else "not installed"),
                                               "adb shell pm list packages com.google.android.gms")])
    return finding(META, Status.PASS, "App verification (Play Protect) is on.", evidence=ev)
