"""`settings list NS`, `settings get NS KEY` (also reached as `cmd settings ...`)."""

from __future__ import annotations

from simulator.commands.result import fail, ok
from simulator.commands.user_option import without_user
from simulator.profile_model import SETTINGS_NAMESPACES

USAGE = """Settings provider (settings) commands:
  help
      Print this help text.
  get [--user <USER_ID> | current] NAMESPACE KEY
      Retrieve the current value of KEY.
  list [--user <USER_ID> | current] NAMESPACE
      Print all defined keys.
      NAMESPACE is one of {system, secure, global}, case-insensitive
"""


def settings(ctx, argv, stdin):
    # --user may come before or after the verb
    rest, _user = without_user(argv[1:])
    if not rest or rest[0] in ("help", "-h"):
        return ok(USAGE)
    verb = rest[0]
    if verb not in ("get", "list", "put", "delete", "reset"):
        return fail(f"Invalid command: {verb}\n", 255)
    if len(rest) < 2:
        return fail(f"Invalid arguments to command: {verb}\n", 255)
    ns = rest[1].lower()
    if ns not in SETTINGS_NAMESPACES:
        return fail(f"Invalid namespace '{rest[1]}'\n", 255)
    table = ctx.phone.profile.settings[ns]
    if verb == "list":
        return ok("".join(sorted(f"{k}={v}\n" for k, v in table.items())))
    if verb == "get":
        if len(rest) < 3:
            return fail("Invalid arguments to command: get\n", 255)
        return ok(table.get(rest[2], "null") + "\n")
    # writes: the simulated phone never changes
    return fail("Security exception: the simulated phone is read-only\n", 255)
