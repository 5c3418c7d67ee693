"""Output order on shell v1, exec, shell v2, and the abb / abb_exec services.

adbd copies what the command writes to the host as it is written: on `shell:` (v1,
a pty) and `exec:` (raw) stdout and stderr share one channel, so a command that
writes stderr first shows it first; shell v2 frames each write as its own packet
(AOSP daemon/shell_service.cpp). `abb:` and `abb_exec:` (daemon/abb.cpp) run a
binder service's shell command in-process, as `cmd SERVICE ARGS...` does, with
arguments separated by NUL; `abb:` speaks the shell v2 framing, `abb_exec:` raw.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from simulator import SimulatedPhone
from simulator.phone import PhoneModel
from simulator.transport import A_CLSE, A_OKAY, A_OPEN, A_WRTE
from support.rawhost import RawHost

BASIC = Path(__file__).parent / "fixtures" / "basic"

# What mksh + toybox print for this line, stderr first, then stdout (written by hand).
LINE = "ls /nonexistent; echo after"
ERR = b"ls: /nonexistent: No such file or directory\n"
OUT = b"after\n"


@pytest.fixture(scope="module")
def phone(tmp_path_factory):
    model = PhoneModel.load(BASIC, apk_cache_dir=tmp_path_factory.mktemp("apks"))
    with SimulatedPhone(model) as p:
        yield p


def _run(phone, service: bytes) -> bytes:
    """Open `service`, collect every WRTE until the device's CLSE."""
    host = RawHost(phone.port)
    host.connect()
    host.send(A_OPEN, 9, 0, service + b"\0")
    command, local_id, _, _ = host.recv()
    assert command == A_OKAY, f"{service!r} was refused"
    data = bytearray()
    while True:
        command, arg0, _, payload = host.recv()
        if command == A_WRTE:
            data += payload
            host.send(A_OKAY, 9, arg0)
        elif command == A_CLSE:
            break
    host.close()
    return bytes(data)


def _packets(data: bytes) -> list[tuple[int, bytes]]:
    out = []
    while data:
        kind, length = struct.unpack_from("<BI", data)
        out.append((kind, data[5:5 + length]))
        data = data[5 + length:]
    return out


@pytest.mark.parametrize("service", [b"shell:", b"exec:"])
def test_one_channel_services_keep_write_order(phone, service):
    assert _run(phone, service + LINE.encode()) == ERR + OUT


def test_shell_v2_packets_keep_write_order(phone):
    packets = _packets(_run(phone, b"shell,v2,raw:" + LINE.encode()))
    assert packets == [(2, ERR), (1, OUT), (3, b"\0")]


def test_redirect_to_stdout_keeps_order(phone):
    packets = _packets(_run(phone, b"shell,v2,raw:ls /nonexistent 2>&1; echo after"))
    assert packets == [(1, ERR), (1, OUT), (3, b"\0")]


def test_abb_exec_answers_as_cmd(phone):
    expected = _run(phone, b"exec:cmd package list packages")
    assert expected.startswith(b"package:")
    assert _run(phone, b"abb_exec:package\0list\0packages") == expected


def test_abb_is_framed_as_shell_v2(phone):
    expected = _run(phone, b"exec:cmd package list packages")
    packets = _packets(_run(phone, b"abb:package\0list\0packages"))
    assert b"".join(p for kind, p in packets if kind == 1) == expected
    assert packets[-1] == (3, b"\0")



def test_root_and_unroot_answer_as_a_production_build(phone):
    # AOSP daemon/restart_service.cpp on a user build (ro.debuggable=0)
    assert _run(phone, b"root:") == b"adbd cannot run as root in production builds\n"
    assert _run(phone, b"unroot:") == b"adbd not running as root\n"


def test_remount_over_shell_is_refused_to_the_shell_user(phone):
    # the remount_shell feature: `adb remount` runs `remount` in a shell
    assert _run(phone, b"shell,v2,raw:remount") == (
        b"\x02" + (43).to_bytes(4, "little") + b'Not running as root. Try "adb root" first.\n' + b"\x03\x01\x00\x00\x00\x01")
