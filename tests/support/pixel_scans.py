"""Phones made from pixel-clean with one thing changed, and `phone-audit scan` of them.

Shared by the end-to-end scan tests (tests/scan/test_exit_codes.py,
tests/scan/test_inventory_diff.py): `pixel_variant` copies the built-in pixel-clean
profile to a folder and edits its profile.toml by exact text replacement (each old text
must be there, so a changed built-in profile fails loudly instead of testing nothing);
`scan_json` runs `phone-audit scan ARGS --json OUT` through the `phone_audit` fixture
(tests/scan/conftest.py) and returns the run with the report it wrote.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Iterable

from simulator.profile import builtin_profiles_dir


def pixel_variant(tmp_path: Path, name: str, edits: Iterable[tuple[str, str]] = (),
                  extra: str = "") -> Path:
    """A copy of pixel-clean in tmp_path/name with each (old, new) replaced once and
    `extra` TOML appended (more [[packages]], say)."""
    dest = tmp_path / name
    shutil.copytree(builtin_profiles_dir() / "pixel-clean", dest)
    toml = dest / "profile.toml"
    text = toml.read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    toml.write_text(text + extra, encoding="utf-8")
    return dest


def scan_json(phone_audit, out: Path, *args: Any) -> tuple[Any, dict]:
    """`phone-audit scan *args --json out`: (the run, its JSON report)."""
    ran = phone_audit("scan", *args, "--json", out)
    assert out.is_file(), (args, ran.code, ran.stderr[-2000:])
    return ran, json.loads(out.read_text(encoding="utf-8"))
