"""Fault injection: bandwidth cap, latency, and the two ways to pull the cable."""

from __future__ import annotations

import hashlib
import socket
import time

import pytest

from simulator.model import Faults
from support.tiny_model import BIG_PATH, TinyPhone, generated_sha256

pytestmark = pytest.mark.adb

MB = 1_000_000


def _sha256(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _refuses_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return False
    except ConnectionRefusedError:
        return True


def test_bandwidth_cap_holds_within_20_percent_over_50_mb(sim_phone, tmp_path):
    # A correctness test of the cap (allowed): measured throughput vs configured cap.
    # Low enough that a busy CI machine still has 10x headroom above the cap.
    cap = 10 * MB
    size = 50 * MB
    phone = sim_phone(TinyPhone(big_size=size, faults=Faults(bandwidth_bytes_per_s=cap)))
    dest = tmp_path / "big.bin"
    start = time.monotonic()
    phone.device.sync.pull(BIG_PATH, dest)
    elapsed = time.monotonic() - start
    assert _sha256(dest) == generated_sha256(size)
    throughput = size / elapsed
    assert 0.8 * cap <= throughput <= 1.2 * cap, f"{throughput / MB:.1f} MB/s against a cap of {cap / MB:.0f}"


def test_bandwidth_cap_applies_to_adb_cli_pull(adb_server, sim_phone, tmp_path):
    cap = 20 * MB
    size = 10 * MB
    phone = sim_phone(TinyPhone(big_size=size, faults=Faults(bandwidth_bytes_per_s=cap)))
    start = time.monotonic()
    result = adb_server.adb("-s", phone.serial, "pull", BIG_PATH, str(tmp_path / "b.bin"))
    elapsed = time.monotonic() - start
    assert result.returncode == 0, result.stderr
    # Lower bound only: the cap can never be beaten (minus the one-payload burst).
    assert size / elapsed <= 1.2 * cap


def test_latency_delays_every_reply(sim_phone):
    phone = sim_phone(TinyPhone(faults=Faults(latency_ms=400)))
    d = phone.device
    start = time.monotonic()
    assert d.shell("echo slow") == "slow"
    assert time.monotonic() - start >= 0.4
    start = time.monotonic()
    d.sync.stat("/sdcard/hello.txt")
    assert time.monotonic() - start >= 0.4


def test_disconnect_after_bytes_cuts_a_pull_and_phone_stays_gone(adb_server, sim_phone, tmp_path):
    limit = 3 * MB
    size = 20 * MB
    phone = sim_phone(TinyPhone(big_size=size, faults=Faults(disconnect_after_bytes=limit)))
    d = phone.device
    assert d.shell("echo before") == "before"
    dest = tmp_path / "partial.bin"
    with pytest.raises(Exception):
        d.sync.pull(BIG_PATH, dest)
    # The host got part of the file, never all of it.
    assert dest.exists() and dest.stat().st_size < size

    assert phone.phone.gone
    assert phone.phone.bytes_sent == limit
    entries = phone.log_entries()
    assert {"service": "sync", "command": f"RECV {BIG_PATH}"}.items() <= entries[-2].items()
    assert entries[-1]["service"] == "fault"
    assert entries[-1]["reason"] == "disconnect_after_bytes"
    assert entries[-1]["bytes_sent"] == limit

    # A pulled cable: the port refuses connections, adb cannot reconnect.
    assert _refuses_connections(phone.port)
    # The host keeps the transport, offline, and its reconnect attempts are refused.
    adb_server.wait_for_state(phone.serial, "offline")
    reply = adb_server.connect(phone.serial)
    assert reply.startswith("failed to connect") and "Connection refused" in reply
    result = adb_server.adb("-s", phone.serial, "shell", "echo hi")
    assert result.returncode != 0 and "offline" in result.stderr
    assert phone.phone.gone

    # Plugged back in: reachable again, and a full pull works.
    phone.restart()
    assert not phone.phone.gone
    phone.model.faults = Faults()
    dest2 = tmp_path / "full.bin"
    assert phone.device.sync.pull(BIG_PATH, dest2) == size
    assert _sha256(dest2) == generated_sha256(size)


def test_disconnect_after_bytes_with_adb_cli(adb29_server, sim_phone, tmp_path):
    limit = 2 * MB
    phone = sim_phone(TinyPhone(big_size=10 * MB, faults=Faults(disconnect_after_bytes=limit)), adb=adb29_server)
    result = adb29_server.adb("-s", phone.serial, "pull", BIG_PATH, str(tmp_path / "x.bin"))
    assert result.returncode != 0
    assert phone.phone.gone and phone.phone.bytes_sent == limit
    assert _refuses_connections(phone.port)


def test_disconnect_on_command(adb_server, sim_phone):
    phone = sim_phone(TinyPhone(faults=Faults(disconnect_on_command="echo pull-the-cable")))
    assert phone.device.shell("echo fine") == "fine"
    result = adb_server.adb("-s", phone.serial, "shell", "echo pull-the-cable now")
    assert result.returncode != 0
    assert "pull-the-cable" not in result.stdout
    assert phone.phone.gone
    assert _refuses_connections(phone.port)
    entries = phone.log_entries()
    assert entries[-2]["command"] == "echo pull-the-cable now"
    assert entries[-1] == {**entries[-1], "service": "fault", "reason": "disconnect_on_command"}
    adb_server.wait_for_state(phone.serial, "offline")

    phone.restart()
    phone.model.faults = Faults()
    assert phone.device.shell("echo back") == "back"
