"""os.selinux: SELinux enforcing."""

from __future__ import annotations

from model.audit_input import AuditInput
from model.findings import CheckMeta, Evidence, Finding, Severity, Status, finding

META = CheckMeta(
    needs=('getenforce',),
    apk_scope='none',
    id="os.selinux",
    title="SELinux enforcing",
    category="os",
    severity=Severity.HIGH,
    looks_at="`getenforce`: whether SELinux is Enforcing, Permissive or Disabled.",
    why=(
        "SELinux keeps apps and system services inside their own boundaries. When it is not "
        "enforcing, one compromised app or service can reach much more of the phone."
    ),
    remediation=(
        "A stock phone always enforces SELinux; a permissive one runs a modified or "
        "development system. Reinstall the maker's firmware (this erases the phone)."
    ),
    references=("https://source.android.com/docs/security/features/selinux",),
)


def evaluate(inp: AuditInput) -> Finding:
    mode = (inp.snapshot.selinux or "").strip()
    ev = [Evidence("getenforce", mode or "no answer", "adb shell getenforce")]
    if not mode:
        return finding(META, Status.INCONCLUSIVE, "The phone did not say whether SELinux is enforcing.",
                       evidence=ev)
    if mode.lower() == "enforcing":
        return finding(META, Status.PASS, "SELinux is enforcing.", evidence=ev)
    if mode.lower() in ("permissive", "disabled"):
        return finding(META, Status.FAIL,
                       f"SELinux is {mode.lower()}: a basic protection of the system is off.", evidence=ev)
    return finding(META, Status.INCONCLUSIVE, f"Unknown SELinux mode '{mode}'.", evidence=ev)
