"""Finding phones: the adb server, the device list, choosing one, watching plug/unplug.

The adb server is reached on 127.0.0.1 at `ANDROID_ADB_SERVER_PORT` (default 5037);
when none answers, the adb binary bundled with adbutils is started. Selection follows
adb and scrcpy: `-s SERIAL`, `ANDROID_SERIAL`, `-d` (the only USB device), `-e` (the
only TCP device), or the only ready device. Devices that are not ready are listed with
a plain instruction (`hint`) saying what the user should do.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import threading
from dataclasses import dataclass
from typing import Callable

import adbutils

from adb import bundled_adb_path
from adb.gate import Gate

__all__ = [
    "DeviceEntry", "SelectionError", "Phone", "adb_client", "adb_port", "list_devices",
    "parse_devices_l", "select_device", "watch_devices", "open_phone", "hint_for",
]

HINTS = {
    "unauthorized": "unlock the phone and accept the USB debugging prompt",
    "offline": "the phone does not answer adb: unplug and replug it (or run `adb reconnect`), then unlock it",
    "no permissions": "this user may not open the USB device: add a udev rule for the phone "
                      "(or join the plugdev group), then replug it",
    "recovery": "the phone is in recovery mode: reboot it into Android",
    "sideload": "the phone is in sideload mode: reboot it into Android",
    "bootloader": "the phone is in bootloader mode: reboot it into Android",
    "rescue": "the phone is in rescue mode: reboot it into Android",
    "authorizing": "adb is still connecting to the phone: wait a moment",
    "connecting": "adb is still connecting to the phone: wait a moment",
    "host": "this is an adb host, not a phone",
}

_TAG = re.compile(r"^(usb|product|model|device|transport_id|features):(.*)$")


@dataclass(frozen=True)
class DeviceEntry:
    """One line of `adb devices -l`."""

    serial: str
    state: str
    transport: str  # "usb" | "tcp"
    model: str | None = None
    product: str | None = None
    device: str | None = None
    #: what the user should do to make it usable (None when state is "device")
    hint: str | None = None

    @property
    def ready(self) -> bool:
        return self.state == "device"

    def describe(self) -> str:
        name = f" ({self.model.replace('_', ' ')})" if self.model else ""
        text = f"{self.serial}{name}: {self.state}, {self.transport}"
        return text + (f": {self.hint}" if self.hint else "")


class SelectionError(Exception):
    """No usable phone could be chosen; str() is the whole message for the user."""


def hint_for(state: str) -> str | None:
    if state == "device":
        return None
    return HINTS.get(state, f"the phone is in state \"{state}\": unplug and replug it, then unlock it")


def _transport(serial: str, tags: dict[str, str]) -> str:
    if "usb" in tags:
        return "usb"
    if re.fullmatch(r".+:\d+", serial) or serial.startswith("emulator-") or "._adb-tls-" in serial:
        return "tcp"
    return "usb"


def parse_devices_l(text: str) -> list[DeviceEntry]:
    """Parse `host:devices-l` output (states may be several words, e.g. no permissions)."""
    out = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 2:
            continue
        serial = parts[0]
        state_words: list[str] = []
        tags: dict[str, str] = {}
        for p in parts[1:]:
            m = _TAG.match(p)
            if m and state_words:
                tags[m.group(1)] = m.group(2)
            elif not tags:
                state_words.append(p)
        state = " ".join(state_words)
        if state.startswith("no permissions"):
            state = "no permissions"
        out.append(DeviceEntry(serial=serial, state=state, transport=_transport(serial, tags),
                               model=tags.get("model"), product=tags.get("product"),
                               device=tags.get("device"), hint=hint_for(state)))
    return out


def adb_port() -> int:
    try:
        return int(os.environ.get("ANDROID_ADB_SERVER_PORT", "5037"))
    except ValueError:
        return 5037


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


class _NoStartConnection(adbutils.AdbConnection):
    """An adbutils connection that fails when the server is down instead of running
    `adb start-server` (adbutils' default): a server that dies mid-audit must end the
    audit with that reason, not be replaced behind the user's back by a new one that
    does not know the phone (and outlives phone-audit)."""

    # overrides adbutils.AdbConnection._safe_connect, which its __init__ calls
    def _safe_connect(self):
        return self._create_socket()


class _Client(adbutils.AdbClient):
    """adbutils.AdbClient whose connections never start an adb server (see above)."""

    def make_connection(self, timeout: float | None = None) -> adbutils.AdbConnection:
        conn = _NoStartConnection(self.host, self.port)
        if timeout:
            conn.conn.settimeout(timeout)
        return conn


def adb_client() -> adbutils.AdbClient:
    """A client of the adb server at 127.0.0.1:ANDROID_ADB_SERVER_PORT, started now if
    none answers; later connections never start one (a dead server is an error)."""
    port = adb_port()
    if not _answers(port):
        subprocess.run([bundled_adb_path(), "start-server"], timeout=30, check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return _Client(host="127.0.0.1", port=port)


def list_devices(client: adbutils.AdbClient | None = None) -> list[DeviceEntry]:
    """Every device the server sees, ready or not."""
    client = client or adb_client()
    with client.make_connection() as c:
        c.send_command("host:devices-l")
        c.check_okay()
        return parse_devices_l(c.read_string_block())


def connect_and_wait(client: adbutils.AdbClient, serial: str, timeout: float = 30) -> bool:
    """`adb connect` a phone that listens on TCP (host:port) and wait until the server
    lists it as ready; False if it is not ready within `timeout` seconds (blocking)."""
    import time

    client.connect(serial, timeout=timeout)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(e.serial == serial and e.ready for e in list_devices(client)):
            return True
        time.sleep(0.1)
    return False


def _listing(entries: list[DeviceEntry]) -> str:
    if not entries:
        return "adb sees no phone. Connect one by USB, enable USB debugging in Developer options, and unlock it."
    return "adb sees:\n" + "\n".join("  " + e.describe() for e in entries)


def select_device(entries: list[DeviceEntry], serial: str | None = None,
                  usb: bool = False, tcp: bool = False) -> DeviceEntry:
    """Choose the phone to audit like adb does; only state "device" is usable."""
    if usb and tcp:
        raise SelectionError("choose either -d (USB) or -e (TCP), not both.")
    serial = serial or (None if (usb or tcp) else os.environ.get("ANDROID_SERIAL") or None)
    if serial:
        match = [e for e in entries if e.serial == serial]
        if not match:
            raise SelectionError(f"no device with serial {serial}. {_listing(entries)}")
        e = match[0]
        if not e.ready:
            raise SelectionError(f"{e.serial} is {e.state}: {e.hint}. {_listing(entries)}")
        return e
    pool = entries
    what = "device"
    if usb:
        pool, what = [e for e in entries if e.transport == "usb"], "USB device"
    elif tcp:
        pool, what = [e for e in entries if e.transport == "tcp"], "TCP device"
    ready = [e for e in pool if e.ready]
    if len(ready) == 1:
        return ready[0]
    if not ready:
        raise SelectionError(f"no ready {what}. {_listing(entries)}")
    raise SelectionError(
        f"{len(ready)} ready {what}s; choose one with -s SERIAL (or --all). {_listing(entries)}"
    )


def watch_devices(client: adbutils.AdbClient, on_change: Callable[[list[DeviceEntry]], None],
                  stop: threading.Event) -> None:
    """Call `on_change(entries)` now and on every plug/unplug/state change until `stop`
    is set. Blocking; run it in a thread. Returns when the adb server goes away."""
    conn = client.make_connection()
    try:
        conn.send_command("host:track-devices")
        conn.check_okay()
        conn.conn.settimeout(0.25)
        buf = b""
        on_change(list_devices(client))
        while not stop.is_set():
            try:
                chunk = conn.conn.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            if not chunk:
                return
            buf += chunk
            changed = False
            while len(buf) >= 4:
                try:
                    n = int(buf[:4], 16)
                except ValueError:
                    return
                if len(buf) < 4 + n:
                    break
                buf = buf[4 + n:]
                changed = True
            if changed and not stop.is_set():
                on_change(list_devices(client))
    finally:
        conn.close()


class Phone:
    """One phone opened for auditing: its adb serial and the gate to talk to it."""

    def __init__(self, serial: str, client: adbutils.AdbClient) -> None:
        self.serial = serial
        self.client = client
        self._device = client.device(serial)
        self.gate = Gate(self._device, is_present=self._present)

    def _present(self) -> bool:
        # an exception here (the adb server itself is gone) is the gate's to report
        return any(e.serial == self.serial and e.ready for e in list_devices(self.client))

    def __repr__(self) -> str:
        return f"Phone({self.serial!r})"


def open_phone(serial: str, client: adbutils.AdbClient | None = None) -> Phone:
    """Open a ready phone by adb serial (see `select_device`)."""
    return Phone(serial, client or adb_client())
