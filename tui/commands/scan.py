"""`phone-audit scan`: audit without the UI, print a plain-text summary.

Exit codes (the contract, `audit/exit_codes.py`): 0 complete and nothing failed (or,
with `--fail-on SEVERITY`, nothing failed or warned at that severity or above); 1 complete
and something did; 2 usage error or no usable device; 3 the audit did not complete
(what was gathered is still reported and saved, marked incomplete). With `--all`, the
worst of the phones' codes (3 over 1 over 0).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import signal
import sys
import threading
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INCOMPLETE = 0, 1, 2, 3


class UsageError(Exception):
    """Exit 2 with this message."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("device", nargs="?", metavar="DEVICE", help="adb serial of the phone")
    pick = parser.add_argument_group("device selection (as adb and scrcpy)")
    pick.add_argument("-s", "--serial", help="the phone with this adb serial (else $ANDROID_SERIAL)")
    pick.add_argument("-d", dest="usb", action="store_true", help="the only USB device")
    pick.add_argument("-e", dest="tcp", action="store_true", help="the only TCP/IP device")
    pick.add_argument("--all", action="store_true", help="every ready device, audited concurrently")
    pick.add_argument("--demo", dest="scan_demo", metavar="PROFILE",
                      help="a built-in (or folder) simulated phone, started and stopped here")
    pick.add_argument("--capture-in", type=Path, metavar="DIR",
                      help="re-analyse a saved capture (a folder, or a file sealed with "
                           "--capture-to-key); no phone needed")
    pick.add_argument("--identity", type=Path, metavar="FILE",
                      help="the age identity file (age-keygen) that opens a sealed --capture-in")
    out = parser.add_argument_group("output")
    out.add_argument("--json", type=Path, metavar="FILE", help="write the JSON report")
    out.add_argument("--html", type=Path, metavar="FILE", help="write the HTML report")
    out.add_argument("--capture", type=Path, metavar="DIR",
                     help="save the raw capture here (a folder; one sealed file with --capture-to-key)")
    out.add_argument("--capture-to-key", metavar="KEY",
                     help="seal the capture to an age public key (age1...) or a recipients "
                          "file: --capture then names one encrypted file")
    out.add_argument("--db", dest="scan_db", metavar="FILE",
                     help="history database (default: $PHONE_AUDIT_DB, else the user data folder)")
    out.add_argument("--scope", choices=("all", "system", "third-party", "none"), default="all",
                     help="which APKs to pull and inspect (default: all)")
    out.add_argument("--keep-days", type=int, metavar="N",
                     help="after the scan, forget audits older than N days "
                          "(default: keep_days in the config file, else keep all)")
    out.add_argument("--workers", type=int, metavar="N", help="inspection processes (default: cores)")
    add_fail_on(parser)
    cust = parser.add_argument_group("customer report (one or two A4 pages, evidence appended)")
    cust.add_argument("--customer-report", type=Path, metavar="FILE",
                      help="write the customer report (HTML, prints on A4)")
    cust.add_argument("--ticket", metavar="TEXT", help="the repair ticket, printed on it")
    cust.add_argument("--customer", metavar="NAME",
                      help="the customer's name, printed on it (kept nowhere else)")
    cust.add_argument("--technician", metavar="NAME",
                      help="default: technician in the config file, else $PHONE_AUDIT_TECHNICIAN")
    cust.add_argument("--done", action="append", default=[], metavar="TEXT",
                      help="what was done (repeat for each line); else ruled lines to fill in")


def customer_fields(args: argparse.Namespace) -> dict[str, Any]:
    """The customer report's fields: the command line, else the config file
    (`technician`, `shop`; store/settings.py)."""
    from store import settings

    config = settings.load()
    _bench, technician = settings.bench_identity()
    shop = config.get("shop")
    return {"ticket": args.ticket, "customer": args.customer,
            "technician": args.technician or technician,
            "shop": str(shop)[:100] if shop else None, "done": list(args.done or ())}


def add_fail_on(parser: argparse.ArgumentParser) -> None:
    """`--fail-on SEVERITY`, shared by `scan` and `inspect` (audit/exit_codes.py)."""
    from audit.exit_codes import SEVERITIES

    parser.add_argument("--fail-on", choices=SEVERITIES, metavar="SEVERITY", default=None,
                        help="exit 1 when a check fails or warns at SEVERITY or above "
                             f"({', '.join(SEVERITIES)}); default: when any check fails")


def run(args: argparse.Namespace) -> int:
    from adb.capture import CaptureError

    try:
        return asyncio.run(_main(args))
    except (UsageError, CaptureError) as exc:
        print(f"phone-audit scan: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _per_device(path: Path | None, serial: str, many: bool) -> Path | None:
    """With --all, FILE becomes FILE-<name>.EXT (`_report_name`, made safe for a name)."""
    if path is None or not many:
        return path
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", serial).strip("._") or "device"
    return path.with_name(f"{path.stem}-{safe}{path.suffix}")


def _report_name(args: argparse.Namespace, report: dict[str, Any], adb_serial: str) -> str:
    """With --all, what a phone's report files are named by: its model and serial
    (`ro.serialno`), e.g. `Pixel_7-28241FDH2001PQ`, which a bench recognises on the
    phone's box, not the adb serial of the port it sat on. Two phones that would get the
    same name in one run get their adb serial added."""
    d = report.get("device") or {}
    name = "-".join(str(x) for x in (d.get("model"), d.get("serial") or adb_serial) if x)
    used = args.__dict__.setdefault("_report_names", set())
    if name in used:
        name = f"{name}-{adb_serial}"
    used.add(name)
    return name


def _db_path(args: argparse.Namespace) -> str | None:
    return getattr(args, "scan_db", None) or getattr(args, "db", None)


async def _main(args: argparse.Namespace) -> int:
    picked = [bool(args.capture_in), bool(args.scan_demo), bool(args.all),
              bool(args.serial or args.device or args.usb or args.tcp)]
    if sum(picked) > 1:
        raise UsageError("choose one of: a device (DEVICE/-s/-d/-e), --all, --demo, --capture-in")
    if args.capture_in and args.capture:
        raise UsageError("--capture and --capture-in do not go together")
    if args.serial and args.device and args.serial != args.device:
        raise UsageError("DEVICE and -s name different phones")
    if args.capture_to_key and not args.capture:
        raise UsageError("--capture-to-key needs --capture FILE")
    if args.identity and not args.capture_in:
        raise UsageError("--identity goes with --capture-in FILE")
    if args.capture_to_key:
        from audit.sealed_capture import recipients

        # a wrong key is said now, before any phone is read
        args.capture_recipients = recipients(args.capture_to_key)

    from store import Store
    from tui.config import keep_days

    try:
        days = keep_days(args.keep_days)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if days is not None and days < 0:
        raise UsageError("--keep-days must be 0 or more")
    db = _db_path(args)
    if args.scan_demo:
        from tui.config import demo_db

        db = demo_db(db) or db
    try:
        store = await Store.open_shared(db, warn=_warn_store)
    except ConnectionError as exc:  # a shared store that is down: nothing audited yet
        print(f"phone-audit: {exc}", file=sys.stderr)
        return EXIT_INCOMPLETE
    _stop_on_ctrl_c()
    try:
        return _spool_said(store, await _run_audits(args, store))
    finally:
        try:
            if days is not None:
                from store.forget import forget_older_than

                await forget_older_than(store, days)
        finally:
            await store.close()


def _warn_store(message: str) -> None:
    print(f"phone-audit: {message}", file=sys.stderr, flush=True)


def _spool_said(store, code: int) -> int:
    """An audit kept in the local spool (the shared database was lost) ends with
    exit 3 and says once more, last, where it is."""
    spooled = getattr(store, "spooled", None)
    if spooled is None:
        return code
    print(f"phone-audit: the shared database was lost; the audit is kept in {spooled}",
          file=sys.stderr)
    return EXIT_INCOMPLETE


async def _run_audits(args: argparse.Namespace, store) -> int:
    """The audits this command was asked for; the worst exit code of them."""
    if args.capture_in:
        from audit import sealed_capture

        if sealed_capture.is_sealed(args.capture_in):
            if not args.identity:
                raise UsageError(f"{args.capture_in} is a sealed capture: give --identity FILE")
            ids = sealed_capture.identities(args.identity)
            with sealed_capture.private_temp() as tmp:
                await asyncio.to_thread(sealed_capture.unseal, args.capture_in, ids, tmp)
                return await _audit_one(args, store, capture_in=tmp, many=False)
        if not (args.capture_in / "manifest.json").is_file():
            raise UsageError(f"{args.capture_in} is not a capture folder (no manifest.json)")
        return await _audit_one(args, store, capture_in=args.capture_in, many=False)
    if args.scan_demo:
        return await _demo(args, store)
    serials = await asyncio.to_thread(_select, args)
    many = len(serials) > 1 or args.all
    audit = _audit_guarded if many else _audit_one
    codes = await asyncio.gather(*(audit(args, store, serial=s, many=many) for s in serials))
    return max(codes, key=lambda c: (c == EXIT_INCOMPLETE, c == EXIT_FAILED))




#: set by the first Ctrl-C: every running audit stops, reports and saves what it has
_CANCEL = threading.Event()


def _stop_on_ctrl_c() -> None:
    """First Ctrl-C: stop the audits cleanly (reports written, exit 3). Second: abort."""
    global _CANCEL
    _CANCEL = threading.Event()  # one per command run
    loop = asyncio.get_running_loop()

    def first() -> None:
        _CANCEL.set()
        print("\nstopping: the audit so far is being saved (Ctrl-C again to abort)", file=sys.stderr)
        loop.remove_signal_handler(signal.SIGINT)
        signal.signal(signal.SIGINT, signal.default_int_handler)

    try:
        loop.add_signal_handler(signal.SIGINT, first)
    except (NotImplementedError, RuntimeError):  # not the main thread, or no signals here
        pass


def _select(args: argparse.Namespace) -> list[str]:
    """Serials to audit, or UsageError listing what adb sees."""
    from adb import connection

    try:
        entries = connection.list_devices()
    except Exception as exc:  # the adb server could not be started or reached
        raise UsageError(f"cannot reach the adb server: {exc}") from None
    if args.all:
        ready = [e.serial for e in entries if e.state == "device"]
        if not ready:
            raise UsageError(_no_device_message(entries, "no ready device"))
        return ready
    serial = args.serial or args.device or os.environ.get("ANDROID_SERIAL") or None
    try:
        entry = connection.select_device(entries, serial, args.usb, args.tcp)
    except connection.SelectionError as exc:
        from audit.reports.terminal_text import plain

        # the message lists serials and states the phone-side adb server reported
        raise UsageError("\n".join(plain(line) for line in str(exc).split("\n"))) from None
    return [entry.serial]


def _no_device_message(entries, headline: str) -> str:
    from audit.reports.terminal_text import plain

    if not entries:
        return (f"{headline}: adb sees no phone. Connect one by USB, enable USB debugging "
                "in Developer options, and unlock it.")
    return f"{headline}; adb sees:\n" + "\n".join("  " + plain(e.describe()) for e in entries)


async def _demo(args: argparse.Namespace, store) -> int:
    from simulator import SimulatedPhone
    from adb import connection

    try:
        phone = SimulatedPhone(args.scan_demo)
    except Exception as exc:  # unknown profile or a profile that does not load
        raise UsageError(f"cannot load the profile {args.scan_demo!r}: {exc}") from None
    await asyncio.to_thread(phone.start)
    try:
        client = await asyncio.to_thread(connection.adb_client)
        try:
            await asyncio.to_thread(_connect, client, phone.serial)
            return await _audit_one(args, store, serial=phone.serial, many=False)
        finally:
            await asyncio.to_thread(_disconnect, client, phone.serial)
    finally:
        await asyncio.to_thread(phone.stop)


def _connect(client, serial: str, timeout: float = 30) -> None:
    """`adb connect` the simulated phone and wait until the server calls it ready."""
    from adb import connection

    if connection.connect_and_wait(client, serial, timeout):
        return
    raise UsageError(f"the simulated phone {serial} did not become ready in adb")


def _disconnect(client, serial: str) -> None:
    try:
        client.disconnect(serial)
    except Exception:  # already gone (a disconnect fault, or the server died)
        pass


async def _audit_guarded(args: argparse.Namespace, store, *, serial: str, many: bool) -> int:
    """One phone of several: an unexpected error ends this phone's audit (exit 3 for the
    run, said on stderr), never the other phones' audits still running beside it."""
    try:
        return await _audit_one(args, store, serial=serial, many=many)
    except Exception as e:  # noqa: BLE001 - the bench's other phones must not be lost
        from audit.reports.terminal_text import plain

        print(f"phone-audit: {plain(serial)}: the audit stopped: {type(e).__name__}: "
              f"{plain(str(e))}", file=sys.stderr)
        return EXIT_INCOMPLETE


async def _audit_one(args: argparse.Namespace, store, *, serial: str | None = None,
                     capture_in: Path | None = None, many: bool) -> int:
    from audit.console import StderrProgress
    from audit.runner import run_audit
    from audit.reports import html_report, json_report, summary
    from audit.reports.terminal_text import plain

    label = serial or str(capture_in)
    progress = None
    if sys.stderr.isatty():
        progress = StderrProgress(prefix=f"{plain(label)}: " if many else "")
    kwargs: dict[str, Any] = {}
    if progress is not None:
        kwargs["progress"] = progress
    capture_out = _per_device(args.capture, label, many)
    with contextlib.ExitStack() as cleanup:
        sealed_to = None
        if capture_out is not None and getattr(args, "capture_recipients", None):
            from audit import sealed_capture

            # the runner writes a folder; it goes to a private temporary one, then sealed
            sealed_to, capture_out = capture_out, cleanup.enter_context(sealed_capture.private_temp())
        try:
            result = await run_audit(
                serial=serial, capture_in=capture_in, store=store, capture_out=capture_out,
                pull_scope=args.scope, workers=args.workers, cancel=_CANCEL, **kwargs,
            )
        finally:
            if progress is not None:
                progress.done()
        if sealed_to is not None and (capture_out / "manifest.json").is_file():
            await asyncio.to_thread(sealed_capture.seal, capture_out, sealed_to, args.capture_recipients)
    report = json_report.build_report(result)
    name = _report_name(args, report, label) if many else label
    if args.json:
        json_report.write_report(report, _per_device(args.json, name, many))
    if args.html:
        html_report.write_report(report, _per_device(args.html, name, many))
    if getattr(args, "customer_report", None):
        from audit.reports import customer_report

        customer_report.write_report(report, _per_device(args.customer_report, name, many),
                                     **customer_fields(args))
    sys.stdout.write(summary.render(report, previous=result.previous))
    sys.stdout.flush()
    from audit.exit_codes import scan_exit

    return scan_exit(report, getattr(args, "fail_on", None))
