"""The device side byte for byte, seen by a minimal host written here from the spec.

Real adb servers accept sloppy devices (they ignore checksums, they never test flow
control limits), so these tests check what they do not: header fields, checksums,
payload limits, one WRTE in flight, the AUTH dance, silence when offline.
"""

from __future__ import annotations

import os
import struct

import pytest

from simulator import SimulatedPhone
from simulator.transport import (
    A_AUTH,
    A_CLSE,
    A_CNXN,
    A_OKAY,
    A_OPEN,
    A_WRTE,
    FEATURES,
    checksum,
)
from support.adbkeys import host_key
from support.rawhost import HOST_BANNER, RawHost
from support.tiny_model import TinyPhone

@pytest.fixture
def phone():
    with SimulatedPhone(TinyPhone()) as p:
        yield p


def test_cnxn_banner_and_negotiated_payload(phone):
    host = RawHost(phone.port)
    command, version, max_payload, banner = host.connect(max_payload=4096)
    assert command == A_CNXN
    assert version == 0x01000001
    # AOSP adbd answers the smaller of the host's and its own (1 MiB) max payload
    # (atransport::update_version, then send_connect).
    assert max_payload == 4096
    text = banner.decode()
    assert text.startswith("device::ro.product.name=tiny;ro.product.model=Tiny_Phone;")
    features = text.rsplit("features=", 1)[1].split(",")
    assert features == list(FEATURES)
    assert "delayed_ack" not in features
    host.close()


def test_one_wrte_in_flight_and_payload_limit(phone):
    host = RawHost(phone.port)
    host.connect(max_payload=4096)
    host.send(A_OPEN, 7, 0, b"shell:large\0")
    command, local_id, remote_id, _ = host.recv()
    assert (command, remote_id) == (A_OKAY, 7)
    received = bytearray()
    command, arg0, arg1, payload = host.recv()
    assert (command, arg0, arg1) == (A_WRTE, local_id, 7)
    assert len(payload) == 4096  # min(host's 4096, device's 1 MiB)
    received += payload
    # Without our OKAY the device must not send the next WRTE.
    assert host.quiet(0.3)
    for _ in range(3):
        host.send(A_OKAY, 7, local_id)
        command, _, _, payload = host.recv()
        assert command == A_WRTE and len(payload) <= 4096
        received += payload
        assert host.quiet(0.1)
    assert received.startswith(b"line 0\nline 1\n")
    # Closing from the host side is answered with CLSE.
    host.send(A_CLSE, 7, local_id)
    command, arg0, arg1, _ = host.recv()
    assert (command, arg0, arg1) == (A_CLSE, local_id, 7)
    host.close()


def test_many_streams_on_one_connection(phone):
    host = RawHost(phone.port)
    host.connect()
    for i in range(1, 21):
        host.send(A_OPEN, i, 0, f"shell:echo {i}\0".encode())
    outputs: dict[int, bytes] = {}
    closed = set()
    while len(closed) < 20:
        command, arg0, arg1, payload = host.recv()
        if command == A_WRTE:
            outputs[arg1] = outputs.get(arg1, b"") + payload
            host.send(A_OKAY, arg1, arg0)
        elif command == A_CLSE:
            closed.add(arg1)
    assert outputs == {i: f"{i}\n".encode() for i in range(1, 21)}
    host.close()


def test_sync_requests_share_one_stream(phone):
    host = RawHost(phone.port)
    host.connect()
    host.send(A_OPEN, 1, 0, b"sync:\0")
    _, local_id, _, _ = host.recv()

    def request(rid: bytes, path: bytes) -> bytes:
        host.send(A_WRTE, 1, local_id, rid + struct.pack("<I", len(path)) + path)
        assert host.recv()[0] == A_OKAY  # the device acknowledges our WRTE
        command, _, _, payload = host.recv()
        assert command == A_WRTE
        host.send(A_OKAY, 1, local_id)
        return payload

    stat = request(b"STAT", b"/sdcard/hello.txt")
    assert stat[:4] == b"STAT" and struct.unpack("<III", stat[4:16])[1] == 26
    missing = request(b"STA2", b"/nope")
    assert missing[:4] == b"STA2" and len(missing) == 72
    assert struct.unpack("<I", missing[4:8])[0] == 2  # ENOENT
    listing = request(b"LIS2", b"/sdcard")
    assert listing[:4] == b"DNT2" and listing.endswith(b"\0" * 72) and b"hello.txt" in listing
    data = request(b"RECV", b"/sdcard/hello.txt")
    assert data == b"DATA" + struct.pack("<I", 26) + b"hello from the tiny phone\n" + b"DONE\0\0\0\0"
    host.send(A_WRTE, 1, local_id, b"QUIT\0\0\0\0")
    assert host.recv()[0] == A_OKAY
    command, arg0, arg1, _ = host.recv()
    assert (command, arg0, arg1) == (A_CLSE, local_id, 1)
    host.close()


def test_unknown_service_gets_clse(phone):
    host = RawHost(phone.port)
    host.connect()
    host.send(A_OPEN, 5, 0, b"reboot:\0")
    command, arg0, arg1, _ = host.recv()
    assert (command, arg0, arg1) == (A_CLSE, 0, 5)
    host.close()


def test_unauthorized_auth_dance(tmp_path):
    _signer, public = host_key(tmp_path)
    with SimulatedPhone(TinyPhone(state="unauthorized")) as p:
        host = RawHost(p.port)
        command, kind, _, token = host.connect()
        assert (command, kind, len(token)) == (A_AUTH, 1, 20)
        host.send(A_AUTH, 2, 0, os.urandom(256))  # a signature the phone does not accept
        command, kind, _, token2 = host.recv()
        assert (command, kind, len(token2)) == (A_AUTH, 1, 20) and token2 != token
        host.send(A_AUTH, 3, 0, public.encode() + b"\0")
        assert host.quiet(0.3)  # the phone waits for the user; no CNXN
        p.authorize()  # the user taps Allow
        command, _, _, banner = host.recv()
        assert command == A_CNXN and banner.startswith(b"device::")
        host.close()


def test_offline_never_answers():
    with SimulatedPhone(TinyPhone(state="offline")) as p:
        host = RawHost(p.port)
        host.send(A_CNXN, 0x01000001, 1 << 20, HOST_BANNER)
        assert host.quiet(0.5)
        host.send(A_OPEN, 1, 0, b"shell:echo hi\0")
        assert host.quiet(0.3)
        host.close()


def test_checksum_is_byte_sum():
    for n in (0, 1, 1023, 1024, 4097, 65536, (1 << 20) - 1):
        data = os.urandom(n)
        assert checksum(data) == sum(data)
        assert checksum(b"\xff" * n) == 255 * n


def test_never_listens_on_emulator_ports():
    with pytest.raises(ValueError):
        SimulatedPhone(TinyPhone(), port=5560).start()
    with SimulatedPhone(TinyPhone()) as p:
        assert not 5555 <= p.port <= 5585
        assert p.serial == f"127.0.0.1:{p.port}"


def test_restart_reuses_port_after_stop_listening():
    with SimulatedPhone(TinyPhone()) as p:
        port = p.port
        p.restart()
        assert p.port == port
        host = RawHost(port)
        assert host.connect()[0] == A_CNXN
        host.close()
