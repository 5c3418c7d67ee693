"""A private PostgreSQL server for the tests: Debian's binaries, a data folder in tmp,
a free port on 127.0.0.1, started and stopped by the session fixture `postgres`.

PostgreSQL refuses to run as root, so under root the server runs as the `nobody`
user in a folder it owns; otherwise as the current user. The server listens on TCP
only (its socket folder is private too), trusts local connections and stops at
teardown with `pg_ctl stop -m immediate`; a test can also `stop()` and `start()` it
(the fault test stops it mid-audit).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import time
from pathlib import Path


def pg_bin() -> Path:
    """The newest /usr/lib/postgresql/<n>/bin holding initdb."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parent.parent.name))
    if not found:
        raise RuntimeError("PostgreSQL is not installed (Debian package `postgresql`)")
    return Path(found[-1]).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """One server. `.url` is the database URL for phone-audit (`postgresql://…`)."""

    def __init__(self, root: Path) -> None:
        self.bin = pg_bin()
        self.root = root
        self.data = root / "data"
        self.sockets = root / "run"
        self.port = free_port()
        self.user = "nobody" if os.geteuid() == 0 else None
        self.dbname = "phoneaudit"

    @property
    def url(self) -> str:
        return f"postgresql://phoneaudit@127.0.0.1:{self.port}/{self.dbname}"

    def database_url(self, dbname: str) -> str:
        return f"postgresql://phoneaudit@127.0.0.1:{self.port}/{dbname}"

    def _run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = list(argv)
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd="/")
        if check and done.returncode != 0:
            raise RuntimeError(f"{argv[0]} failed ({done.returncode}): {done.stderr.strip()}")
        return done

    def init(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.sockets.mkdir(exist_ok=True)
        if self.user:
            pw = pwd.getpwnam(self.user)
            os.chmod(self.root, 0o755)
            for p in (self.root, self.sockets):
                os.chown(p, pw.pw_uid, pw.pw_gid)
            # the server must be able to reach its folder through every parent
            parent = self.root.parent
            while parent != parent.parent:
                mode = parent.stat().st_mode
                if not mode & 0o001:
                    os.chmod(parent, mode | 0o711)
                parent = parent.parent
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "phoneaudit",
                  "--auth=trust", "--encoding=UTF8", "--no-sync")

    def start(self) -> None:
        opts = (f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", opts, "-w",
                  "-t", "60", "-l", str(self.root / "server.log"), "start")

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w",
                  "stop", check=False)

    def running(self) -> bool:
        pid_file = self.data / "postmaster.pid"
        return pid_file.exists()

    def create_database(self, name: str) -> str:
        """A fresh database on this server; returns its URL."""
        self._run(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                  "-U", "phoneaudit", name)
        return self.database_url(name)

    def server_pids(self) -> list[int]:
        """Processes still running from this data folder (for the teardown check)."""
        out = subprocess.run(["pgrep", "-f", f"-D {self.data}"], capture_output=True, text=True)
        own = [int(x) for x in out.stdout.split()]
        return own

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def wait_stopped(server: PostgresServer, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not server.running():
            return True
        time.sleep(0.1)
    return False
