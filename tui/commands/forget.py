"""`phone-audit forget SERIAL` / `phone-audit forget --all`: remove a phone's audits,
snapshots, findings and inventory from the history database and compact it, so the
bytes are gone from the file and its WAL. The APK analysis cache stays (see
store/forget.py)."""

from __future__ import annotations

import argparse
import asyncio
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("device", nargs="?", metavar="SERIAL",
                        help="the phone to forget (ro.serialno or adb serial)")
    parser.add_argument("--all", action="store_true", help="forget every phone")
    parser.add_argument("--db", dest="history_db", metavar="FILE", help="history database")


def run(args: argparse.Namespace) -> int:
    if bool(args.device) == bool(args.all):
        print("phone-audit forget: give one SERIAL or --all", file=sys.stderr)
        return 2
    return asyncio.run(_main(args))


async def _main(args: argparse.Namespace) -> int:
    from store import Store
    from store.forget import forget_all, forget_device
    from audit.reports.terminal_text import plain

    store = await Store.open(getattr(args, "history_db", None) or getattr(args, "db", None))
    try:
        n = await (forget_all(store) if args.all else forget_device(store, args.device))
    finally:
        await store.close()
    who = "every phone" if args.all else plain(args.device)
    print(f"forgot {n} audit{'s' if n != 1 else ''} of {who}; the database was compacted")
    return 0
