"""The app in a real terminal: tmux runs `phone-audit --demo`, keys are sent as a
user types them, and the captured pane shows the panels, then a panel's evidence;
`q` ends the session and gives the terminal back."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.adb

TMUX = shutil.which("tmux")


def _capture(env, session: str) -> str:
    r = subprocess.run([TMUX, "capture-pane", "-p", "-t", session], env=env,
                       capture_output=True, text=True, timeout=30)
    return r.stdout


def _wait_for(env, session: str, needle: str, timeout: float = 180) -> str:
    """Poll the pane until `needle` shows (bounded wait, no timing assertion)."""
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = _capture(env, session)
        if needle in text:
            return text
        time.sleep(0.5)
    raise AssertionError(f"{needle!r} did not show within {timeout} s; the pane:\n{text}")


def test_demo_in_tmux(adb_server, tmp_path):
    if TMUX is None:
        pytest.fail("tmux is missing: .ci/run installs it")
    exe = Path(sys.executable).with_name("phone-audit")
    env = dict(adb_server.env)
    env.pop("TMUX", None)
    env["TERM"] = "xterm-256color"
    env["TMUX_TMPDIR"] = str(tmp_path)  # a private tmux server, gone with the test
    session = "phone-audit-test"
    db = tmp_path / "history.sqlite3"
    subprocess.run([TMUX, "new-session", "-d", "-s", session, "-x", "120", "-y", "40",
                    f"{exe} --demo --db {db}"], env=env, check=True, timeout=30)
    # keep the pane after the app exits, to read its exit status and the restored screen
    subprocess.run([TMUX, "set-option", "-t", session, "remain-on-exit", "on"], env=env,
                   check=True, timeout=30)
    try:
        text = _wait_for(env, session, "Keyword blacklist for filtering content")
        assert "Risks found by Lithuania's NCSC (2021)" in text
        assert "FAIL 5" in text
        # the worst finding has the focus (first under "Needs attention"): Enter opens it
        assert "Needs attention (7)" in text
        subprocess.run([TMUX, "send-keys", "-t", session, "Enter"], env=env, check=True)
        text = _wait_for(env, session, "Evidence (")
        assert "Vendor service that registers the phone number by hidden SMS" in text
        assert "$ adb shell dumpsys package com.xiaomi.simactivate.service" in text
        subprocess.run([TMUX, "send-keys", "-t", session, "Escape"], env=env, check=True)
        _wait_for(env, session, "Risks found by Lithuania's NCSC")
        subprocess.run([TMUX, "send-keys", "-t", session, "q"], env=env, check=True)
        deadline = time.monotonic() + 60
        state = ""
        while time.monotonic() < deadline:
            state = subprocess.run([TMUX, "display-message", "-p", "-t", session,
                                    "#{pane_dead} #{pane_dead_status}"], env=env,
                                   capture_output=True, text=True, timeout=30).stdout.strip()
            if state.startswith("1"):
                break
            time.sleep(0.5)
        assert state == "1 0"  # the app ended, exit status 0
        # the terminal is restored: the app's alternate screen is gone
        assert "Risks found by Lithuania's NCSC" not in _capture(env, session)
    finally:
        subprocess.run([TMUX, "kill-server"], env=env, capture_output=True, timeout=30)
    assert not any(serial.startswith("127.0.0.1:") for serial in adb_server.states())
