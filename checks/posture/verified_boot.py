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
    looks_at=("Every boot-state property: ro.boot.verifiedbootstate, vendor.boot.verifiedbootstate, "
              "ro.boot.flash.locked, ro.boot.vbmeta.device_state, vendor.boot.vbmeta.device_state, "
              "ro.boot.veritymode, vendor.boot.veritymode; any one saying unlocked or orange wins."),
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

#: every property Android (AOSP init, the bootloader's command line, vendor HALs) uses to
#: publish the boot state; a phone can set some and not others, so all are read
STATE_KEYS = ("ro.boot.verifiedbootstate", "vendor.boot.verifiedbootstate")
LOCK_KEYS = ("ro.boot.flash.locked",)
DEVICE_STATE_KEYS = ("ro.boot.vbmeta.device_state", "vendor.boot.vbmeta.device_state")
VERITY_KEYS = ("ro.boot.veritymode", "vendor.boot.veritymode")
_KEYS = STATE_KEYS + LOCK_KEYS + DEVICE_STATE_KEYS + VERITY_KEYS


def _unlocked_by(key: str, value: str) -> str | None:
    """Why `key = value` says the bootloader is unlocked or the system unverified."""
    if key in LOCK_KEYS and value == "0":
        return "the bootloader is unlocked"
    if key in DEVICE_STATE_KEYS and value == "unlocked":
        return "the bootloader is unlocked"
    if key in STATE_KEYS and value == "orange":
        return "verified boot is off (orange)"
    if key in VERITY_KEYS and value in ("disabled", "logging"):
        return f"dm-verity is {value}"
    return None


def _locked_by(key: str, value: str) -> bool:
    return ((key in LOCK_KEYS and value == "1") or (key in DEVICE_STATE_KEYS and value == "locked")
            or (key in STATE_KEYS and value == "green"))


def evaluate(inp: AuditInput) -> Finding:
    snap = inp.snapshot
    vals = {k: (snap.prop(k) or "").strip().lower() for k in _KEYS}
    ev = [Evidence("getprop", f"{k} = {snap.prop(k)}", cmd_getprop(k)) for k in _KEYS if vals[k]]
    if not any(vals.values()):
        return finding(META, Status.INCONCLUSIVE,
                       "The phone did not report its verified boot state or bootloader lock.",
                       evidence=[Evidence("getprop", "none of the verified boot properties is set",
                                          cmd_getprop(_KEYS[0]))])
    # any one property saying unlocked wins: a phone that lies in one place and not in
    # another is itself evidence of tampering
    unlocked = [(k, why) for k, v in vals.items() if v and (why := _unlocked_by(k, v))]
    locked = [k for k, v in vals.items() if v and _locked_by(k, v)]
    states = {vals[k] for k in STATE_KEYS if vals[k]}
    if unlocked:
        reasons = sorted({why for _, why in unlocked})
        keys = ", ".join(k for k, _ in unlocked)
        contra = (f" Other properties ({', '.join(locked)}) claim a locked, verified phone: the phone "
                  "contradicts itself, which is itself a sign of tampering." if locked else "")
        return finding(META, Status.FAIL,
                       f"The bootloader is unlocked or verified boot is off ({'; '.join(reasons)}, per {keys}): "
                       "the system can be replaced without the phone noticing." + contra,
                       evidence=ev)
    if "red" in states:
        return finding(META, Status.FAIL, "Verified boot reports the system as corrupted (red).", evidence=ev)
    if "yellow" in states:
        return finding(META, Status.WARN,
                       "The bootloader is locked with a key that is not the maker's (yellow): the phone "
                       "runs a custom system. Fine if you installed it yourself.", evidence=ev)
    if len(states) > 1:
        return finding(META, Status.INCONCLUSIVE,
                       f"The verified boot properties disagree ({', '.join(sorted(states))}).", evidence=ev)
    state = next(iter(states), "")
    if state and state != "green":
        return finding(META, Status.INCONCLUSIVE,
                       f"The verified boot state '{state}' is not one phone-audit knows.", evidence=ev)
    if state == "green" or locked:
        extra = "" if state == "green" else " (the verified boot state was not reported)"
        return finding(META, Status.PASS, "The bootloader is locked and verified boot is on." + extra,
                       evidence=ev)
    return finding(META, Status.INCONCLUSIVE,
                   "The verified boot properties the phone set say neither locked nor unlocked.", evidence=ev)
