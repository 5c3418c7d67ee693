"""The simulated phone: a device profile served over the real adb device protocol (TCP).

    with SimulatedPhone("xiaomi-mi10t", log="requests.jsonl") as phone:
        adbutils.AdbClient(port=...).connect(phone.serial)   # "127.0.0.1:PORT"

`SimulatedPhone` runs an `simulator.server.PhoneServer` on its own asyncio event
loop in a daemon thread, so synchronous code and tests can start and stop phones
freely. The protocol lives in `server.py`, `transport.py`, `sync.py` and `shellv2.py`;
what the phone answers comes from a `DeviceModel` (`model.py`), normally a
`PhoneModel` loaded from a device profile (`phone.py`).
"""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path
from typing import Any

from simulator.model import DeviceModel
from simulator.server import PhoneServer, serve

__all__ = ["SimulatedPhone", "PhoneServer", "serve", "load_model"]


def load_model(model_or_profile: DeviceModel | str | os.PathLike) -> DeviceModel:
    """A DeviceModel as given, or loaded from a profile name or folder via PhoneModel.load."""
    if isinstance(model_or_profile, (str, os.PathLike)):
        # Imported here: phone.py (profiles) is heavier and not needed by the protocol.
        from simulator.phone import PhoneModel

        return PhoneModel.load(model_or_profile)
    return model_or_profile


class SimulatedPhone:
    """A simulated phone listening on 127.0.0.1, run in a background thread.

    `SimulatedPhone(model_or_profile, port=0, host="127.0.0.1", log=None)`: a
    DeviceModel, or a built-in profile name / profile folder. Port 0 picks a free port
    (never 5555-5585). `log` is a path for the JSON-lines request log.

    `start()` returns once the port is listening; `serial` is then "127.0.0.1:PORT".
    After a disconnect fault the phone is `gone` (refuses connections) until
    `restart()`. Use as a context manager to stop it reliably.
    """

    def __init__(self, model_or_profile: DeviceModel | str | os.PathLike, port: int = 0,
                 host: str = "127.0.0.1", log: str | os.PathLike | None = None):
        self.model: DeviceModel = load_model(model_or_profile)
        self.host = host
        self.port = port
        self.log_path: Path | None = Path(log) if log is not None else None
        self._server: PhoneServer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    # -- properties ---------------------------------------------------------------------
    @property
    def serial(self) -> str:
        """The adb serial of this phone once started: "127.0.0.1:PORT"."""
        return f"{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def gone(self) -> bool:
        """True after a disconnect fault, until restart()."""
        return self._server is not None and self._server.gone

    @property
    def bytes_sent(self) -> int:
        """Payload bytes sent to hosts (WRTE data) since start or the last restart."""
        return self._server.bytes_sent if self._server is not None else 0

    @property
    def server(self) -> PhoneServer | None:
        """The PhoneServer (lives on the phone's own event loop; use its methods via call())."""
        return self._server

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> "SimulatedPhone":
        """Start serving in a daemon thread; returns once listening."""
        if self.running:
            return self
        started = threading.Event()
        failure: list[BaseException] = []

        def main() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                self._server = PhoneServer(self.model, self.host, self.port, self.log_path)
                loop.run_until_complete(self._server.start())
                self.port = self._server.port
            except BaseException as exc:  # reported to the caller of start()
                failure.append(exc)
                started.set()
                loop.close()
                return
            started.set()
            try:
                loop.run_forever()
            finally:
                try:
                    loop.run_until_complete(loop.shutdown_default_executor())
                finally:
                    loop.close()

        self._thread = threading.Thread(target=main, name=f"simulated-phone-{self.port}", daemon=True)
        self._thread.start()
        started.wait()
        if failure:
            self._thread.join()
            self._thread = None
            raise failure[0]
        return self

    def call(self, coro: Any, timeout: float = 30) -> Any:
        """Run a coroutine on the phone's event loop and return its result."""
        if self._loop is None or not self.running:
            raise RuntimeError("the simulated phone is not running")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def stop(self) -> None:
        """Stop listening, drop connections, end the thread. Safe to call twice."""
        if not self.running or self._loop is None or self._server is None:
            return
        try:
            self.call(self._server.close())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._thread = None

    def restart(self) -> None:
        """Make the phone reachable again on the same port (after a disconnect fault).

        Drops any connection left, resets the byte counter and listens again. The adb
        server still has to reconnect (`adb connect`), as with a re-plugged cable.
        """
        if not self.running or self._server is None:
            self.start()
            return
        self.call(self._server.restart())

    def authorize(self) -> None:
        """The user tapped "Allow" on the phone: an unauthorized phone comes online."""
        if self._server is None or self._loop is None:
            raise RuntimeError("the simulated phone is not running")

        async def _authorize() -> None:
            self._server.authorize()

        self.call(_authorize())

    def __enter__(self) -> "SimulatedPhone":
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<SimulatedPhone {self.serial} running={self.running} gone={self.gone}>"
