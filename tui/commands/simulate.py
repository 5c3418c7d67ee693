"""`phone-audit simulate PROFILE [--port N] [--log FILE]`: serve a profile as a phone.

Serves the profile over adb-over-TCP on 127.0.0.1, registers it with the adb server
(`adb connect`, starting the server if none answers), prints `serial: 127.0.0.1:PORT`
and runs until SIGINT/SIGTERM, then `adb disconnect`s and exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("profile", metavar="PROFILE", help="built-in profile name or profile folder")
    parser.add_argument("--port", type=int, default=0,
                        help="TCP port to listen on (default: a free one; never 5555-5585)")
    parser.add_argument("--log", metavar="FILE", help="append every request the phone receives as JSON lines")


def _adb_client():
    import adb  # noqa: F401  (points adbutils at the bundled adb binary)
    import adbutils

    port = int(os.environ.get("ANDROID_ADB_SERVER_PORT", 5037))
    return adbutils.AdbClient(host="127.0.0.1", port=port)


async def _main(args: argparse.Namespace) -> int:
    from simulator import load_model
    from simulator.server import PhoneServer

    try:
        model = await asyncio.to_thread(load_model, args.profile)
    except Exception as exc:  # a bad profile is the user's error: say why, no traceback
        print(f"phone-audit simulate: cannot load profile {args.profile!r}: {exc}", file=sys.stderr)
        return 2
    server = PhoneServer(model, "127.0.0.1", args.port, args.log)
    try:
        await server.start()
    except (OSError, ValueError) as exc:
        print(f"phone-audit simulate: cannot listen on port {args.port}: {exc}", file=sys.stderr)
        return 2

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    client = _adb_client()
    try:
        reply = await asyncio.to_thread(client.connect, server.serial, 30)
        if not str(reply).startswith(("connected", "already connected")):
            print(f"adb connect {server.serial}: {reply}", file=sys.stderr)
    except Exception as exc:  # keep serving: the user can still `adb connect` by hand
        print(f"adb connect {server.serial} failed: {exc}", file=sys.stderr)
    print(f"serial: {server.serial}", flush=True)

    try:
        await stop.wait()
    finally:
        try:
            await asyncio.to_thread(client.disconnect, server.serial)
        except Exception:
            pass
        await server.close()
    return 0


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_main(args))
