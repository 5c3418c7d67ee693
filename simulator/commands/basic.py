"""Small commands: echo, id, which, getenforce, true, false, sh -c, and shell builtins."""

from __future__ import annotations

from simulator.commands.result import fail, ok

ID_GROUPS = (
    "2000(shell),1004(input),1007(log),1011(adb),1015(sdcard_rw),1028(sdcard_r),"
    "3001(net_bt_admin),3002(net_bt),3003(inet),3006(net_bw_stats),3009(readproc),3011(uhid)"
)
ID_GROUPS_R = ID_GROUPS.replace("1028(sdcard_r),", "1028(sdcard_r),1078(ext_data_rw),1079(ext_obb_rw),")


def echo(ctx, argv, stdin):
    """toybox echo: -n (no newline), -e (escapes), -E."""
    args = argv[1:]
    newline, escapes = True, False
    while args and len(args[0]) > 1 and args[0][0] == "-" and set(args[0][1:]) <= set("neE"):
        for f in args[0][1:]:
            if f == "n":
                newline = False
            elif f == "e":
                escapes = True
            else:
                escapes = False
        args = args[1:]
    text = " ".join(args)
    if escapes:
        text, stop = _unescape(text)
        if stop:
            newline = False
    return ok(text + ("\n" if newline else ""))


def _unescape(text: str) -> tuple[str, bool]:
    out, i = [], 0
    table = {"n": "\n", "t": "\t", "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "r": "\r", "v": "\v", "e": "\x1b"}
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            d = text[i + 1]
            if d == "c":
                return "".join(out), True
            if d in table:
                out.append(table[d])
                i += 2
                continue
        out.append(c)
        i += 1
    return "".join(out), False


def id_(ctx, argv, stdin):
    """`id` of the adb shell user."""
    args = argv[1:]
    if not args:
        groups = ID_GROUPS_R if ctx.phone.profile.sdk >= 30 else ID_GROUPS
        return ok(f"uid=2000(shell) gid=2000(shell) groups={groups} context=u:r:shell:s0\n")
    flags = "".join(a[1:] for a in args if a.startswith("-"))
    if "u" in flags:
        return ok("shell\n" if "n" in flags else "2000\n")
    if "g" in flags:
        return ok("shell\n" if "n" in flags else "2000\n")
    if "G" in flags:
        return ok(" ".join(g.split("(")[1].rstrip(")") if "n" in flags else g.split("(")[0] for g in ID_GROUPS.split(",")) + "\n")
    name = next((a for a in args if not a.startswith("-")), "")
    if name in ("shell", "2000"):
        return id_(ctx, ["id"], stdin)
    return fail(f"id: no such user '{name}'\n")


def getenforce(ctx, argv, stdin):
    """SELinux mode: Enforcing unless ro.boot.selinux says otherwise."""
    mode = ctx.phone.profile.props.get("ro.boot.selinux", "enforcing").strip().lower()
    return ok({"permissive": "Permissive\n", "disabled": "Disabled\n"}.get(mode, "Enforcing\n"))


def which(ctx, argv, stdin):
    """toybox which: the path of each command on $PATH; exit 1 if any is missing."""
    from simulator.shell import resolve_command

    args = [a for a in argv[1:] if a != "-a"]
    if not args:
        return fail("", 1)
    lines, code = [], 0
    for name in args:
        kind, path = resolve_command(ctx, name)
        if kind in ("command", "file") and path:
            lines.append(path + "\n")
        else:
            code = 1
    return ok("".join(lines), code=code)


def command(ctx, argv, stdin):
    """The `command -v NAME` builtin (other uses run the command)."""
    from simulator.shell import resolve_command

    args = argv[1:]
    if args and args[0] in ("-v", "-V"):
        lines, code = [], 0
        for name in args[1:]:
            kind, path = resolve_command(ctx, name)
            if kind == "builtin":
                lines.append(name + "\n")
            elif kind in ("command", "file") and path:
                lines.append(path + "\n")
            else:
                code = 1
        return ok("".join(lines), code=code)
    if not args:
        return ok()
    from simulator.commands import COMMANDS

    kind, path = resolve_command(ctx, args[0])
    if kind == "command":
        return COMMANDS[path.rsplit("/", 1)[1]](ctx, args, stdin)
    return fail(f"/system/bin/sh: {args[0]}: inaccessible or not found\n", 127)


def exit_(ctx, argv, stdin):
    from simulator.shell import make_exit

    try:
        code = int(argv[1]) if len(argv) > 1 else ctx.status
    except ValueError:
        return fail(f"/system/bin/sh: exit: {argv[1]}: bad number\n", 1)
    return make_exit(code & 0xFF)


def cd(ctx, argv, stdin):
    return ok()


def true(ctx, argv, stdin):
    return ok()


def false(ctx, argv, stdin):
    return ok(code=1)


def sh(ctx, argv, stdin):
    """`sh -c 'LINE'` runs LINE in a fresh shell."""
    from simulator import shell

    if len(argv) >= 3 and argv[1] == "-c":
        return shell.run(ctx.phone, argv[2], env=ctx.env)
    if len(argv) == 1:
        return shell.run(ctx.phone, stdin.decode(errors="replace"), env=ctx.env)
    return fail(f"/system/bin/sh: {argv[1]}: inaccessible or not found\n", 127)
