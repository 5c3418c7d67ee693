"""os.system-mounts: the operating system's partitions are mounted read-only.

A check of its own rather than part of os.root: a writable system partition needs no
su binary or root app (a userdebug/eng build, or an unlocked bootloader after
`adb remount`), it is what lets a tool persist across factory resets, and its
remediation (reflash the vendor's image, relock) differs from removing root apps.
"""

from __future__ import annotations

from model.audit_input import AuditInput
from model.findings import CheckMeta, Evidence, Finding, Severity, Status, finding
from model.snapshot import Mount

META = CheckMeta(
    needs=("mounts",),
    apk_scope="none",
    id="os.system-mounts",
    title="System partitions read-only",
    category="os",
    severity=Severity.HIGH,
    looks_at=(
        "The kernel's mount table (`cat /proc/mounts`): whether /, /system, /vendor, /product, "
        "/system_ext and /odm are mounted read-only, as on every production phone."
    ),
    why=(
        "With the system partition writable, anything running as root can change the "
        "operating system itself: hide an app among the system ones, replace a system "
        "binary, survive a factory reset. A phone as sold never mounts it writable."
    ),
    remediation=(
        "Restart the phone (a remount does not survive it on most phones) and audit again. "
        "If it is still writable, the phone runs a modified or development build: reinstall "
        "the vendor's own firmware and relock the bootloader, or have an authorised service "
        "centre do it."
    ),
    references=("https://source.android.com/docs/core/architecture/partitions",),
)

CMD = "adb shell cat /proc/mounts"

# the system partitions, with the same list the parser uses (kept here: checks do not
# import the device layer)
SYSTEM_MOUNT_POINTS = ("/", "/system", "/vendor", "/product", "/system_ext", "/odm")


def _top(mounts: tuple[Mount, ...]) -> dict[str, Mount]:
    """The mount on top of each system partition (the last line for a point); a rootfs,
    tmpfs or ramfs `/` (an initramfs under a separate /system) is not the system image."""
    top: dict[str, Mount] = {}
    for m in mounts:
        if m.mount_point not in SYSTEM_MOUNT_POINTS:
            continue
        if m.mount_point == "/" and m.fs_type in ("rootfs", "tmpfs", "ramfs"):
            top.pop("/", None)
            continue
        top[m.mount_point] = m
    return top


def _line(m: Mount) -> str:
    return f"{m.device} {m.mount_point} {m.fs_type} {','.join(m.options)}"


def evaluate(inp: AuditInput) -> Finding:
    mounts = inp.snapshot.mounts
    if mounts is None:
        return finding(META, Status.NOT_APPLICABLE, "The mount table was not read.")
    top = _top(mounts)
    if not top:
        return finding(META, Status.INCONCLUSIVE,
                       "The mount table lists none of the system partitions (/, /system, /vendor, ...), "
                       "so whether they are writable is unknown.",
                       evidence=[Evidence("/proc/mounts", f"{len(mounts)} mounts, no system partition", CMD)])
    order = sorted(top.values(), key=lambda m: SYSTEM_MOUNT_POINTS.index(m.mount_point))
    writable = [m for m in order if m.writable]
    if writable:
        where = ", ".join(m.mount_point for m in writable)
        return finding(META, Status.FAIL,
                       f"System partitions are mounted writable: {where}. The operating system "
                       "itself can be changed on this phone.",
                       subjects=[m.mount_point for m in writable],
                       evidence=[Evidence("/proc/mounts", _line(m), CMD) for m in writable])
    return finding(META, Status.PASS,
                   f"The system partitions are mounted read-only ({', '.join(m.mount_point for m in order)}).",
                   evidence=[Evidence("/proc/mounts", _line(m), CMD) for m in order])
