"""The adb server is killed in the middle of an audit: the scan ends (exit 3) saying
the adb server stopped answering, keeps what it read, and does not start a new server
behind the user's back."""

from __future__ import annotations

import time

import pytest

import profiles as P
from conftest import run_scan
from support.adbenv import AdbServer, SimPhoneHandle, bundled_adb, read_log

pytestmark = pytest.mark.adb


def test_adb_server_killed_mid_audit(tmp_path):
    from simulator import SimulatedPhone

    hostile = P.adb_killed(tmp_path / "profiles")
    server = AdbServer(bundled_adb(), tmp_path / "adb-home").start()
    log = tmp_path / "phone.jsonl"
    phone = SimulatedPhone(hostile.folder, log=log).start()
    handle = SimPhoneHandle(phone=phone, adb=server, log_path=log, expected_state="device")
    killed: list[int] = []
    try:
        handle.register()

        def killer() -> None:
            # once the phone is being read (the slow `dumpsys package`), kill the server
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                if any("dumpsys package" in e.get("command", "") for e in read_log(log)):
                    break
                time.sleep(0.02)
            for proc in server.processes():
                killed.append(proc.pid)
                proc.kill()

        import threading

        t = threading.Thread(target=killer, daemon=True)
        t.start()
        run = run_scan(server, tmp_path / "run", ["-s", phone.serial], hostile)
        t.join()
        assert killed, "the adb server was not found to kill"
        assert run.code == 3, run.explain()
        report = run.report
        assert report["complete"] is False
        assert any("adb server stopped answering" in p["reason"] for p in report["problems"]), report["problems"]
        assert b"adb server stopped answering" in run.stdout
        assert b"Traceback" not in run.stderr and b"daemon" not in run.stderr, run.explain()
        # what was read before is kept: the properties came first
        assert report["device"]["model"] == "H-1"
        # phone-audit did not start a replacement server
        assert server.processes() == [], server.processes()
        for place in ("home", "cwd", "tmp"):
            assert run.after[place] == run.before[place]
    finally:
        handle.close()
        problems = server.stop()
    assert not problems, problems
