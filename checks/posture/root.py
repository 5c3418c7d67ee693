"""os.root: traces of root (su binaries, root managers, a shell running as uid 0) and
builds that give root easily (test-keys, debuggable, ro.secure=0)."""

from __future__ import annotations

from checks.commands import cmd_dumpsys_package, cmd_getprop, q
from model.audit_input import AuditInput
from model.findings import CheckMeta, Evidence, Finding, Severity, Status, finding

META = CheckMeta(
    needs=('getprop', 'pm list packages', 'root probes', 'id'),
    apk_scope='none',
    id="os.root",
    title="Root access",
    category="os",
    severity=Severity.HIGH,
    looks_at=(
        "su binaries on the usual paths, root managers and root-hiding apps (Magisk, SuperSU, "
        "...), whether the adb shell runs as root (`id`), and build properties ro.build.tags "
        "(test-keys), ro.debuggable and ro.secure."
    ),
    why=(
        "Root lets any app that gets it read every other app's data and hide itself. Root you "
        "did not set up yourself is a strong sign of tampering or stalkerware; a debuggable or "
        "test-keys build gives root to anyone with a cable."
    ),
    remediation=(
        "If you rooted the phone yourself, know that banking and security features may rely "
        "on it not being rooted. If you did not, back up your data and reinstall the maker's "
        "firmware; a factory reset does not remove root installed in the system partition."
    ),
    references=("https://source.android.com/docs/security/overview/kernel-security",),
)


def evaluate(inp: AuditInput) -> Finding:
    snap, kb = inp.snapshot, inp.knowledge
    if not snap.props:
        return finding(META, Status.INCONCLUSIVE, "The phone's properties could not be read.")
    ev: list[Evidence] = []
    signs: list[str] = []
    for path in snap.root.su_paths:
        ev.append(Evidence("ls", f"su binary at {path}", f"adb shell ls -l {q(path)}"))
    if snap.root.su_paths:
        signs.append("an su binary")
    root_pkgs = set(snap.root.root_packages)
    known = set(getattr(kb, "root_packages", ()) or ())
    root_pkgs |= {p.name for p in snap.packages if p.name in known}
    for name in sorted(root_pkgs):
        ev.append(Evidence("pm list packages", f"root tool installed: {name}", cmd_dumpsys_package(name)))
    if root_pkgs:
        signs.append("a root tool app")
    if snap.root.shell_is_root:
        ev.append(Evidence("id", "the adb shell runs as uid 0 (root)", "adb shell id"))
        signs.append("a root adb shell")
    tags = snap.prop("ro.build.tags") or ""
    if "test-keys" in tags:
        ev.append(Evidence("getprop", f"ro.build.tags = {tags}", cmd_getprop("ro.build.tags")))
        signs.append("a test-keys build")
    if (snap.prop("ro.debuggable") or "").strip() == "1":
        ev.append(Evidence("getprop", "ro.debuggable = 1", cmd_getprop("ro.debuggable")))
        signs.append("a debuggable build")
    if (snap.prop("ro.secure") or "").strip() == "0":
        ev.append(Evidence("getprop", "ro.secure = 0", cmd_getprop("ro.secure")))
        signs.append("ro.secure=0")
    if signs:
        return finding(META, Status.FAIL,
                       f"This phone shows signs of root: {', '.join(signs)}.",
                       subjects=sorted(root_pkgs), evidence=ev)
    checked = [Evidence("getprop", f"ro.build.tags = {tags or 'unset'}", cmd_getprop("ro.build.tags")),
               Evidence("which", "no su binary found", "adb shell which su")]
    return finding(META, Status.PASS, "No sign of root was found.", evidence=checked)
