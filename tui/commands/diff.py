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


def _device_key(report: dict) -> str:
    d = report.get("device") or {}
    return str(d.get("serial") or d.get("adb_serial") or "")


def _describe(report: dict) -> str:
    """"Xiaomi M2007J3SG, serial 8f3a71c2, 2026-11-24T06:51:55.930Z" (plain text)."""
    from audit.reports.terminal_text import plain

    d = report.get("device") or {}
    from audit.ranking import phone_name

    name = phone_name(d)
    return f"{plain(name)}, serial {plain(_device_key(report))}, {plain(report.get('started_at'))}"


def _label(report: dict, audit_id: int) -> str:
    """"#2 (id 12)": the phone's own audit number, and the id `diff` and `history` take."""
    number = report.get("audit_number")
    again = ", re-analysis of a capture" if report.get("source") == "capture" else ""
    return (f"#{number} (id {audit_id}{again})" if number else f"id {audit_id}{again}")


def _status(s: str | None) -> str:
    return "absent" if s is None else s


async def _main(args: argparse.Namespace) -> int:
    from store import Store
    from audit.reports.terminal_text import plain

    store = await Store.open(getattr(args, "diff_db", None) or getattr(args, "db", None))
    try:
        try:
            d = await store.diff(args.audit_a, args.audit_b)
        except KeyError as exc:
            print(f"phone-audit diff: {exc.args[0]}", file=sys.stderr)
            return 2
        a = await store.get_audit(args.audit_a) or {}
        b = await store.get_audit(args.audit_b) or {}
    finally:
        await store.close()
    key_a, key_b = _device_key(a), _device_key(b)
    if key_a != key_b:
        # a mistyped id would otherwise read as "stalkerware appeared" on the same phone
        print(f"phone-audit diff: warning: audits {args.audit_a} and {args.audit_b} are of "
              f"different phones ({plain(key_a)} and {plain(key_b)}): this compares two phones, "
              "not one phone over time", file=sys.stderr)
    from audit.inventory_diff import diff_apps, lines

    d = {**d, "apps": diff_apps(a, b)}
    if args.json:
        print(json.dumps(d, ensure_ascii=False, indent=2))
        return 0
    print(f"audit {_label(a, args.audit_a)} ({_describe(a)}) -> "
          f"audit {_label(b, args.audit_b)} ({_describe(b)})")
    from audit import diff_words

    groups = diff_words.grouped(d)
    for key, title in diff_words.ORDER:
        entries = groups[key]
        if key == "unchanged" and not args.all:
            print(f"\nUnchanged: {len(entries)}")
            continue
        if not entries:
            continue
        print(f"\n{title} ({len(entries)})")
        for e in entries:
            print(f"  {e['check']}: {_status(e['before'])} -> {_status(e['after'])}"
                  f"  {plain(e['summary_after'] or e['summary_before'] or '')}")
            if not diff_words.shows_subjects(key):
                continue
            if e["subjects_added"]:
                print("    new: " + ", ".join(plain(s) for s in e["subjects_added"]))
            if e["subjects_removed"]:
                print("    gone: " + ", ".join(plain(s) for s in e["subjects_removed"]))
    print()
    print("\n".join(lines(d["apps"], plain)))
    return 0
