"""The commands the simulated phone's shell knows, one module per command family.

`COMMANDS` maps a name found in /system/bin to its handler; `SHELL_BUILTINS` are
the shell's own (`exit`, `command`, `cd`). A handler is
`handler(ctx: ShellContext, argv: list[str], stdin: bytes) -> ShellResult`.
"""

from __future__ import annotations

from simulator.commands import (
    appops,
    basic,
    content,
    dumpsys,
    fs,
    getprop,
    package,
    proc,
    settings,
    text,
)

COMMANDS = {
    "getprop": getprop.getprop,
    "pm": package.pm,
    "cmd": dumpsys.cmd,
    "dumpsys": dumpsys.dumpsys,
    "settings": settings.settings,
    "content": content.content,
    "appops": appops.appops,
    "ls": fs.ls,
    "stat": fs.stat,
    "cat": fs.cat,
    "sha256sum": fs.sha256sum,
    "md5sum": fs.md5sum,
    "sha1sum": fs.sha1sum,
    "sha512sum": fs.sha512sum,
    "head": text.head,
    "tail": text.tail,
    "wc": text.wc,
    "base64": text.base64,
    "find": text.find,
    "ps": proc.ps,
    "logcat": proc.logcat,
    "bu": proc.bu,
    "remount": proc.remount,
    "which": basic.which,
    "id": basic.id_,
    "echo": basic.echo,
    "getenforce": basic.getenforce,
    "true": basic.true,
    "false": basic.false,
    "sh": basic.sh,
}

SHELL_BUILTINS = {
    "exit": basic.exit_,
    "command": basic.command,
    "cd": basic.cd,
}
