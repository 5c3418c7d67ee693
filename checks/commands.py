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


def cmd_getprop(key: str) -> str:
    return f"adb shell getprop {q(key)}"


def cmd_settings(namespace: str, key: str) -> str:
    return f"adb shell settings get {q(namespace)} {q(key)}"


def cmd_dumpsys_package(package: str) -> str:
    return f"adb shell dumpsys package {q(package)}"


def cmd_appops(package: str, op: str = "") -> str:
    return f"adb shell appops get {q(package)}" + (f" {q(op)}" if op else "")


def cmd_pull(path: str) -> str:
    return f"adb pull {q(path)}"


def cmd_code(path: str, dex: str, needle: str) -> str:
    """How to see one DEX string or type name of an APK with ordinary tools."""
    local = path.rsplit("/", 1)[-1] or "base.apk"
    return (
        f"adb pull {q(path)} && unzip -p {q(local)} {q(dex or 'classes.dex')} "
        f"| strings | grep -F {q(needle)}"
    )
