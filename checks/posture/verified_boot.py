"""os.verified-boot: bootloader lock and verified boot state."""

from __future__ import annotations

from checks.commands import cmd_getprop
from model.audit_input import AuditInput
from model.findings import CheckMeta, Evidence, Finding, Severity, Status, finding

META = CheckMeta(
    needs=('getprop',),
    apk_scope='none',
    id="os.verified-boot",
    title="Verified boot and bootloader lock",
    category="os",
    severity=Severity.HIGH,
    looks_at="ro.boot.verifiedbootstate, ro.boot.flash.locked and ro.boot.vbmeta.device_state.",
    why=(
        "Verified boot checks at every start that the system has not been altered. With an "
        "unlocked bootloader anyone holding the phone for a few minutes can install a "
        "modified system that survives a factory reset."
    ),
    remediation=(
        "If you did not unlock the bootloader yourself, treat the phone as tampered with: back "
        "up your data and have it reflashed with the maker's firmware, then relock the "
        "bootloader (fastboot flashing lock; this erases the phone). A factory reset alone "
        "does not undo a modified system."
    ),
    references=("https://source.android.com/docs/security/features/verifiedboot/boot-flow",),
)

_KEYS = ("ro.boot.verifiedbootstate", "ro.boot.flash.locked", "ro.boot.vbmeta.device_state")


def evaluate(inp: AuditInput) -> Finding:
    snap = inp.snapshot
    vals = {k: (snap.prop(k) or "").strip().lower() for k in _KEYS}
    ev = [Evidence("getprop", f"{k} = {snap.prop(k)}", cmd_getprop(k)) for k in _KEYS if vals[k]]
    state, flash, dev = vals["ro.boot.verifiedbootstate"], vals["ro.boot.flash.locked"], vals["ro.boot.vbmeta.device_state"]
    if not any(vals.values()):
        return finding(META, Status.INCONCLUSIVE,
                       "The phone did not report its verified boot state or bootloader lock.",
                       evidence=[Evidence("getprop", "none of the verified boot properties is set",
                                          cmd_getprop(_KEYS[0]))])
    unlocked = flash == "0" or dev == "unlocked" or state == "orange"
    if unlocked:
        return finding(META, Status.FAIL,
                       "The bootloader is unlocked: the system can be replaced without the phone noticing.",
                       evidence=ev)
    if state == "red":
        return finding(META, Status.FAIL, "Verified boot reports the system as corrupted (red).", evidence=ev)
    if state == "yellow":
        return finding(META, Status.WARN,
                       "The bootloader is locked with a key that is not the maker's (yellow): the phone "
                       "runs a custom system. Fine if you installed it yourself.", evidence=ev)
    if state == "green" or (flash == "1" or dev == "locked"):
        extra = "" if state == "green" else " (the verified boot state was not reported)"
        return finding(META, Status.PASS, "The bootloader is locked and verified boot is on." + extra,
                       evidence=ev)
    return finding(META, Status.INCONCLUSIVE,
                   f"The verified boot state '{state or 'unknown'}' is not one phone-audit knows.", evidence=ev)
