"""Phone states as real adb hosts see them: unauthorized and offline."""

from __future__ import annotations

import pytest

from support.tiny_model import TinyPhone

pytestmark = pytest.mark.adb


def _devices_state(host, serial: str) -> str | None:
    for line in host.adb("devices").stdout.splitlines()[1:]:
        parts = line.split()
        if parts and parts[0] == serial:
            return parts[1]
    return None


def test_unauthorized_shows_as_unauthorized(any_adb_server, sim_phone):
    host = any_adb_server
    phone = sim_phone(TinyPhone(state="unauthorized"), adb=host)
    assert _devices_state(host, phone.serial) == "unauthorized"
    assert host.states()[phone.serial] == "unauthorized"
    # Nothing runs on a phone that has not allowed this computer.
    result = host.adb("-s", phone.serial, "shell", "echo hi")
    assert result.returncode != 0
    assert "unauthorized" in result.stderr
    assert phone.shell_commands() == []


def test_unauthorized_then_allowed_becomes_device(any_adb_server, sim_phone):
    host = any_adb_server
    phone = sim_phone(TinyPhone(state="unauthorized"), adb=host)
    phone.phone.authorize()
    host.wait_for_state(phone.serial, "device")
    result = host.adb("-s", phone.serial, "shell", "echo allowed")
    assert (result.returncode, result.stdout) == (0, "allowed\n")


def test_offline_shows_as_offline(any_adb_server, sim_phone):
    host = any_adb_server
    phone = sim_phone(TinyPhone(state="offline"), adb=host)
    assert _devices_state(host, phone.serial) == "offline"
    assert host.states()[phone.serial] == "offline"
    result = host.adb("-s", phone.serial, "shell", "echo hi")
    assert result.returncode != 0
    assert phone.shell_commands() == []


def test_adbutils_list_extended_includes_all_states(adb_server, sim_phone):
    ready = sim_phone(TinyPhone())
    locked = sim_phone(TinyPhone(state="unauthorized"))
    dead = sim_phone(TinyPhone(state="offline"))
    listed = {d.serial: d.state for d in adb_server.client.list(extended=True)}
    assert listed[ready.serial] == "device"
    assert listed[locked.serial] == "unauthorized"
    assert listed[dead.serial] == "offline"
    # device_list() only has the ready one
    ready_serials = {d.serial for d in adb_server.client.device_list()}
    assert ready.serial in ready_serials
    assert locked.serial not in ready_serials and dead.serial not in ready_serials
