"""`phone-audit diff AUDIT_A AUDIT_B`: what appeared and what was fixed between two
audits (ids from `phone-audit history`; A is the earlier one)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("audit_a", type=int, metavar="AUDIT_A", help="the earlier audit id")
    parser.add_argument("audit_b", type=int, metavar="AUDIT_B", help="the later audit id")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--all", action="store_true", help="also list unchanged checks")
    parser.add_argument("--db", dest="diff_db", metavar="FILE", help="history database")


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_main(args))


def _status(s: str | None) -> str:
    return "absent" if s is None else s


async def _main(args: argparse.Namespace) -> int:
    from store import Store
    from tui.reports.summary import plain

    store = await Store.open(getattr(args, "diff_db", None) or getattr(args, "db", None))
    try:
        try:
            d = await store.diff(args.audit_a, args.audit_b)
        except KeyError as exc:
            print(f"phone-audit diff: {exc.args[0]}", file=sys.stderr)
            return 2
    finally:
        await store.close()
    if args.json:
        print(json.dumps(d, ensure_ascii=False, indent=2))
        return 0
    print(f"audit #{args.audit_a} -> audit #{args.audit_b}")
    sections = [("appeared", "Appeared"), ("fixed", "Fixed"), ("changed", "Changed")]
    if args.all:
        sections.append(("unchanged", "Unchanged"))
    for key, title in sections:
        entries = d[key]
        print(f"\n{title} ({len(entries)})")
        for e in entries:
            print(f"  {e['check']}: {_status(e['before'])} -> {_status(e['after'])}"
                  f"  {plain(e['summary_after'] or e['summary_before'] or '')}")
            if e["subjects_added"]:
                print("    new: " + ", ".join(plain(s) for s in e["subjects_added"]))
            if e["subjects_removed"]:
                print("    gone: " + ", ".join(plain(s) for s in e["subjects_removed"]))
    if not args.all:
        print(f"\nUnchanged: {len(d['unchanged'])}")
    return 0
