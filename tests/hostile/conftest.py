"""Hostile phones, audited once per session the way a user would.

`hostile_profiles` (session) writes every profile of `profiles.py` under a temporary
folder. `hostile_runs` (session) serves each as a simulated phone (with the request
log on) on the session's private adb server and runs `phone-audit scan -s SERIAL
--json --html --capture --db` on it in a subprocess, three at a time, with:

- HOME, XDG_* and TMPDIR in the run's own folder and the working directory an empty
  folder, so every file the scan writes can be found (a snapshot before and after);
- PYTHONPATH with `nonet/sitecustomize.py`, which records every socket connect and
  name lookup of the scan and of its inspection workers;
- the peak RSS of the scan process (and of any child process) sampled by psutil.

The tests in this folder then judge the results (`Run`), one guarantee at a time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest

sys.path.insert(0, str(Path(__file__).parent))

import profiles as P  # noqa: E402
from support.adbenv import SimPhoneHandle, read_log  # noqa: E402

NONET = Path(__file__).parent / "nonet"
#: the outputs a scan is told to write, inside Run.out
OUTPUTS = ("r.json", "r.html", "capture", "history.sqlite3")


@dataclass
class Run:
    """One `phone-audit scan` of one hostile phone, and everything observed about it."""

    hostile: P.Hostile
    folder: Path
    code: int = -1
    stdout: bytes = b""
    stderr: bytes = b""
    #: device log of the simulated phone (every request it received)
    log: list[dict] = field(default_factory=list)
    #: socket events of the scan's processes
    net: list[dict] = field(default_factory=list)
    peak_rss: int = 0
    peak_child_rss: int = 0
    before: dict[str, set[str]] = field(default_factory=dict)
    after: dict[str, set[str]] = field(default_factory=dict)
    adb_port: int = 0
    serial: str = ""

    @property
    def out(self) -> Path:
        return self.folder / "out"

    @property
    def report(self) -> dict:
        return json.loads((self.out / "r.json").read_text(encoding="utf-8"))

    def explain(self) -> str:
        return (f"{self.hostile.name}: exit {self.code}\nstdout: {self.stdout[-3000:]!r}\n"
                f"stderr: {self.stderr[-3000:]!r}")


def tree(root: Path) -> set[str]:
    """Every path under root (relative), with file sizes, so a change shows."""
    out = set()
    for p in root.rglob("*"):
        rel = str(p.relative_to(root))
        out.add(rel + ("/" if p.is_dir() else f" {p.stat().st_size}"))
    return out


def scan_env(adb_server, folder: Path) -> dict[str, str]:
    home = folder / "home"
    env = dict(adb_server.env)
    env.pop("PYTHONWARNINGS", None)
    env.update({
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / ".local/share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_STATE_HOME": str(home / ".local/state"),
        "TMPDIR": str(folder / "tmp"),
        "PYTHONPATH": os.pathsep.join([str(NONET), *filter(None, [os.environ.get("PYTHONPATH")])]),
        "PHONE_AUDIT_NET_LOG": str(folder / "net.jsonl"),
        "PHONE_AUDIT_APK_CACHE": str(folder / "out" / "simulator-apks"),
        "PHONE_AUDIT_DB": str(folder / "out" / "history.sqlite3"),
    })
    # an adb server of the user's, elsewhere, must not be what the scan finds
    env["ANDROID_ADB_SERVER_PORT"] = str(adb_server.port)
    return env


def run_scan(adb_server, folder: Path, target: list[str], hostile: P.Hostile,
             timeout: float = 600) -> Run:
    """Run `phone-audit scan TARGET ...` with everything observed (see module doc)."""
    run = Run(hostile, folder, adb_port=adb_server.port)
    for sub in ("home", "cwd", "tmp", "out"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    run.before = {k: tree(folder / k) for k in ("home", "cwd", "tmp")}
    out = folder / "out"
    cmd = [sys.executable, "-m", "tui.cli", "scan", *target, "--json", str(out / "r.json"),
           "--html", str(out / "r.html"), "--capture", str(out / "capture"),
           "--db", str(out / "history.sqlite3")]
    proc = subprocess.Popen(cmd, env=scan_env(adb_server, folder), cwd=folder / "cwd",
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stop = threading.Event()

    def sample() -> None:
        try:
            ps = psutil.Process(proc.pid)
        except psutil.Error:
            return
        while not stop.is_set():
            try:
                run.peak_rss = max(run.peak_rss, ps.memory_info().rss)
                for child in ps.children(recursive=True):
                    try:
                        run.peak_child_rss = max(run.peak_child_rss, child.memory_info().rss)
                    except psutil.Error:
                        pass
            except psutil.Error:
                return
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        run.stdout, run.stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        run.stdout, run.stderr = proc.communicate()
        run.stderr += b"\n[test: the scan did not end within the timeout and was killed]"
    finally:
        stop.set()
        sampler.join()
    run.code = proc.returncode
    run.after = {k: tree(folder / k) for k in ("home", "cwd", "tmp")}
    net = folder / "net.jsonl"
    if net.exists():
        run.net = [json.loads(line) for line in net.read_text(encoding="utf-8").splitlines() if line]
    return run


def _audit_one(adb_server, root: Path, hostile: P.Hostile) -> Run:
    from simulator import SimulatedPhone

    folder = root / hostile.name
    log = folder / "phone.jsonl"
    folder.mkdir(parents=True, exist_ok=True)
    if hostile.extra.get("demo"):
        # the product's own way: the scan starts and stops the simulated phone itself
        return run_scan(adb_server, folder, ["--demo", str(hostile.folder)], hostile)
    phone = SimulatedPhone(hostile.folder, log=log).start()
    handle = SimPhoneHandle(phone=phone, adb=adb_server, log_path=log, expected_state="device")
    try:
        handle.register()
        run = run_scan(adb_server, folder, ["-s", phone.serial], hostile)
        run.serial = phone.serial
    finally:
        handle.close()
    run.log = read_log(log)
    return run


def _builtin_names() -> list[str]:
    from simulator.profile import builtin_profiles

    return [name for name, _ in builtin_profiles()]


#: hostile profiles audited by the session fixture (adb-killed needs its own adb server)
HOSTILE = tuple(b.__name__.replace("_", "-") for b in P.BUILDERS if b is not P.adb_killed)
#: the hostile run made with `scan --demo FOLDER` instead of a phone on the adb server
DEMO = "escapes-demo"
#: built-in profiles, audited in full for the read-only proof
BUILTIN = tuple(f"builtin-{n}" for n in _builtin_names())
ALL_RUNS = HOSTILE + (DEMO,) + BUILTIN
#: the slowest runs start first so the rest overlap with them
_SLOW = ("hang", "many-packages", "builtin-xiaomi-mi10t", "builtin-oneplus-8t")


#: the session fixture audits every phone once; the first test that asks for it carries that
#: work, so it gets more time than the default per-test limit (pyproject.toml) on a busy
#: or slow machine, e.g. a fresh container building everything at once
FIXTURE_SECONDS = 1800


def pytest_collection_modifyitems(items):
    for item in items:
        if "hostile_runs" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.timeout(FIXTURE_SECONDS))


@pytest.fixture(scope="session")
def hostile_profiles(tmp_path_factory) -> dict[str, P.Hostile]:
    return P.build(tmp_path_factory.mktemp("hostile-profiles"))


@pytest.fixture(scope="session")
def hostile_runs(adb_server, hostile_profiles, tmp_path_factory) -> dict[str, Run]:
    """Every hostile phone (but adb-killed), one hostile phone again through `--demo`,
    and every built-in phone, each audited once, three at a time."""
    from simulator.profile import builtin_profiles_dir

    root = tmp_path_factory.mktemp("hostile-runs")
    todo = [h for h in hostile_profiles.values() if h.name != "adb-killed"]
    esc = hostile_profiles["escapes"]
    todo.append(P.Hostile(DEMO, esc.folder, esc.attack + " (scan --demo FOLDER)",
                          extra={**esc.extra, "demo": True}))
    for name in BUILTIN:
        todo.append(P.Hostile(name, builtin_profiles_dir() / name.removeprefix("builtin-"),
                              "a built-in phone (read-only proof)"))
    todo.sort(key=lambda h: h.name not in _SLOW)
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {h.name: pool.submit(_audit_one, adb_server, root, h) for h in todo}
        return {name: f.result() for name, f in futures.items()}


@pytest.fixture
def short_tmp():
    """A short scratch folder for a scan's TMPDIR: the inspection pool's Unix socket
    lives there, and under pytest's long tmp_path it passes the 108-byte AF_UNIX limit
    (every inspection then fails with "AF_UNIX path too long")."""
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="pa-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)
