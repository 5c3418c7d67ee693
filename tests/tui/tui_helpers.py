"""Helpers shared by the UI tests (imported as `tui_helpers`; tests/tui/conftest.py
puts this folder on sys.path)."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

from simulator.profile import builtin_profiles_dir

FIXTURES = Path(__file__).parent / "fixtures"


def derive_profile(tmp_path: Path, base: str, name: str, edits=(), extra: str = "") -> Path:
    """A copy of a built-in profile with text replacements (each must apply) and TOML
    appended."""
    dest = tmp_path / name
    shutil.copytree(builtin_profiles_dir() / base, dest)
    toml = dest / "profile.toml"
    text = toml.read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, f"{old!r} is not in {base}"
        text = text.replace(old, new, 1)
    toml.write_text(text + extra, encoding="utf-8")
    return dest


async def wait_for(pilot, condition, timeout: float = 240.0, step: float = 0.1):
    """Pause the pilot until `condition()` is true (bounded; no timing assertion)."""
    waited = 0.0
    while not condition():
        if waited > timeout:
            raise AssertionError(f"condition not met within {timeout} s")
        await pilot.pause(step)
        waited += step


def screen_text(app) -> str:
    """The visible text of the app's screen, one line per row, from its SVG screenshot
    (what a terminal would show)."""
    svg = app.export_screenshot()
    rows: dict[float, list[tuple[float, str]]] = {}
    for m in re.finditer(r'<text class="[^"]*" x="([\d.]+)" y="([\d.]+)"[^>]*>(.*?)</text>', svg):
        rows.setdefault(float(m.group(2)), []).append((float(m.group(1)), html.unescape(m.group(3))))
    return "\n".join("".join(t for _x, t in sorted(rows[y])).replace("\xa0", " ") for y in sorted(rows))


def run_async(fn):
    """Run an `async def` test with asyncio.run (the project has no asyncio plugin)."""
    import asyncio
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return asyncio.run(fn(*args, **kwargs))

    return wrapper


async def pick_phone(app, pilot, serial: str) -> None:
    """On the Phones tab, put the cursor on `serial` (once adb lists it) and press Enter."""
    from textual.widgets import TabbedContent
    from tui.widgets.device_table import DeviceTable

    app.main.query_one("#tabs", TabbedContent).active = "phones"
    table = app.main.query_one(DeviceTable)
    await wait_for(pilot, lambda: serial in table.rows_by_key, timeout=60)
    table.focus()
    table.move_cursor(row=table.get_row_index(serial))
    await pilot.press("enter")


async def audit_finished(app, pilot, n: int):
    """The n-th audit pane, once its results are on screen."""
    await wait_for(pilot, lambda: len(app.main.audit_panes()) >= n
                   and app.main.audit_panes()[n - 1].data is not None)
    await pilot.pause()
    return app.main.audit_panes()[n - 1]
