"""os.encryption: storage encryption (ro.crypto.state)."""

from __future__ import annotations

from checks.commands import cmd_getprop
from model.audit_input import AuditInput
from model.findings import CheckMeta, Evidence, Finding, Severity, Status, finding

META = CheckMeta(
    needs=('getprop',),
    apk_scope='none',
    id="os.encryption",
    title="Storage encryption",
    category="os",
    severity=Severity.HIGH,
    looks_at="ro.crypto.state (encrypted / unencrypted / unsupported) and ro.crypto.type (file / block).",
    why=(
        "Encryption keeps your data unreadable to someone who takes the phone or its memory "
        "chip. Without it, anything stored can be copied off the phone."
    ),
    remediation=(
        "Set a screen lock PIN or password; on older Android versions turn on encryption in "
        "Settings > Security > Encryption. Phones shipped with Android 10 or later are always "
        "encrypted: an unencrypted one runs a modified system."
    ),
    references=("https://source.android.com/docs/security/features/encryption",),
)


def evaluate(inp: AuditInput) -> Finding:
    snap = inp.snapshot
    state = (snap.prop("ro.crypto.state") or "").strip().lower()
    ctype = (snap.prop("ro.crypto.type") or "").strip().lower()
    ev = [Evidence("getprop", f"ro.crypto.state = {snap.prop('ro.crypto.state')}", cmd_getprop("ro.crypto.state"))]
    if ctype:
        ev.append(Evidence("getprop", f"ro.crypto.type = {snap.prop('ro.crypto.type')}", cmd_getprop("ro.crypto.type")))
    if not state:
        return finding(META, Status.INCONCLUSIVE, "The phone did not report whether storage is encrypted.",
                       evidence=[Evidence("getprop", "ro.crypto.state is not set", cmd_getprop("ro.crypto.state"))])
    if state == "encrypted":
        kind = {"file": " (file-based)", "block": " (full-disk)"}.get(ctype, "")
        return finding(META, Status.PASS, f"Storage is encrypted{kind}.", evidence=ev)
    if state in ("unencrypted", "unsupported"):
        return finding(META, Status.FAIL, "Storage is not encrypted: data can be read off the phone.", evidence=ev)
    return finding(META, Status.INCONCLUSIVE, f"Unknown encryption state '{state}'.", evidence=ev)
