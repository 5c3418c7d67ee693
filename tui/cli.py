"""The `phone-audit` command line (docs/report-format.md says what each command and flag does).

Each subcommand lives in `tui/commands/<name>.py` with two functions:
`add_arguments(parser)` and `run(args) -> int` (the exit code). They are imported
only when used, so `phone-audit --help` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

#: subcommand -> one-line help. The module `tui.commands.<name>` implements it.
SUBCOMMANDS = {
    "scan": "audit a phone without the UI and print a summary",
    "inspect": "inspect one local APK file",
    "simulate": "serve a device profile as a phone over adb-over-TCP",
    "profiles": "list the built-in simulated phones",
    "history": "list earlier audits",
    "diff": "compare two audits: what is new, worse, better, fixed or gone",
    "accept": "accept a finding for one phone, with a reason (or withdraw it)",
    "import-spool": "import audits a bench kept locally while the shared database was down",
    "forget": "remove a phone's audits (or every phone's) from the history database",
}

DEFAULT_DEMO_PROFILE = "xiaomi-mi10t"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="phone-audit",
        description="Audit an Android phone over adb for privacy and security risks.",
    )
    parser.add_argument(
        "--demo",
        nargs="?",
        const=DEFAULT_DEMO_PROFILE,
        metavar="PROFILE",
        help=f"open the UI on a built-in simulated phone (default: {DEFAULT_DEMO_PROFILE})",
    )
    parser.add_argument("--db", metavar="FILE|URL",
                        help="history database: a SQLite file (default: in the user data folder) "
                             "or a shared postgresql://… URL (password from PGPASSWORD or ~/.pgpass)")
    parser.add_argument("--bench", metavar="NAME",
                        help="this bench's name in the history (default: config file, else host name)")
    parser.add_argument("--export-to", metavar="DIR",
                        help="export every finished audit there at once (JSON and HTML, named "
                             "model-serial-date-audit; default: auto_export in the config file)")
    parser.add_argument("--version", action="version", version="phone-audit 0.1.0")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, help_text in SUBCOMMANDS.items():
        module = importlib.import_module(f"tui.commands.{name.replace('-', '_')}")
        p = sub.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(p)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "bench", None):
        import os

        os.environ["PHONE_AUDIT_BENCH"] = args.bench  # read by store.settings
    if args.command is None:
        from tui.commands import ui

        return ui.run(args)
    module = importlib.import_module(f"tui.commands.{args.command.replace('-', '_')}")
    try:
        code = module.run(args)
        # flush here, not at exit: a reader that left makes the flush raise, and at exit
        # Python would report it and end with status 120 instead of the pipe's 141
        sys.stdout.flush()
        return code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `phone-audit history | head`: the reader left; no traceback, and none at exit
        # when Python flushes the closed stdout
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
