"""Fixtures for the UI tests: a private history database per test and the fixed audit
of the simulated Xiaomi. Phones come from tests/conftest.py (`adb_server`, `sim_phone`:
the real adb server and the simulator)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from tui_helpers import FIXTURES  # noqa: E402


@pytest.fixture
def db(tmp_path) -> Path:
    return tmp_path / "history.sqlite3"


@pytest.fixture
def fixture_data():
    """The fixed audit of the simulated Xiaomi (made by `python -m tui.make_screenshot
    --fixture tests/tui/fixtures/xiaomi.json`)."""
    from tui.viewmodel import AuditData

    return AuditData.load(FIXTURES / "xiaomi.json")

