"""Every phone-audit JSON report a test in this folder writes under its tmp_path is
validated against the package's JSON Schema after the test."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("report_chromium", Path(__file__).with_name("chromium.py"))
chromium = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(chromium)


@pytest.fixture
def browser():
    """The headless Chromium helper module (tests/reports/chromium.py)."""
    if not chromium.available():
        pytest.fail(f"{chromium.CHROMIUM} is missing: .ci/run installs Debian's chromium")
    return chromium


@pytest.fixture(autouse=True)
def _validate_written_reports(tmp_path):
    yield
    from tui.reports.json_report import validate_report

    for path in tmp_path.rglob("*.json"):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        if isinstance(data, dict) and data.get("schema") == "phone-audit.report/1":
            validate_report(data)
