"""AUTH and CNXN as AOSP adbd does them, seen by a raw host and by real adb servers.

What adbd does (AOSP packages/modules/adb, adb.cpp handle_packet / adb_auth and
daemon/auth.cpp): on a secure build it answers CNXN with AUTH TOKEN (20 random
bytes); AUTH SIGNATURE is checked with RSA_verify(NID_sha1, token, ...) against the
keys in /data/misc/adb/adb_keys, and a failure gets a fresh token; AUTH RSAPUBLICKEY
shows the "Allow USB debugging?" prompt and the CNXN comes only if the user allows.
send_connect puts adbd's own A_VERSION (0x01000001) in arg0, and the negotiated max
payload, min(host's, 1 MiB), in arg1.

The host keys here are made by adb-shell's keygen and signed by adb-shell's signer,
so a wrong key format or signature check in the simulator cannot agree with itself.
"""

from __future__ import annotations

import pytest

from simulator import SimulatedPhone
from simulator.transport import A_AUTH, A_CNXN
from support.adbkeys import host_key
from support.rawhost import HOST_BANNER, RawHost
from support.tiny_model import TinyPhone

AUTH_TOKEN, AUTH_SIGNATURE, AUTH_RSAPUBLICKEY = 1, 2, 3


def _hello(host: RawHost, version: int = 0x01000001, max_payload: int = 1 << 20):
    host.send(A_CNXN, version, max_payload, HOST_BANNER)
    return host.recv()


def test_secure_build_accepts_a_signature_by_a_trusted_key(tmp_path):
    signer, public = host_key(tmp_path / "known")
    with SimulatedPhone(TinyPhone(adb_secure=True, adb_keys=(public,))) as p:
        host = RawHost(p.port)
        command, kind, _, token = _hello(host)
        assert (command, kind, len(token)) == (A_AUTH, AUTH_TOKEN, 20)
        host.send(A_AUTH, AUTH_SIGNATURE, 0, signer.Sign(token))
        command, _, _, banner = host.recv()
        assert command == A_CNXN and banner.startswith(b"device::")
        host.close()


def test_secure_build_refuses_unknown_keys_and_stale_signatures(tmp_path):
    known, public = host_key(tmp_path / "known")
    stranger, _ = host_key(tmp_path / "stranger")
    with SimulatedPhone(TinyPhone(adb_secure=True, adb_keys=(public,), state="unauthorized")) as p:
        host = RawHost(p.port)
        _, _, _, token = _hello(host)
        host.send(A_AUTH, AUTH_SIGNATURE, 0, stranger.Sign(token))
        command, kind, _, token2 = host.recv()
        assert (command, kind) == (A_AUTH, AUTH_TOKEN) and token2 != token
        # A good key's signature over the *previous* token is not accepted either.
        host.send(A_AUTH, AUTH_SIGNATURE, 0, known.Sign(token))
        command, kind, _, token3 = host.recv()
        assert (command, kind) == (A_AUTH, AUTH_TOKEN) and token3 not in (token, token2)
        # Garbage is a failed signature, not a crash.
        host.send(A_AUTH, AUTH_SIGNATURE, 0, b"\xff" * 300)
        command, kind, _, token4 = host.recv()
        assert (command, kind) == (A_AUTH, AUTH_TOKEN)
        host.send(A_AUTH, AUTH_SIGNATURE, 0, known.Sign(token4))
        assert host.recv()[0] == A_CNXN
        host.close()


def test_offered_key_is_allowed_and_then_remembered(tmp_path):
    signer, public = host_key(tmp_path / "new")
    # state "device" on a secure build: the user taps Allow when the prompt appears.
    with SimulatedPhone(TinyPhone(adb_secure=True)) as p:
        host = RawHost(p.port)
        _, _, _, token = _hello(host)
        host.send(A_AUTH, AUTH_SIGNATURE, 0, signer.Sign(token))
        command, kind, _, _ = host.recv()
        assert (command, kind) == (A_AUTH, AUTH_TOKEN)  # not known yet
        host.send(A_AUTH, AUTH_RSAPUBLICKEY, 0, public.encode() + b"\0")
        assert host.recv()[0] == A_CNXN
        host.close()
        # "Always allow from this computer": the next connection signs and is in.
        again = RawHost(p.port)
        _, _, _, token = _hello(again)
        again.send(A_AUTH, AUTH_SIGNATURE, 0, signer.Sign(token))
        assert again.recv()[0] == A_CNXN
        again.close()


def test_unauthorized_waits_for_the_user_and_ignores_malformed_keys(tmp_path):
    _signer, public = host_key(tmp_path / "new")
    with SimulatedPhone(TinyPhone(adb_secure=True, state="unauthorized")) as p:
        host = RawHost(p.port)
        _hello(host)
        host.send(A_AUTH, AUTH_RSAPUBLICKEY, 0, b"QAAAAFakePublicKey= user@host\0")
        assert host.quiet(0.3)
        p.authorize()  # the user taps Allow, but nothing valid was offered on this one
        assert host.quiet(0.3)
        host.close()
        other = RawHost(p.port)
        _hello(other)
        other.send(A_AUTH, AUTH_RSAPUBLICKEY, 0, public.encode() + b"\0")
        assert other.recv()[0] == A_CNXN  # allowed from now on
        other.close()


def test_insecure_build_answers_cnxn_at_once():
    with SimulatedPhone(TinyPhone(adb_secure=False)) as p:
        host = RawHost(p.port)
        assert _hello(host)[0] == A_CNXN
        host.close()


@pytest.mark.parametrize("host_version, host_payload, payload", [
    (0x01000000, 4096, 4096),            # an old host (adb-shell sends this version)
    (0x01000000, 1 << 20, 1 << 20),
    (0x01000001, 256 * 1024, 256 * 1024),
    (0x01000001, 4 << 20, 1 << 20),      # adbd never goes above its own 1 MiB
])
def test_cnxn_carries_adbd_version_and_the_smaller_payload(host_version, host_payload, payload):
    with SimulatedPhone(TinyPhone()) as p:
        host = RawHost(p.port)
        command, version, max_payload, _ = _hello(host, host_version, host_payload)
        assert (command, version, max_payload) == (A_CNXN, 0x01000001, payload)
        host.close()


def test_cnxn_payload_is_honoured_on_streams():
    from simulator.transport import A_OKAY, A_OPEN, A_WRTE

    with SimulatedPhone(TinyPhone()) as p:
        host = RawHost(p.port)
        _hello(host, 0x01000000, 4096)
        host.send(A_OPEN, 3, 0, b"exec:large\0")
        assert host.recv()[0] == A_OKAY
        command, _, _, payload = host.recv()
        assert command == A_WRTE and len(payload) == 4096
        host.close()


# -- real adb servers ---------------------------------------------------------------------

@pytest.mark.adb
def test_adb_server_key_in_adb_keys_is_device_at_once(any_adb_server, sim_phone):
    host = any_adb_server
    public = (host.home / ".android" / "adbkey.pub").read_text().strip()
    phone = sim_phone(TinyPhone(adb_secure=True, state="unauthorized", adb_keys=(public,)), adb=host,
                      state="device")
    assert host.states()[phone.serial] == "device"
    result = host.adb("-s", phone.serial, "shell", "echo signed")
    assert (result.returncode, result.stdout) == (0, "signed\n")


@pytest.mark.adb
def test_adb_server_with_an_unknown_key_stays_unauthorized(any_adb_server, sim_phone):
    host = any_adb_server
    phone = sim_phone(TinyPhone(adb_secure=True, state="unauthorized"), adb=host)
    assert host.states()[phone.serial] == "unauthorized"
    result = host.adb("-s", phone.serial, "shell", "echo hi")
    assert result.returncode != 0 and "unauthorized" in result.stderr
    assert phone.shell_commands() == []
