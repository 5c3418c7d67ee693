"""The `--user N` option that `pm`, `settings`, `appops` and `cmd ...` take anywhere on
their command line."""

from __future__ import annotations

from typing import Sequence


def without_user(args: Sequence[str], only: str | None = None) -> tuple[list[str], str | None]:
    """`args` without their `--user N` options, and the last N given (None if none).

    With `only`, just `--user <only>` is taken out and any other `--user N` stays: the
    command matcher drops `--user 0` (the default user) and keeps the rest, so a profile
    can answer another user's command differently."""
    rest: list[str] = []
    user = None
    i = 0
    while i < len(args):
        if args[i] == "--user" and i + 1 < len(args) and (only is None or args[i + 1] == only):
            user = args[i + 1]
            i += 2
            continue
        rest.append(args[i])
        i += 1
    return rest, user
