"""`phone-audit profiles`: list the built-in simulated phones, one `NAME  DESCRIPTION` a line."""

from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """No options: the command only lists."""


def format_profiles(entries: list[tuple[str, str]]) -> str:
    """`NAME  DESCRIPTION` lines (names padded to one column), newline-terminated."""
    if not entries:
        return ""
    width = max(len(name) for name, _ in entries)
    return "".join(f"{name:<{width}}  {desc}".rstrip() + "\n" for name, desc in entries)


def run(args: argparse.Namespace) -> int:
    from simulator.profile import builtin_profiles

    entries = builtin_profiles()
    if not entries:
        print("no built-in profiles found", file=sys.stderr)
        return 0
    print(format_profiles(entries), end="")
    return 0
