"""How Android says "no" while exiting 0: the one table of refusal texts.

`dumpsys`, `cmd`, `pm` and `settings` often print a refusal and exit with status 0, or
stop half-way through an answer. Reading such an answer as data would turn "could not
read" into "none found". Each entry is a text real Android prints, the state it means
(`refused`, `timed_out`, or `truncated` for a dump that stopped part-way), and where in
AOSP it is printed, so a reviewer can check it (each path was looked up in the AOSP
sources: frameworks/native cmds/dumpsys/dumpsys.cpp and cmds/cmd/cmd.cpp, frameworks/base
core/java/android/os/Binder.java, core/java/com/android/internal/util/DumpUtils.java,
cmds/content/.../Content.java).

A refusal is recognised at the start of any line of stdout or stderr, not only the first
line: `dumpsys` prints its timeout marker and `Binder.dump` its exception after part of
the answer has been written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

REFUSED = "refused"
TIMED_OUT = "timed_out"
TRUNCATED = "truncated"


@dataclass(frozen=True)
class RefusalText:
    """One way Android refuses, as printed, and where it comes from."""

    pattern: str  # a regular expression matched at the start of a line
    state: str  # REFUSED, TIMED_OUT or TRUNCATED
    source: str  # AOSP repository and path that prints it
    example: str  # a line as a phone prints it (the property tests replay these)


TABLE: tuple[RefusalText, ...] = (
    RefusalText(r"Permission Denial: ", REFUSED,
                "platform/frameworks/base core/java/com/android/internal/util/DumpUtils.java",
                "Permission Denial: can't dump device_policy from from pid=1234, uid=2000 "
                "due to missing android.permission.DUMP permission"),
    RefusalText(r"Can't find service: ", REFUSED,
                "platform/frameworks/native cmds/dumpsys/dumpsys.cpp",
                "Can't find service: device_policy"),
    RefusalText(r"cmd: Can't find service: ", REFUSED,
                "platform/frameworks/native cmds/cmd/cmd.cpp",
                "cmd: Can't find service: package"),
    RefusalText(r"cmd: Failure calling service ", REFUSED,
                "platform/frameworks/native cmds/cmd/cmd.cpp",
                "cmd: Failure calling service settings: Failed transaction (2147483646)"),
    RefusalText(r"Error dumping service info: ", REFUSED,
                "platform/frameworks/native cmds/dumpsys/dumpsys.cpp",
                "Error dumping service info: (Permission denied) device_policy"),
    RefusalText(r"\*\*\* SERVICE '[^']*' DUMP TIMEOUT \([^)]*\) EXPIRED \*\*\*", TIMED_OUT,
                "platform/frameworks/native cmds/dumpsys/dumpsys.cpp (on stdout, after what the service "
                "wrote; '(10s)' on Android 8-9, '(10000ms)' from Android 10)",
                "*** SERVICE 'package' DUMP TIMEOUT (10000ms) EXPIRED ***"),
    RefusalText(r"Failed to write while dumping service ", TRUNCATED,
                "platform/frameworks/native cmds/dumpsys/dumpsys.cpp (on stderr: the dump stopped part-way)",
                "Failed to write while dumping service package: Broken pipe"),
    RefusalText(r"Exception occurred while dumping:", REFUSED,
                "platform/frameworks/base core/java/android/os/Binder.java (dump(): any Throwable of the "
                "service's dump, printed with its stack trace after what was already written)",
                "Exception occurred while dumping:\njava.lang.SecurityException: "
                "No permission to dump"),
    RefusalText(r"(java\.lang\.)?SecurityException: ", REFUSED,
                "platform/frameworks/base services/core/java/com/android/server/pm/"
                "PackageManagerShellCommand.java (uncaught exception printed by the shell command)",
                "java.lang.SecurityException: Shell does not have permission to access user 0"),
    RefusalText(r"Security exception: ", REFUSED,
                "platform/frameworks/base core/java/android/os/Binder.java (dump(): a SecurityException "
                "of the service's dump, printed before it is rethrown)",
                "Security exception: Permission Denial: does not have android.permission.INTERACT_ACROSS_USERS"),
    RefusalText(r"Error while accessing provider:", REFUSED,
                "platform/frameworks/base cmds/content/src/com/android/commands/content/Content.java "
                "(on stderr, then the exception's stack trace; exit status 0 on some versions)",
                "Error while accessing provider:sms"),
    RefusalText(r"Error: java\.lang\.SecurityException", REFUSED,
                "no AOSP print of this exact shape was found (Content.java prints the line above); kept "
                "for shells that prefix the exception with 'Error: '",
                "Error: java.lang.SecurityException: Permission Denial: reading "
                "com.android.providers.telephony.SmsProvider uri content://sms"),
    RefusalText(r"/system/bin/sh: [^:]+: (inaccessible or )?not found", REFUSED,
                "platform/external/mksh src/exec.c; real phones print '/system/bin/sh: su: inaccessible "
                "or not found' (public adb captures), exit status 127",
                "/system/bin/sh: appops: not found"),
)

_COMPILED = tuple((re.compile(r"^[ \t]*(" + t.pattern + r")", re.M), t) for t in TABLE)

#: literal words one of which every entry contains: a cheap test before the regexes
_ANCHORS = ("Denial", "find service", "Failure calling", "Error dumping", "DUMP TIMEOUT",
            "while dumping", "ecurity", "not found", "accessing provider")
_ANCHOR_BYTES = tuple(a.encode() for a in _ANCHORS)

#: only the first and the last MiB of each stream are searched: bounded time whatever the
#: phone sends, and the markers printed after part of a long answer (the dump timeout, an
#: exception half-way) are at its end
_SCAN_LIMIT = 1 << 20


def _ends(stream: bytes | str) -> bytes | str:
    if len(stream) <= 2 * _SCAN_LIMIT:
        return stream
    return stream[:_SCAN_LIMIT] + stream[-_SCAN_LIMIT:]


def find_refusal(stdout: bytes | str, stderr: bytes | str = b"") -> tuple[str, str] | None:
    """(state, the phone's line) for the first refusal in stdout or stderr, else None."""
    for stream in (stderr, stdout):
        if not stream:
            continue
        text = _ends(stream)
        if isinstance(text, bytes):
            if not any(a in text for a in _ANCHOR_BYTES):
                continue
            text = text.decode("utf-8", errors="replace")
        elif not any(a in text for a in _ANCHORS):
            continue
        for rx, entry in _COMPILED:
            m = rx.search(text)
            if m:
                start = m.start(1)
                end = text.find("\n", start)
                line = text[start: end if end >= 0 else len(text)].strip()
                return entry.state, line[:300]
    return None
