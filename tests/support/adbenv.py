"""Private adb servers and registered simulated phones for tests.

`AdbServer` starts a real adb server (the bundled adb 36, or Debian's adb 29) on a
private ANDROID_ADB_SERVER_PORT with a temporary HOME, so tests never touch the
user's adb server on 5037 or their ~/.android keys, and kills it afterwards, checking
that no process of it is left. `SimPhoneHandle` is a SimulatedPhone registered with
such a server (`adb connect`).

The pytest fixtures built on these live in tests/conftest.py (`adb_server`,
`adb29_server`, `sim_phone`).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import adbutils
import psutil

from simulator import SimulatedPhone
from simulator.server import FORBIDDEN_PORTS

#: Debian's adb (29.0.6): a second, older host implementation the simulator must satisfy.
DEBIAN_ADB = "/usr/bin/adb"

# Variables that would make a test adb server use the user's keys, devices or server.
_SCRUBBED_ENV = ("ANDROID_SERIAL", "ANDROID_SDK_HOME", "ANDROID_USER_HOME", "ANDROID_ADB_SERVER_ADDRESS",
                 "ANDROID_ADB_SERVER_HOST", "ADB_VENDOR_KEYS", "ADB_TRACE", "ADB_SERVER_SOCKET")


def free_port() -> int:
    """A TCP port free right now on 127.0.0.1, never in 5555-5585."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in FORBIDDEN_PORTS:
            return port


def bundled_adb() -> str:
    """Path of the adb 36 binary shipped in the adbutils wheel."""
    import adb

    return adb.bundled_adb_path()


class AdbServer:
    """A real adb server on a private port with a private HOME.

    Attributes: `binary`, `port`, `home`, `env` (the environment to pass to any
    subprocess that should talk to this server), `client` (adbutils.AdbClient on it).
    """

    def __init__(self, binary: str, home: Path, port: int | None = None):
        self.binary = binary
        self.home = Path(home)
        self.port = port or free_port()
        env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED_ENV}
        env["ANDROID_ADB_SERVER_PORT"] = str(self.port)
        env["HOME"] = str(self.home)
        self.env = env
        self.client = adbutils.AdbClient(host="127.0.0.1", port=self.port)

    def __repr__(self) -> str:
        return f"<AdbServer {self.binary} port={self.port}>"

    @property
    def version(self) -> str:
        """"36" for the bundled adb, "29" for Debian's (from `adb version`)."""
        out = self.adb("version").stdout
        # "Android Debug Bridge version 1.0.41\nVersion 36.0.0-..." / "Version 29.0.6-debian"
        for line in out.splitlines():
            if line.startswith("Version "):
                return line.split()[1].split(".")[0]
        return "?"

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> "AdbServer":
        self.home.mkdir(parents=True, exist_ok=True)
        result = self.adb("start-server", timeout=60)
        if result.returncode != 0:
            raise RuntimeError(f"adb start-server failed: {result.stdout}{result.stderr}")
        deadline = time.monotonic() + 20
        while True:
            try:
                self.client.server_version()
                return self
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def processes(self) -> list[psutil.Process]:
        """adb server processes of ours: an adb whose command line names our port."""
        mine = []
        marker = f"tcp:{self.port}"
        for proc in psutil.process_iter(["name", "cmdline"]):
            try:
                cmdline = proc.info["cmdline"] or []
                name = proc.info["name"] or ""
                if (name == "adb" or (cmdline and os.path.basename(cmdline[0]) == "adb")) and any(
                    marker in arg for arg in cmdline
                ):
                    mine.append(proc)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
        return mine

    def stop(self) -> list[str]:
        """`adb kill-server`, then make sure no process of ours remains.

        Returns a list of problems (empty when the server ended cleanly); processes
        that outlive kill-server are killed and reported.
        """
        problems: list[str] = []
        try:
            self.adb("kill-server", timeout=30)
        except subprocess.TimeoutExpired:
            problems.append("adb kill-server timed out")
        deadline = time.monotonic() + 10
        left = self.processes()
        while left and time.monotonic() < deadline:
            time.sleep(0.1)
            left = self.processes()
        for proc in left:
            problems.append(f"adb process {proc.pid} survived kill-server: {proc.cmdline()}")
            try:
                proc.kill()
            except psutil.Error:
                pass
        return problems

    # -- helpers --------------------------------------------------------------------------
    def adb(self, *args: str, timeout: float = 60, input: str | None = None) -> subprocess.CompletedProcess:
        """Run this adb binary's CLI against this server; text output, never raises on exit status."""
        return subprocess.run([self.binary, *args], env=self.env, capture_output=True, text=True,
                              timeout=timeout, input=input, errors="replace")

    def states(self) -> dict[str, str]:
        """serial -> state ("device", "unauthorized", "offline", ...) as the server lists them."""
        return {d.serial: d.state for d in self.client.list(extended=True)}

    def wait_for_state(self, serial: str, state: str | None, timeout: float = 30) -> None:
        """Wait until `serial` is listed in `state` (None: until it is not listed at all)."""
        deadline = time.monotonic() + timeout
        seen: str | None = None
        while time.monotonic() < deadline:
            seen = self.states().get(serial)
            if seen == state:
                return
            time.sleep(0.05)
        raise TimeoutError(f"{serial} is {seen!r}, expected {state!r} within {timeout}s")

    def connect(self, serial: str) -> str:
        """`adb connect SERIAL` through the server; returns its reply."""
        return self.client.connect(serial, timeout=30)

    def disconnect(self, serial: str) -> str:
        return self.client.disconnect(serial)


def read_log(path: Path | None) -> list[dict[str, Any]]:
    """The JSON-lines request log as a list of objects (empty if absent)."""
    if path is None or not Path(path).exists():
        return []
    entries = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            entries.append(json.loads(line))
    return entries


@dataclass
class SimPhoneHandle:
    """A SimulatedPhone registered with an AdbServer (what the `sim_phone` fixture yields).

    `serial` ("127.0.0.1:PORT"), `port`, `phone` (the SimulatedPhone), `adb` (the
    AdbServer it is registered with), `log_path` (JSON-lines log or None).
    """

    phone: SimulatedPhone
    adb: AdbServer
    log_path: Path | None
    expected_state: str = "device"
    _registered: bool = field(default=False, repr=False)
    _connect_thread: threading.Thread | None = field(default=None, repr=False)

    @property
    def serial(self) -> str:
        return self.phone.serial

    @property
    def port(self) -> int:
        return self.phone.port

    @property
    def model(self):
        return self.phone.model

    @property
    def device(self) -> adbutils.AdbDevice:
        """An adbutils device for this phone on the private server."""
        return self.adb.client.device(self.serial)

    def log_entries(self) -> list[dict[str, Any]]:
        """Every logged request so far (parsed JSON lines)."""
        return read_log(self.log_path)

    def shell_commands(self) -> list[str]:
        """The shell command lines the phone received (shell v1/v2 and exec), in order."""
        return [e["command"] for e in self.log_entries() if e.get("service") in ("shell", "exec")]

    def register(self, state: str | None = None, timeout: float = 30) -> str | None:
        """`adb connect` and wait until the server lists the phone in `state`.

        Returns the server's reply to connect ("connected to ...", "failed to
        authenticate to ..."), or None for an offline phone: the server lists it as
        offline at once but holds `adb connect` open for ~10 s waiting for a CNXN
        that never comes, so the connect runs on in a background thread.
        """
        state = state or self.expected_state
        reply: list[str] = []

        def connect() -> None:
            try:
                reply.append(self.adb.connect(self.serial))
            except Exception as exc:  # reported through the state wait below
                reply.append(f"connect raised {exc!r}")

        thread = threading.Thread(target=connect, name=f"adb-connect-{self.serial}", daemon=True)
        thread.start()
        self._connect_thread = thread
        self._registered = True
        if state != "offline":
            thread.join(timeout)
        self.adb.wait_for_state(self.serial, state, timeout=timeout)
        return reply[0] if reply else None

    def unregister(self) -> None:
        """`adb disconnect` (also ends a connect still pending for an offline phone)."""
        if self._registered:
            try:
                self.adb.disconnect(self.serial)
            except Exception:
                pass
            self._registered = False
        if self._connect_thread is not None:
            self._connect_thread.join(15)
            self._connect_thread = None

    def restart(self, state: str | None = None) -> None:
        """Plug the cable back in after a disconnect fault and re-register with adb."""
        # Forget the dead transport first: otherwise `adb connect` answers "already
        # connected" and waits for adb's own reconnect timer.
        self.unregister()
        self.phone.restart()
        self.register(state)

    def close(self) -> None:
        self.unregister()
        self.phone.stop()
