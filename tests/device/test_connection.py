"""Finding and choosing phones: device listing (real adb server), selection, hints,
live plug/unplug, and the gate refusing commands before anything is sent."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from adb.allowlist import CommandNotAllowed
from adb.connection import (
    DeviceEntry,
    SelectionError,
    adb_client,
    list_devices,
    open_phone,
    parse_devices_l,
    select_device,
    watch_devices,
)
from simulator.profile import resolve_profile


def _entry(serial, state="device", transport="usb", model=None):
    from adb.connection import hint_for

    return DeviceEntry(serial, state, transport, model, None, None, hint_for(state))


def test_parse_devices_l_states_and_tags():
    text = (
        "a1b2c3d4               device usb:1-1 product:apollo_eea model:M2007J3SG device:apollo transport_id:3\n"
        "XPH0220A15000123       unauthorized usb:1-2 transport_id:4\n"
        "0123456789ABCDEF       no permissions (missing udev rules? user is in the plugdev group); "
        "see [http://developer.android.com/tools/device.html] usb:1-3 transport_id:5\n"
        "127.0.0.1:40001        offline transport_id:6\n"
        "emulator-5554          device product:sdk_gphone model:sdk device:emu transport_id:7\n"
    )
    e = parse_devices_l(text)
    assert [x.serial for x in e] == ["a1b2c3d4", "XPH0220A15000123", "0123456789ABCDEF", "127.0.0.1:40001",
                                     "emulator-5554"]
    assert e[0].state == "device" and e[0].model == "M2007J3SG" and e[0].transport == "usb" and e[0].hint is None
    assert e[1].state == "unauthorized" and "accept the USB debugging prompt" in e[1].hint
    assert e[2].state == "no permissions" and "udev" in e[2].hint and e[2].transport == "usb"
    assert e[3].state == "offline" and e[3].transport == "tcp" and "replug" in e[3].hint
    assert e[4].transport == "tcp"


def test_select_device_rules(monkeypatch):
    monkeypatch.delenv("ANDROID_SERIAL", raising=False)
    usb = _entry("usb1")
    tcp = _entry("127.0.0.1:40001", transport="tcp")
    unauth = _entry("u2", state="unauthorized")
    assert select_device([usb, unauth]) == usb  # the only ready one
    assert select_device([usb, tcp], usb=True) == usb
    assert select_device([usb, tcp], tcp=True) == tcp
    assert select_device([usb, tcp], serial="127.0.0.1:40001") == tcp
    monkeypatch.setenv("ANDROID_SERIAL", "usb1")
    assert select_device([usb, tcp]) == usb
    monkeypatch.delenv("ANDROID_SERIAL")

    with pytest.raises(SelectionError) as many:
        select_device([usb, tcp])
    msg = str(many.value)
    assert "-s SERIAL" in msg and "usb1" in msg and "127.0.0.1:40001" in msg

    with pytest.raises(SelectionError) as only_unauth:
        select_device([unauth])
    assert "u2" in str(only_unauth.value) and "unauthorized" in str(only_unauth.value)
    assert "accept the USB debugging prompt" in str(only_unauth.value)

    with pytest.raises(SelectionError) as chosen_unauth:
        select_device([usb, unauth], serial="u2")
    assert "accept the USB debugging prompt" in str(chosen_unauth.value)

    with pytest.raises(SelectionError) as none:
        select_device([])
    assert "no phone" in str(none.value) or "no ready" in str(none.value)
    with pytest.raises(SelectionError):
        select_device([usb], serial="missing")
    with pytest.raises(SelectionError):
        select_device([usb], tcp=True)


def _copy_with_state(tmp_path: Path, name: str, state: str) -> Path:
    dst = tmp_path / f"{name}-{state}"
    shutil.copytree(resolve_profile(name), dst)
    toml = dst / "profile.toml"
    text = toml.read_text(encoding="utf-8")
    assert 'state = "device"' in text
    toml.write_text(text.replace('state = "device"', f'state = "{state}"', 1), encoding="utf-8")
    return dst


@pytest.mark.adb
def test_list_devices_through_the_server(sim_phone, tmp_path):
    ready = sim_phone("pixel-clean")
    locked = sim_phone(_copy_with_state(tmp_path, "pixel-clean", "unauthorized"))
    entries = {e.serial: e for e in list_devices(adb_client())}
    assert entries[ready.serial].state == "device" and entries[ready.serial].transport == "tcp"
    assert entries[ready.serial].model == "Pixel_7"  # adb shows spaces as _
    assert entries[locked.serial].state == "unauthorized"
    assert "accept the USB debugging prompt" in entries[locked.serial].hint
    chosen = select_device([entries[ready.serial], entries[locked.serial]])
    assert chosen.serial == ready.serial


@pytest.mark.adb
def test_watch_devices_sees_plug_and_unplug(sim_phone):
    client = adb_client()
    seen: list[set[str]] = []
    changed = threading.Event()
    stop = threading.Event()

    def on_change(entries):
        seen.append({e.serial for e in entries if e.ready})
        changed.set()

    t = threading.Thread(target=watch_devices, args=(client, on_change, stop), daemon=True)
    t.start()
    assert changed.wait(10)
    handle = sim_phone("pixel-clean")
    for _ in range(50):
        if any(handle.serial in s for s in seen):
            break
        changed.clear()
        changed.wait(0.5)
    assert any(handle.serial in s for s in seen)
    handle.unregister()
    for _ in range(50):
        if handle.serial not in seen[-1]:
            break
        changed.clear()
        changed.wait(0.5)
    assert handle.serial not in seen[-1]
    stop.set()
    t.join(10)
    assert not t.is_alive()


@pytest.mark.adb
def test_gate_refuses_before_sending_and_batches_equal_single_runs(sim_phone):
    handle = sim_phone("xiaomi-mi10t")
    phone = open_phone(handle.serial)
    before = len(handle.shell_commands())
    for argv in (["pm", "uninstall", "com.miui.securitycenter"], ["settings", "put", "global", "adb_enabled", "0"],
                 ["content", "query", "--uri", "content://sms", "--projection", "_id:body"], ["reboot"]):
        with pytest.raises(CommandNotAllowed):
            phone.gate.run(argv)
    with pytest.raises(CommandNotAllowed):
        phone.gate.run_many([["getprop"], ["rm", "-rf", "/"]])
    with pytest.raises(CommandNotAllowed):
        phone.gate.pull("/sdcard/DCIM/photo.jpg", Path("/dev/null"))
    assert len(handle.shell_commands()) == before  # nothing reached the phone
    assert phone.gate.sent == []

    argvs = [["getprop", "ro.product.model"], ["which", "su"], ["ls", "/sbin/su"], ["id"],
             ["settings", "get", "secure", "sms_default_application"]]
    batched = phone.gate.run_many(argvs)
    single = [phone.gate.run(a) for a in argvs]
    assert len(handle.shell_commands()) == before + 1 + len(argvs)
    for b, s in zip(batched, single):
        assert (b.command, b.stdout, b.stderr, b.exit_code, b.error) == (s.command, s.stdout, s.stderr,
                                                                          s.exit_code, s.error)
    assert batched[0].stdout == b"M2007J3SG\n"
    assert batched[1].exit_code == 1 and batched[2].exit_code == 1 and b"No such file" in batched[2].stderr


@pytest.mark.adb
def test_adb_client_starts_the_bundled_server_when_none_answers(monkeypatch, tmp_path):
    import os
    import subprocess

    from adb import bundled_adb_path
    from support.adbenv import free_port

    port = free_port()
    monkeypatch.setenv("ANDROID_ADB_SERVER_PORT", str(port))
    monkeypatch.setenv("HOME", str(tmp_path))
    try:
        client = adb_client()
        assert client.port == port
        assert client.server_version() > 0
        assert list_devices(client) == []
    finally:
        subprocess.run([bundled_adb_path(), "kill-server"], env=dict(os.environ), timeout=30,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
