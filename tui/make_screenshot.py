"""Save docs/screenshot.svg: the app, run for real on the simulated Xiaomi, audited
through a private adb server, showing its panels.

    .venv/bin/python -m tui.make_screenshot [--out docs/screenshot.svg] [--fixture FILE]

`--fixture FILE` also writes the finished audit as an `AuditData` JSON file with fixed
times and audit id (the snapshot tests' input, tests/tui/fixtures/xiaomi.json). The adb
server is started on a free port with a temporary HOME, and killed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

FIXED_START = "2026-01-15T09:00:00.000Z"
FIXED_END = "2026-01-15T09:00:41.000Z"


def _free_port() -> int:
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if not 5555 <= port <= 5585:  # adb's own device ports
            return port


async def _capture(profile: str, out: Path, fixture: Path | None, size: tuple[int, int]) -> None:
    from tui.app import create_app
    from tui.backend import Backend

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(Backend(Path(tmp) / "history.sqlite3"), demo=profile)
        async with app.run_test(size=size) as pilot:
            for _ in range(3000):  # bounded: 10 minutes
                await pilot.pause(0.2)
                panes = app.main.audit_panes()
                if panes and panes[0].data is not None:
                    break
            else:
                raise SystemExit("the audit did not finish")
            await pilot.pause(0.5)
            data = panes[0].data
            out.parent.mkdir(parents=True, exist_ok=True)
            app.save_screenshot(filename=out.name, path=str(out.parent))
            if fixture is not None:
                data.report.update(started_at=FIXED_START, finished_at=FIXED_END, audit_id=1)
                data.report["device"]["adb_serial"] = "127.0.0.1:40001"
                data.previous = None
                fixture.parent.mkdir(parents=True, exist_ok=True)
                fixture.write_text(data.to_json(), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/screenshot.svg"))
    parser.add_argument("--fixture", type=Path)
    parser.add_argument("--profile", default="xiaomi-mi10t")
    args = parser.parse_args(argv)
    import adb

    home = tempfile.mkdtemp(prefix="phone-audit-shot-")
    os.environ["HOME"] = home
    os.environ["ANDROID_ADB_SERVER_PORT"] = str(_free_port())
    binary = adb.bundled_adb_path()
    subprocess.run([binary, "start-server"], check=True, capture_output=True, timeout=60)
    try:
        asyncio.run(_capture(args.profile, args.out, args.fixture, (100, 34)))
    finally:
        subprocess.run([binary, "kill-server"], capture_output=True, timeout=60)
    print(f"wrote {args.out}" + (f" and {args.fixture}" if args.fixture else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
