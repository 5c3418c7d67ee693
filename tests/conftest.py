"""Fixtures shared by every test area: private adb servers and simulated phones.

adb in tests is always real (the bundled adb 36 server; Debian's adb 29 as a second
host where a test asks for it) and always private: its own ANDROID_ADB_SERVER_PORT
and a temporary HOME, killed at the end, so the user's adb server on 5037 and their
~/.android keys are never touched.

Fixtures
--------
``adb_server`` (session)
    The bundled adb 36 server. Attributes: ``.port``, ``.env`` (environment dict for
    subprocesses, e.g. ``subprocess.run([...], env=adb_server.env)``), ``.client``
    (``adbutils.AdbClient`` on that port), ``.adb(*args)`` (runs the adb CLI, returns
    ``CompletedProcess`` with text output), ``.states()`` (serial -> state),
    ``.wait_for_state(serial, state)``. During the session ``os.environ`` has
    ``ANDROID_ADB_SERVER_PORT`` and ``HOME`` pointing at it, so code under test that
    creates ``adbutils.AdbClient()`` finds it. Teardown runs ``adb kill-server`` and
    fails if any adb process of ours is left.

``adb29_server`` (session)
    The same with Debian's /usr/bin/adb 29 on another port (fails if absent: `make
    test` installs it); os.environ is not changed for it.

``any_adb_server``
    Parametrised over both: a test using it runs once with ``adb_server`` (adb 36)
    and once with ``adb29_server`` (adb 29).

``sim_phone`` (function)
    A factory: ``sim_phone(model_or_profile, log=True, state=None, adb=None,
    register=True) -> SimPhoneHandle``. Starts a SimulatedPhone (a DeviceModel, a
    built-in profile name or a profile folder), ``adb connect``s it to ``adb`` (default
    ``adb_server``) and waits until the server lists it in ``state`` (default: the
    model's own state). The handle has ``.serial``, ``.port``, ``.phone``,
    ``.device`` (adbutils device), ``.log_path``, ``.log_entries()``,
    ``.shell_commands()``, ``.restart()``. Everything is disconnected and stopped at
    teardown.

``tiny_phone``
    The TinyPhone class (tests/support/tiny_model.py): a canned DeviceModel for tests
    of the protocol layer only.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

# Tests are not a package; make tests/support importable as `support`. Appended, not
# prepended: test folders named like project packages (tests/checks, tests/store) must
# never shadow the real ones.
if str(Path(__file__).parent) not in sys.path:
    sys.path.append(str(Path(__file__).parent))

from support.adbenv import DEBIAN_ADB, AdbServer, SimPhoneHandle, bundled_adb  # noqa: E402
from support.tiny_model import TinyPhone  # noqa: E402

# Under CI=true a skipped or xfailed test fails the run (tests/support/skip_guard.py).
from support.skip_guard import (  # noqa: E402,F401
    pytest_configure,
    pytest_sessionfinish,
    pytest_terminal_summary,
)


def _start_server(binary: str, tmp_path_factory: pytest.TempPathFactory, name: str) -> AdbServer:
    home = tmp_path_factory.mktemp(name)
    return AdbServer(binary, home).start()


@pytest.fixture(scope="session")
def adb_server(tmp_path_factory: pytest.TempPathFactory):
    """The bundled adb 36 server on a private port and HOME (see module docstring)."""
    server = _start_server(bundled_adb(), tmp_path_factory, "adb36-home")
    saved = {k: os.environ.get(k) for k in ("ANDROID_ADB_SERVER_PORT", "HOME")}
    os.environ["ANDROID_ADB_SERVER_PORT"] = str(server.port)
    os.environ["HOME"] = str(server.home)
    try:
        yield server
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        problems = server.stop()
        assert not problems, problems


@pytest.fixture(scope="session")
def adb29_server(tmp_path_factory: pytest.TempPathFactory):
    """Debian's adb 29 server on its own private port and HOME."""
    if not os.path.exists(DEBIAN_ADB):
        pytest.fail(f"{DEBIAN_ADB} is not installed: run scripts/provision-debian "
                    "(make test does), or apt-get install adb", pytrace=False)
    server = _start_server(DEBIAN_ADB, tmp_path_factory, "adb29-home")
    try:
        yield server
    finally:
        problems = server.stop()
        assert not problems, problems


@pytest.fixture(params=["adb36", "adb29"])
def any_adb_server(request):
    """Parametrised over both host implementations: adb_server (36) and adb29_server."""
    return request.getfixturevalue("adb_server" if request.param == "adb36" else "adb29_server")


@pytest.fixture
def sim_phone(adb_server: AdbServer, tmp_path: Path):
    """Factory for simulated phones registered with an adb server (see module docstring)."""
    from simulator import SimulatedPhone

    handles: list[SimPhoneHandle] = []

    def factory(model_or_profile, log=True, state: str | None = None, adb: AdbServer | None = None,
                register: bool = True) -> SimPhoneHandle:
        if log is True:
            log_path = tmp_path / f"phone{len(handles) + 1}.jsonl"
        elif log:
            log_path = Path(log)
        else:
            log_path = None
        phone = SimulatedPhone(model_or_profile, log=log_path).start()
        expected = state or getattr(phone.model, "state", "device") or "device"
        handle = SimPhoneHandle(phone=phone, adb=adb or adb_server, log_path=log_path,
                                expected_state=expected)
        handles.append(handle)
        if register:
            handle.register()
        return handle

    yield factory
    for handle in reversed(handles):
        handle.close()


@pytest.fixture
def tiny_phone():
    """The TinyPhone DeviceModel class (protocol tests only)."""
    return TinyPhone


# -- a private PostgreSQL server (the shared store) ------------------------------------

@pytest.fixture(scope="session")
def postgres(tmp_path_factory):
    """A real PostgreSQL server (Debian's binaries) on a private port and data folder,
    for the session. ``.url`` is its default database's URL, ``.create_database(name)``
    makes a fresh one, ``.stop()``/``.start()`` take it down and up (fault tests).
    Teardown stops it and fails if a server process of it is left."""
    from support.postgres import PostgresServer, wait_stopped

    # a short root: the server's folder must be reachable by the user it runs as
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="phone-audit-pg-")) / "pg"
    server = PostgresServer(root)
    server.init()
    server.start()
    try:
        server.create_database(server.dbname)
        yield server
    finally:
        server.stop()
        stopped = wait_stopped(server)
        left = server.server_pids()
        server.remove()
        shutil.rmtree(root.parent, ignore_errors=True)
        assert stopped and not left, f"PostgreSQL processes left: {left}"


@pytest.fixture
def fresh_pg_database(postgres, request):
    """A new, empty database on the session's server; returns its URL."""
    import re
    import uuid

    name = "t_" + re.sub(r"\W", "_", request.node.name.lower())[:40] + "_" + uuid.uuid4().hex[:6]
    return postgres.create_database(name)
