"""The JSON-lines request log, the `simulate` command, and adb cleanup."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap

import psutil
import pytest

from support.adbenv import AdbServer, bundled_adb
from support.tiny_model import BIG_PATH, HELLO_PATH, TinyPhone

pytestmark = pytest.mark.adb


def test_log_lists_every_request_in_order(sim_phone, tmp_path):
    phone = sim_phone(TinyPhone(big_size=3_000_000))
    d = phone.device
    d.shell("echo one")
    d.shell2("exit 3", v2=True)
    d.sync.stat(HELLO_PATH)
    d.sync.list("/sdcard")
    d.sync.pull(BIG_PATH, tmp_path / "big.bin")
    with d.open_transport() as c:
        c.send_command("exec:echo raw")
        c.check_okay()
        assert c.read_until_close() == "raw\n"
    phone.adb.adb("-s", phone.serial, "pull", HELLO_PATH, str(tmp_path / "h.txt"))

    got = [(e["service"], e["command"]) for e in phone.log_entries()]
    assert got == [
        ("shell", "echo one"),
        ("shell", "exit 3"),
        ("sync", f"STAT {HELLO_PATH}"),
        ("sync", "LIST /sdcard"),
        ("sync", f"STAT {BIG_PATH}"),  # adbutils pull() stats first
        ("sync", f"RECV {BIG_PATH}"),
        ("exec", "echo raw"),
        ("sync", f"STA2 {HELLO_PATH}"),  # the adb 36 CLI: stat v2, then RECV v2
        ("sync", f"RCV2 {HELLO_PATH}"),
    ]
    protocols = [e.get("protocol") for e in phone.log_entries()[:2]]
    assert protocols == ["v1", "v2"]
    assert phone.shell_commands() == ["echo one", "exit 3", "echo raw"]


def test_log_is_flushed_per_line(sim_phone):
    phone = sim_phone(TinyPhone())
    phone.device.shell("echo flushed")
    # Read while the phone still runs and holds the file open.
    last = json.loads(phone.log_path.read_text().splitlines()[-1])
    assert last["command"] == "echo flushed"


def test_log_escapes_hostile_commands(sim_phone):
    phone = sim_phone(TinyPhone())
    nasty = 'echo "quote" \\ back\ttab [bold]x[/bold] é'
    phone.device.shell(nasty)
    lines = phone.log_path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0])["command"] == nasty


def _write_profile(folder):
    folder.mkdir()
    (folder / "profile.toml").write_text(textwrap.dedent("""
        [device]
        state = "device"
        description = "a minimal phone for the simulate command test"

        [props]
        "ro.product.manufacturer" = "Acme"
        "ro.product.model" = "Acme One"
        "ro.product.name" = "acme_one"
        "ro.product.device" = "one"
        "ro.build.version.release" = "13"
        "ro.build.version.sdk" = "33"
        "ro.serialno" = "ACME0001"
    """))


def test_simulate_command_serves_registers_and_exits_cleanly(adb_server, tmp_path):
    profile = tmp_path / "acme"
    _write_profile(profile)
    log = tmp_path / "sim.jsonl"
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui", "simulate", str(profile), "--log", str(log)],
        env=adb_server.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("serial: 127.0.0.1:"), line + proc.stderr.read() if not line else line
        serial = line.split()[1]
        port = int(serial.rsplit(":", 1)[1])
        assert not 5555 <= port <= 5585
        adb_server.wait_for_state(serial, "device")
        result = adb_server.adb("-s", serial, "shell", "getprop ro.serialno")
        assert (result.returncode, result.stdout) == (0, "ACME0001\n")
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
        # `adb disconnect` on the way out: the server no longer lists it.
        adb_server.wait_for_state(serial, None)
        entries = [json.loads(l) for l in log.read_text().splitlines()]
        assert {"service": "shell", "command": "getprop ro.serialno"}.items() <= entries[-1].items()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_simulate_command_rejects_emulator_port(adb_server, tmp_path):
    profile = tmp_path / "acme"
    _write_profile(profile)
    result = subprocess.run([sys.executable, "-m", "tui", "simulate", str(profile), "--port", "5555"],
                            env=adb_server.env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "5555" in result.stderr


def test_adb_server_teardown_leaves_no_process(tmp_path):
    from simulator import SimulatedPhone

    server = AdbServer(bundled_adb(), tmp_path / "home").start()
    pids = [p.pid for p in server.processes()]
    assert pids, "the adb server should be running"
    with SimulatedPhone(TinyPhone()) as phone:
        server.connect(phone.serial)
        server.wait_for_state(phone.serial, "device")
        assert server.adb("-s", phone.serial, "shell", "true").returncode == 0
    assert server.stop() == []
    assert server.processes() == []
    assert not any(psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
                   for pid in pids)
