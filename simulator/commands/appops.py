"""`appops get PKG [OP]` (also `cmd appops get ...`)."""

from __future__ import annotations

from simulator.commands.android import APPOP_DEFAULT_MODE, APPOP_NAMES
from simulator.commands import activity as _activity
from simulator.commands.result import fail, ok
from simulator.commands.user_option import without_user


def _op_name(text: str) -> str | None:
    """An op as the shell accepts it: "REQUEST_INSTALL_PACKAGES" or "android:request_install_packages"."""
    if text.startswith("android:"):
        text = text[len("android:"):].upper()
    return text


def appops(ctx, argv, stdin):
    user_args, _user = without_user(argv[1:])
    if not user_args or user_args[0] in ("help", "-h"):
        return ok("AppOps service (appops) commands:\n  help\n    Print this help text.\n"
                  "  get [--user <USER_ID>] <PACKAGE | UID> [<OP>]\n    Return the mode of an operation.\n")
    verb = user_args[0]
    if verb != "get":
        if verb in ("set", "reset", "write-settings", "read-settings", "start", "stop"):
            return fail("Security exception: the simulated phone is read-only\n", 255)
        return fail(f"Unknown command: {verb}\n", 255)
    if len(user_args) < 2:
        return fail("Error: No UID specified\n", 255)
    pkg_name = user_args[1]
    pkg = ctx.phone.profile.package(pkg_name)
    if pkg is None:
        return fail(f"Error: No UID for {pkg_name} in user 0\n", 255)
    op = None
    if len(user_args) > 2:
        op = _op_name(user_args[2])
        if op not in APPOP_NAMES and op not in pkg.appops:
            return fail(f"Error: Unknown operation string: {user_args[2]}\n", 255)
    entries = [(name, mode) for name, mode in pkg.appops.items() if op is None or name == op]
    if op is not None and not entries and _activity.sms_time_suffix(ctx.phone, pkg_name, op):
        entries = [(op, APPOP_DEFAULT_MODE.get(op, "allow"))]  # used, at its default mode
    if not entries:
        text = "No operations.\n"
        if op is not None:
            text += f"Default mode: {APPOP_DEFAULT_MODE.get(op, 'allow')}\n"
        return ok(text)
    return ok("".join(f"{name}: {mode}{_activity.sms_time_suffix(ctx.phone, pkg_name, name)}\n"
                      for name, mode in entries))
