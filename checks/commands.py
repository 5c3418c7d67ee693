"""The adb command lines shown in evidence: what a technician can type to see the
same fact. Every phone-supplied string in them is quoted with `shlex.quote`.

Pure: nothing here talks to a phone.
"""

from __future__ import annotations

import shlex


#: settings namespace names as `settings get` wants them
NAMESPACES = ("global", "secure", "system")


def q(text: str) -> str:
    """Quote a phone-supplied string for a shell command line shown to the user."""
    return shlex.quote(str(text))


#: how `ps` is asked for every process (adb.parsers.commands.PS, as a shell line)
PS_LINE = "ps -A -o USER,PID,PPID,NAME"


def cmd_getprop(key: str) -> str:
    return f"adb shell getprop {q(key)}"


def cmd_settings(namespace: str, key: str) -> str:
    return f"adb shell settings get {q(namespace)} {q(key)}"


def cmd_dumpsys_package(package: str) -> str:
    return f"adb shell dumpsys package {q(package)}"


def cmd_appops(package: str, op: str = "", user: int | None = None) -> str:
    where = f"--user {user} " if user is not None else ""
    return f"adb shell appops get {where}{q(package)}" + (f" {q(op)}" if op else "")


def cmd_pull(path: str) -> str:
    return f"adb pull {q(path)}"


def cmd_code(path: str, dex: str, needle: str) -> str:
    """How to see one DEX string or type name of an APK with ordinary tools.

    `dex` is a code location (`checks.code_sources`): `classes.dex`, `assets/x.dex`,
    `assets/p.apk!/classes.dex` (an archive in the APK: unzip it from the one around
    it) or `classes.dex#2` (a section of a DEX container: `strings` sees them all).
    """
    local = path.rsplit("/", 1)[-1] or "base.apk"
    chain = (dex or "classes.dex").rpartition("#")[0] if "#" in (dex or "") else (dex or "classes.dex")
    pipe = f"unzip -p {q(local)} {q(chain.split('!/')[0])}"
    for inner in chain.split("!/")[1:]:
        pipe += f" > nested.zip && unzip -p nested.zip {q(inner)}"
    return f"adb pull {q(path)} && {pipe} | strings | grep -F {q(needle)}"
