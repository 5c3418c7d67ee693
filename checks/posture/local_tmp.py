"""os.data-local-tmp: programs left in /data/local/tmp.

/data/local/tmp is the one folder the adb shell may write and run programs from, so it is
where rooting kits, instrumentation servers (frida-server) and exploit binaries are
pushed and started. An ordinary phone keeps it empty, or holds a developer's test files.
"""

from __future__ import annotations

from model.audit_input import AuditInput
from model.findings import CheckMeta, Evidence, Finding, Severity, Status, finding
from model.snapshot import DirEntry

META = CheckMeta(
    needs=("ls /data/local/tmp",),
    apk_scope="none",
    id="os.data-local-tmp",
    title="Programs in /data/local/tmp",
    category="os",
    severity=Severity.HIGH,
    looks_at=(
        "The files in /data/local/tmp (`ls -la`): names of known rooting, hooking and "
        "exploit tools (frida-server, su, busybox, magisk, ...) and any other file marked executable."
    ),
    why=(
        "Tools that take over a phone are pushed to /data/local/tmp and run from there: "
        "frida-server hooks into any app, su and Magisk give root. Left behind, they show "
        "someone worked on the phone over USB, and some keep running."
    ),
    remediation=(
        "If you did not put them there, someone who had the phone over USB did: read the "
        "other findings, and ask a specialist before deleting (they are evidence). To "
        "remove them: `adb shell rm /data/local/tmp/NAME`, then restart the phone."
    ),
    references=("https://frida.re/docs/android/", "https://docs.mvt.re/en/latest/android/adb/"),
)

CMD = "adb shell ls -la /data/local/tmp"
#: tool names (lower case) as they are pushed; a name starting with one of PREFIXES too
KNOWN_TOOLS = frozenset({
    "su", "busybox", "toybox-ext", "magisk", "magisk32", "magisk64", "magiskinit", "magiskpolicy",
    "magiskboot", "supolicy", "sepolicy-inject", "frida", "frida-server", "frida-inject",
    "frida-gadget.so", "gdbserver", "gdbserver64", "lldb-server", "strace", "tcpdump", "mtk-su",
    "dirtycow", "dcow", "zergrush", "psneuter", "rageagainstthecage", "towelroot", "iovyroot",
})
PREFIXES = ("frida-server", "frida-inject", "re.frida", "magisk", "mtk-su")
MAX_SHOWN = 80


def shown(name: str) -> str:
    """A phone's file name for a summary: control characters made visible, cut."""
    clean = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in name)
    return clean if len(clean) <= MAX_SHOWN else clean[:MAX_SHOWN] + f"... ({len(clean) - MAX_SHOWN} more chars)"


def _known(e: DirEntry) -> bool:
    low = e.name.lower()
    return low in KNOWN_TOOLS or low.startswith(PREFIXES)


def _evidence(e: DirEntry) -> Evidence:
    size = f" {e.size} bytes" if e.size is not None else ""
    link = f" -> {shown(e.target)}" if e.target is not None else ""
    return Evidence("/data/local/tmp", f"{e.mode} {e.owner} {e.group}{size} {shown(e.name)}{link}", CMD)


def evaluate(inp: AuditInput) -> Finding:
    entries = inp.snapshot.local_tmp
    if entries is None:
        return finding(META, Status.NOT_APPLICABLE, "/data/local/tmp was not listed.")
    known = [e for e in entries if _known(e)]
    other = [e for e in entries if e.executable and e not in known]
    if known:
        tail = f"; other programs: {', '.join(shown(e.name) for e in other[:10])}" if other else ""
        return finding(META, Status.FAIL,
                       f"Known rooting or hooking tools are in /data/local/tmp: "
                       f"{', '.join(shown(e.name) for e in known[:10])}{tail}.",
                       subjects=[e.name for e in known + other], evidence=[_evidence(e) for e in known + other])
    if other:
        return finding(META, Status.WARN,
                       f"{len(other)} program{'s are' if len(other) != 1 else ' is'} in /data/local/tmp: "
                       f"{', '.join(shown(e.name) for e in other[:10])}. Nothing on an ordinary phone runs from there.",
                       subjects=[e.name for e in other], evidence=[_evidence(e) for e in other],
                       severity=Severity.MEDIUM)
    if entries:
        return finding(META, Status.PASS,
                       f"/data/local/tmp holds {len(entries)} entr{'ies' if len(entries) != 1 else 'y'}, "
                       "none of them a program or a known tool.",
                       evidence=[_evidence(e) for e in entries])
    return finding(META, Status.PASS, "/data/local/tmp is empty.",
                   evidence=[Evidence("/data/local/tmp", "no entry besides . and ..", CMD)])
