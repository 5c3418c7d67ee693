"""`phone-audit import-spool FILE`: put the audits a bench kept locally while the
shared database was lost (see store/backends/spool.py) into the shared store."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spool", type=Path, metavar="FILE", help="the spool file named on stderr")
    parser.add_argument("--db", dest="import_db", metavar="FILE|URL", help="the store to import into")


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_main(args))


async def _main(args: argparse.Namespace) -> int:
    from store import Store
    from store.backends.importer import import_spool

    if not args.spool.is_file():
        print(f"phone-audit import-spool: {args.spool} is not a file", file=sys.stderr)
        return 2
    try:
        store = await Store.open(getattr(args, "import_db", None) or getattr(args, "db", None))
    except ConnectionError as exc:
        print(f"phone-audit import-spool: {exc}", file=sys.stderr)
        return 3
    try:
        moved = await import_spool(args.spool, store)
    finally:
        await store.close()
    for old, new in moved:
        print(f"spooled audit #{old} -> audit #{new}")
    print(f"imported {len(moved)} audit(s); the file is now {args.spool.name}.imported")
    return 0
