"""`phone-audit accept SERIAL CHECK --reason TEXT`: accept a failed or warned finding
for one phone (an employer's device administrator, an app the owner trusts), with
the reason; `--withdraw` takes it back; `--list` shows the phone's acceptances.

The acceptance is given on the phone's latest audit and holds for its later audits
(the app, `scan`) while the finding keeps the same status, subjects and evidence; a
changed finding is no longer accepted and says so. An accepted finding keeps its
status (never shown as a pass) and does not count towards the verdict, the actions
or `--fail-on` (audit/acceptance.py, docs/scores.md).
"""

from __future__ import annotations

import argparse
import asyncio
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("device", metavar="SERIAL", help="the phone (ro.serialno or adb serial)")
    parser.add_argument("check", nargs="?", metavar="CHECK", help="the check's id, e.g. apps.device-admin")
    parser.add_argument("--reason", metavar="TEXT", help="why this finding is accepted (required to accept)")
    parser.add_argument("--by", metavar="NAME",
                        help="who accepts it (default: the configured technician, else your login name)")
    parser.add_argument("--withdraw", action="store_true", help="withdraw the acceptance of CHECK")
    parser.add_argument("--list", action="store_true", help="list the phone's acceptances")
    parser.add_argument("--db", dest="history_db", metavar="FILE", help="history database")


def _usage(text: str) -> int:
    print(f"phone-audit accept: {text}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    if args.list:
        if args.check or args.withdraw or args.reason:
            return _usage("--list takes only SERIAL")
    elif not args.check:
        return _usage("give CHECK (or --list)")
    elif args.withdraw == bool(args.reason):
        return _usage("give --reason TEXT to accept, or --withdraw")
    return asyncio.run(_main(args))


async def _main(args: argparse.Namespace) -> int:
    from audit import acceptance
    from audit.reports.terminal_text import one_line, plain
    from store import Store

    store = await Store.open(getattr(args, "history_db", None) or getattr(args, "db", None))
    try:
        latest = await store.previous_audit(args.device)
        if latest is None:
            return _usage(f"no audit of {plain(args.device)} in the history")
        key = latest["device_key"]
        if args.list:
            rows = await store.list_acceptances(key)
            if not rows:
                print(f"no accepted findings for {plain(key)}")
            for a in rows:
                by = f" by {one_line(a['by'])}" if a.get("by") else ""
                print(f"{plain(a['check'])}  {plain(a['status'])}  accepted {plain(str(a['at'])[:10])}"
                      f"{by}: {one_line(a['reason'])}")
            return 0
        number = f"#{latest['number']}" if latest.get("number") else f"id {latest['id']}"
        if args.withdraw:
            found, _ = await acceptance.withdraw(store, latest["id"], args.check)
            if not found:
                return _usage(f"{plain(args.check)} was not accepted for {plain(key)}")
            print(f"withdrawn: {plain(args.check)} on {plain(key)} counts again from audit {number} on")
            return 0
        try:
            f = await acceptance.accept(store, latest["id"], args.check, args.reason,
                                        by=args.by or acceptance.default_by())
        except (LookupError, ValueError) as exc:
            return _usage(one_line(str(exc)))
        print(f"accepted: {plain(args.check)} ({plain(f['status'])}) on {plain(key)}, as seen in "
              f"audit {number}; later audits honour it while the finding stays the same")
        return 0
    finally:
        await store.close()
