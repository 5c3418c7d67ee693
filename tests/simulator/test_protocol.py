"""The simulated phone as real adb hosts see it: adb 36 (bundled) and Debian's adb 29.

Every test goes through a real adb server and the adb CLI or adbutils; the phone is
the TinyPhone test double, so these tests are about the protocol, not what a phone
says (that is tested against real profiles elsewhere).
"""

from __future__ import annotations

import hashlib
import stat
from concurrent.futures import ThreadPoolExecutor

import adbutils
import pytest

from support.tiny_model import BIG_PATH, HELLO_PATH, HELLO_TEXT, TinyPhone, generated_sha256

pytestmark = pytest.mark.adb

PULL_SIZE = 20_000_003  # not a multiple of 64 KiB or 1 MiB: the last chunks are odd-sized


def _sha256(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


# -- through the adb CLI, with both hosts ------------------------------------------------

def test_connect_and_devices_l_shows_model(any_adb_server, sim_phone):
    host = any_adb_server
    phone = sim_phone(TinyPhone(), adb=host)
    out = host.adb("devices", "-l").stdout
    line = next(l for l in out.splitlines() if l.startswith(phone.serial))
    assert line.split()[1] == "device"
    assert "model:Tiny_Phone" in line
    assert "product:tiny" in line and "device:tinydev" in line


def test_features_are_advertised(any_adb_server, sim_phone):
    host = any_adb_server
    phone = sim_phone(TinyPhone(), adb=host)
    # The host reports the features both sides know; adb 29 predates sendrecv_v2.
    features = set(host.adb("-s", phone.serial, "features").stdout.split())
    assert {"shell_v2", "cmd", "stat_v2", "ls_v2", "abb_exec", "fixed_push_mkdir"} <= features
    if host.version == "36":
        assert "sendrecv_v2" in features
    assert "delayed_ack" not in features


def test_shell_exit_status_via_v2(any_adb_server, sim_phone):
    host = any_adb_server
    phone = sim_phone(TinyPhone(), adb=host)
    assert host.adb("-s", phone.serial, "shell", "exit 42").returncode == 42
    assert host.adb("-s", phone.serial, "shell", "true").returncode == 0
    ok = host.adb("-s", phone.serial, "shell", "getprop ro.product.model")
    assert (ok.returncode, ok.stdout) == (0, "Tiny Phone\n")
    # The CLI chose shell v2 (it needs it for the status); the log says so.
    protocols = {e["command"]: e["protocol"] for e in phone.log_entries() if e["service"] == "shell"}
    assert protocols["exit 42"] == "v2"


def test_shell_separates_stderr(any_adb_server, sim_phone):
    host = any_adb_server
    phone = sim_phone(TinyPhone(), adb=host)
    result = host.adb("-s", phone.serial, "shell", "both")
    assert result.stdout == "to stdout\n"
    assert result.stderr == "to stderr\n"
    assert result.returncode == 3
    missing = host.adb("-s", phone.serial, "shell", "frobnicate")
    assert missing.returncode == 127
    assert "frobnicate: inaccessible or not found" in missing.stderr


def test_shell_output_larger_than_one_payload(any_adb_server, sim_phone):
    host = any_adb_server
    phone = sim_phone(TinyPhone(), adb=host)
    result = host.adb("-s", phone.serial, "shell", "large")
    lines = result.stdout.splitlines()
    assert len(lines) == 200_000
    assert lines[0] == "line 0" and lines[-1] == "line 199999"


def test_pull_matches_sha256(any_adb_server, sim_phone, tmp_path):
    host = any_adb_server
    phone = sim_phone(TinyPhone(big_size=PULL_SIZE), adb=host)
    dest = tmp_path / "big.bin"
    result = host.adb("-s", phone.serial, "pull", BIG_PATH, str(dest))
    assert result.returncode == 0, result.stdout + result.stderr
    assert dest.stat().st_size == PULL_SIZE
    assert _sha256(dest) == generated_sha256(PULL_SIZE)


def test_pull_missing_file_fails(any_adb_server, sim_phone, tmp_path):
    host = any_adb_server
    phone = sim_phone(TinyPhone(), adb=host)
    result = host.adb("-s", phone.serial, "pull", "/no/such/file", str(tmp_path / "x"))
    assert result.returncode != 0
    assert "No such file or directory" in result.stdout + result.stderr


def test_ls_lists_folder(any_adb_server, sim_phone):
    host = any_adb_server
    phone = sim_phone(TinyPhone(), adb=host)
    result = host.adb("-s", phone.serial, "ls", "/sdcard")
    names = [line.split()[-1] for line in result.stdout.splitlines()]
    assert "hello.txt" in names
    assert f"{len(HELLO_TEXT):08x}" in result.stdout


def test_many_concurrent_streams(any_adb_server, sim_phone):
    host = any_adb_server
    phone = sim_phone(TinyPhone(), adb=host)

    def run(i: int):
        result = host.adb("-s", phone.serial, "shell", f"echo stream-{i}")
        return result.returncode, result.stdout

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(run, range(48)))
    assert results == [(0, f"stream-{i}\n") for i in range(48)]


# -- through adbutils (the library the auditor uses), adb 36 ------------------------------

def test_adbutils_shell_and_shell2(sim_phone):
    phone = sim_phone(TinyPhone())
    d = phone.device
    assert d.shell("getprop ro.product.model") == "Tiny Phone"
    # v1 mixes stdout and stderr on one channel
    assert d.shell("both") == "to stdout\nto stderr"
    r = d.shell2("both", v2=True)
    assert (r.stdout, r.stderr, r.returncode) == ("to stdout\n", "to stderr\n", 3)
    assert d.shell2("exit 7", v2=True).returncode == 7
    assert d.shell2("frobnicate", v2=True).returncode == 127


def test_adbutils_concurrent_shells_on_one_device(sim_phone):
    phone = sim_phone(TinyPhone())
    d = phone.device
    with ThreadPoolExecutor(max_workers=12) as pool:
        outs = list(pool.map(lambda i: d.shell2(f"echo {i}", v2=True).stdout, range(60)))
    assert outs == [f"{i}\n" for i in range(60)]


def test_adbutils_sync_stat_list_pull(sim_phone, tmp_path):
    phone = sim_phone(TinyPhone(big_size=PULL_SIZE))
    sync = phone.device.sync
    st = sync.stat(HELLO_PATH)
    assert stat.S_ISREG(st.mode) and st.size == len(HELLO_TEXT)
    assert sync.stat("/no/such/thing").mode == 0
    assert stat.S_ISDIR(sync.stat("/sdcard").mode)
    names = [f.path for f in sync.list("/data/local/tmp")]
    assert names == [".", "..", "big.bin"]
    assert sync.read_bytes(HELLO_PATH) == HELLO_TEXT
    dest = tmp_path / "big.bin"
    assert sync.pull(BIG_PATH, dest) == PULL_SIZE
    assert _sha256(dest) == generated_sha256(PULL_SIZE)
    with pytest.raises(adbutils.AdbError):
        sync.read_bytes("/no/such/file")


def test_unknown_service_is_refused(sim_phone):
    phone = sim_phone(TinyPhone())
    with pytest.raises(adbutils.AdbError):
        with phone.device.open_transport() as c:
            c.send_command("framebuffer:")
            c.check_okay()
    # the phone is still fine afterwards
    assert phone.device.shell("echo alive") == "alive"
    refused = [e for e in phone.log_entries() if e.get("refused")]
    assert refused and refused[0]["service"] == "framebuffer"


def test_push_is_refused_read_only(sim_phone, tmp_path):
    phone = sim_phone(TinyPhone())
    src = tmp_path / "x.txt"
    src.write_bytes(b"data")
    result = phone.adb.adb("-s", phone.serial, "push", str(src), "/sdcard/x.txt")
    assert result.returncode != 0
    assert "Read-only file system" in result.stdout + result.stderr


def test_interactive_shell_reads_stdin(any_adb_server, sim_phone):
    host = any_adb_server
    # `adb shell` without a command and with piped stdin: the phone runs each line.
    phone = sim_phone(TinyPhone(), adb=host)
    result = host.adb("-s", phone.serial, "shell", input="echo one\necho two\nexit 4\necho never\n")
    assert result.stdout == "one\ntwo\n"
    assert result.returncode == 4
    assert phone.shell_commands()[-2:] == ["echo one", "echo two"]
