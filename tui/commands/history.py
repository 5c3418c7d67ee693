"""`phone-audit history [DEVICE]`: earlier audits, newest first.

Status is "complete", "incomplete" (the phone was lost, the adb server died, or the
audit was cancelled), "interrupted" (the process died mid-audit) or "running".
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("device", nargs="?", metavar="DEVICE",
                        help="only this phone (ro.serialno or adb serial)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--db", dest="history_db", metavar="FILE", help="history database")


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_main(args))


async def _main(args: argparse.Namespace) -> int:
    from store import Store
    from audit.reports.terminal_text import plain
    from audit.ranking import phone_name

    store = await Store.open(getattr(args, "history_db", None) or getattr(args, "db", None))
    try:
        audits = await store.list_audits(args.device)
    finally:
        await store.close()
    if args.json:
        print(json.dumps(audits, ensure_ascii=False, indent=2))
        return 0
    if not audits:
        print("no audits" + (f" of {plain(args.device)}" if args.device else ""))
        return 0
    # ID is the database's (what `diff` takes); # counts this phone's audits from 1
    print(f"{'ID':>5} {'#':>4}  {'STARTED':<24} {'STATUS':<11} {'FAIL':>4} {'WARN':>4} {'PASS':>4}  "
          f"{'BENCH':<14} DEVICE")
    for a in audits:
        d = a["device"]
        name = plain(phone_name(d))
        who = f"{plain(a['device_key'])}" + (f" ({name})" if name else "")
        c = a["counts"]
        # bench and technician come from a shop's config, possibly another bench's
        bench = plain(a.get("bench") or "-") + (f"/{plain(a['technician'])}" if a.get("technician") else "")
        number = f"#{a['number']}" if a.get("number") else "-"
        print(f"{a['id']:>5} {number:>4}  {plain(a['started_at']):<24} {a['status']:<11} "
              f"{c['fail']:>4} {c['warn']:>4} {c['pass']:>4}  {bench:<14} {who}")
        if a.get("source") == "capture":
            # dated by the capture: when the phone was read, not when it was analysed
            print(f"{'':>12}re-analysis of a capture taken {plain(a['started_at'])}")
        for p in a["problems"][:3] if not a["complete"] else ():
            print(f"{'':>7}problem: {plain(p['reason'])}")
    return 0
