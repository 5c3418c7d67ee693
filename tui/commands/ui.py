"""The no-subcommand entry: `phone-audit` (the device picker) and
`phone-audit --demo [PROFILE]` (a built-in simulated phone, started here, connected to
the adb server, audited at once, and stopped and disconnected on exit)."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Nothing: `--demo` and `--db` are options of the top-level parser (tui/cli.py)."""


def run(args: argparse.Namespace) -> int:
    from tui.app import create_app
    from tui.backend import Backend

    from store import settings

    from tui.config import demo_db

    db = getattr(args, "db", None)
    if getattr(args, "demo", None):
        db = demo_db(db) or db  # a demo's audits stay apart from real phones'
    backend = Backend(db)
    auto = getattr(args, "export_to", None) or settings.load().get("auto_export")
    app = create_app(backend, demo=getattr(args, "demo", None),
                     auto_export=str(auto) if auto else None)
    try:
        app.run()
    finally:
        # the app stops them on unmount; this covers a start that failed before it
        backend.stop_simulated()
    return app.return_code or 0
