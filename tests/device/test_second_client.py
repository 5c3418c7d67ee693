"""A second, independent adb client against every built-in simulated phone.

adb-shell (PyPI, a pure-Python implementation of the host side of the adb device
protocol) connects straight to the phone's TCP port, with no adb server: it does the
CNXN / AUTH handshake itself with a key made under tmp, then runs `shell:` (v1),
`exec:` and sync STAT / LIST / RECV. Everything it gets must equal what adbutils gets
through the real adb server (bundled adb 36) for the same request, on the same phone.
adb-shell speaks no shell v2, so v2 is compared here through adbutils alone (output
and exit status against v1). Debian's adb 29 command line is the third client: its
`exec-out` must read what adb-shell reads (more of it in
tests/simulator/test_adb_cli_on_profiles.py).
"""

from __future__ import annotations

import hashlib
import stat as statmod

import pytest
from adb_shell.adb_device import AdbDeviceTcp

from support.adbkeys import host_key

pytestmark = pytest.mark.adb

PROFILES = ["xiaomi-mi10t", "huawei-p40", "oneplus-8t", "pixel-clean"]

#: What an auditor and a curious user send; each must read the same to both clients.
COMMANDS = [
    "getprop ro.product.model",
    "getprop",
    "id",
    "pm list packages -f -i -U",
    "pm list packages -u -i -f",
    "cmd package list packages --user 0",
    "settings list secure",
    "dumpsys account",
    "ls -l /system",
    "ls /nonexistent; echo after",
    "nosuchcommand",
    "ps -A",
    "ps -A -o PID,USER,NAME",
    "logcat -d",
    "dumpsys",
    "find /sdcard",
    "bu backup -all",
    "echo aGVsbG8K | base64 -d",
]


@pytest.fixture(scope="module")
def signer(tmp_path_factory):
    return host_key(tmp_path_factory.mktemp("adb-shell-key"))[0]


@pytest.fixture(params=PROFILES)
def both(request, sim_phone, signer):
    """(adbutils device via the adb server, adb-shell device on the phone's port)."""
    handle = sim_phone(request.param)
    direct = AdbDeviceTcp("127.0.0.1", handle.port, default_transport_timeout_s=30)
    assert direct.connect(rsa_keys=[signer], auth_timeout_s=30, read_timeout_s=30)
    yield handle, handle.device, direct
    direct.close()


def test_handshake_banner_and_payload(both):
    _handle, _device, direct = both
    # adb-shell sends version 0x01000000 and asks for 1 MiB; it caps its own writes
    # at 64 KiB whatever the phone says. It is connected once AUTH went through.
    assert direct.available
    assert direct.shell("echo ready", read_timeout_s=30) == "ready\n"


def test_shell_and_exec_equal_adbutils(both):
    _handle, device, direct = both
    for command in COMMANDS:
        via_server = device.shell(command, encoding=None, rstrip=False)
        assert direct.shell(command, decode=False, read_timeout_s=30) == via_server, command
        assert direct.exec_out(command, decode=False, read_timeout_s=30) == via_server, command


def test_the_toybox_commands_are_served(both):
    _handle, device, direct = both
    for command in COMMANDS:
        if command == "nosuchcommand":
            continue
        out = direct.shell(command + " 2>&1; echo EXIT=$?", read_timeout_s=30)
        assert "inaccessible or not found" not in out, command
        assert out.endswith("EXIT=0\n") or command.startswith("ls /nonexistent"), (command, out[-200:])


def test_file_tools_on_an_apk_equal_adbutils(both):
    _handle, device, direct = both
    line = device.shell("pm list packages -f", encoding="utf-8").splitlines()[0]
    apk = line.split(":", 1)[1].rsplit("=", 1)[0]
    for tool in ("md5sum", "sha1sum", "sha256sum", "sha512sum", "stat", "stat -c %s:%a:%Y", "wc -c",
                 "head -c 64", "tail -c 64"):
        command = f"{tool} {apk}" + (" | base64" if tool.startswith(("head", "tail")) else "")
        via_server = device.shell(command, encoding=None, rstrip=False)
        assert direct.exec_out(command, decode=False, read_timeout_s=30) == via_server, command
        assert b"No such file" not in via_server and via_server, command


def test_shell_v2_agrees_with_v1(both):
    _handle, device, _direct = both
    v1 = device.shell("getprop ro.build.fingerprint", encoding=None, rstrip=False)
    v2 = device.shell2("getprop ro.build.fingerprint", v2=True, encoding=None)
    assert (v2.returncode, v2.output) == (0, v1)
    missing = device.shell2("nosuchcommand", v2=True, encoding=None)
    assert missing.returncode == 127


def test_sync_stat_list_recv_equal_adbutils(both, tmp_path):
    _handle, device, direct = both
    line = device.shell("pm list packages -f", encoding="utf-8").splitlines()[0]
    apk = line.split(":", 1)[1].rsplit("=", 1)[0]
    folder = apk.rsplit("/", 1)[0]

    mode, size, mtime = direct.stat(apk)
    info = device.sync.stat(apk)
    assert (mode, size, mtime) == (info.mode, info.size, int(info.mtime.timestamp()))
    assert statmod.S_ISREG(mode) and size > 0

    direct_names = {bytes(f.filename).decode(): (f.mode, f.size)
                    for f in direct.list(folder)}
    server_names = {f.path: (f.mode, f.size) for f in device.sync.list(folder)}
    for name in (".", ".."):
        direct_names.pop(name, None)
        server_names.pop(name, None)
    assert direct_names == server_names and apk.rsplit("/", 1)[1] in direct_names

    a, b = tmp_path / "direct.apk", tmp_path / "server.apk"
    direct.pull(apk, str(a))
    device.sync.pull(apk, str(b))
    digest = hashlib.sha256(a.read_bytes()).hexdigest()
    assert digest == hashlib.sha256(b.read_bytes()).hexdigest()
    assert device.shell(f"sha256sum {apk}").split()[0] == digest


@pytest.mark.parametrize("profile", PROFILES)
def test_debian_adb_cli_reads_the_same_as_adb_shell(profile, sim_phone, adb29_server, signer):
    """The third client: Debian's adb 29 command line, through its own server."""
    handle = sim_phone(profile, adb=adb29_server)
    direct = AdbDeviceTcp("127.0.0.1", handle.port, default_transport_timeout_s=30)
    assert direct.connect(rsa_keys=[signer], auth_timeout_s=30, read_timeout_s=30)
    try:
        for command in COMMANDS:
            cli = adb29_server.adb("-s", handle.serial, "exec-out", command)
            assert cli.stdout == direct.exec_out(command, read_timeout_s=30), command
    finally:
        direct.close()
