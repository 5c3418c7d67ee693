"""Helpers for end-to-end scans: the `phone-audit` command run as a subprocess against
the private adb server (tests/conftest.py) and the simulator. Every phone-audit JSON
report a test writes under its tmp_path is validated against the JSON Schema."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from support.report_fixtures import browser, validate_written_reports  # noqa: F401  (fixtures)


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str


@pytest.fixture
def db(tmp_path) -> Path:
    return tmp_path / "history.sqlite3"


@pytest.fixture
def phone_audit(adb_server, db):
    """Run `phone-audit ARGS...` with the private adb server and the test's database."""

    def run(*args: str, env: dict | None = None, timeout: float = 600, wait: bool = True):
        full_env = dict(adb_server.env)
        full_env["PHONE_AUDIT_DB"] = str(db)
        full_env.pop("PYTHONWARNINGS", None)
        if env:
            full_env.update(env)
        cmd = [sys.executable, "-m", "tui.cli", *map(str, args)]
        if not wait:
            return subprocess.Popen(cmd, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True)
        p = subprocess.run(cmd, env=full_env, capture_output=True, text=True, timeout=timeout)
        return Ran(p.returncode, p.stdout, p.stderr)

    return run
