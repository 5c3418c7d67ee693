"""A tiny DeviceModel: a test double for the protocol layer only.

It answers a handful of canned shell commands and serves a few files, one of them a
large file generated on the fly (deterministic bytes, never held in memory), so the
protocol tests do not depend on the profile renderer. Tests of what a phone *says*
use real profiles (simulator.phone) instead.
"""

from __future__ import annotations

import hashlib
import io
import random
from dataclasses import dataclass, field

from simulator.model import Faults, FileStat, ShellResult

DIR = 0o040771
FILE = 0o100644
MTIME = 1_632_300_000

#: Path of the large generated file and its default size (50 MB).
BIG_PATH = "/data/local/tmp/big.bin"
BIG_SIZE = 50 * 1000 * 1000
#: A small text file.
HELLO_PATH = "/sdcard/hello.txt"
HELLO_TEXT = b"hello from the tiny phone\n"

# The generated file repeats a random block whose length is not a power of two, so a
# dropped or duplicated 64 KiB / 1 MiB chunk changes the SHA-256.
_BLOCK = random.Random(20211).randbytes((1 << 20) + 4099)


class GeneratedFile(io.RawIOBase):
    """`size` deterministic pseudo-random bytes, produced as they are read."""

    def __init__(self, size: int):
        super().__init__()
        self.size = size
        self.pos = 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            n = self.size - self.pos
        n = min(n, self.size - self.pos)
        parts = []
        while n > 0:
            offset = self.pos % len(_BLOCK)
            take = min(n, len(_BLOCK) - offset)
            parts.append(_BLOCK[offset:offset + take])
            self.pos += take
            n -= take
        return b"".join(parts)

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


def generated_sha256(size: int) -> str:
    """SHA-256 of a GeneratedFile of `size` bytes (what a correct pull must produce)."""
    digest = hashlib.sha256()
    f = GeneratedFile(size)
    while chunk := f.read(1 << 20):
        digest.update(chunk)
    return digest.hexdigest()


@dataclass
class TinyPhone:
    """A DeviceModel with canned answers. `state` and `faults` may be changed freely."""

    state: str = "device"
    faults: Faults = field(default_factory=Faults)
    #: a secure build (ro.adb.secure=1) and the host keys it already trusts
    adb_secure: bool = False
    adb_keys: tuple[str, ...] = ()
    model: str = "Tiny Phone"
    big_size: int = BIG_SIZE

    def banner(self) -> str:
        model = self.model.replace(" ", "_")
        return f"device::ro.product.name=tiny;ro.product.model={model};ro.product.device=tinydev"

    def run_shell(self, command: str) -> ShellResult:
        command = command.strip()
        if command == "getprop ro.product.model":
            return ShellResult(stdout=(self.model + "\n").encode())
        if command == "true":
            return ShellResult()
        if command == "false":
            return ShellResult(exit_code=1)
        if command == "both":
            return ShellResult(stdout=b"to stdout\n", stderr=b"to stderr\n", exit_code=3)
        if command == "large":
            # 200,000 lines: more than one WRTE and many v2 packets.
            return ShellResult(stdout=b"".join(b"line %d\n" % i for i in range(200_000)))
        if command.startswith("echo "):
            return ShellResult(stdout=(command[5:] + "\n").encode())
        if command.startswith("exit "):
            return ShellResult(exit_code=int(command[5:]))
        name = command.split()[0] if command else ""
        return ShellResult(stderr=f"/system/bin/sh: {name}: inaccessible or not found\n".encode(),
                           exit_code=127)

    def _files(self) -> dict[str, int]:
        return {HELLO_PATH: len(HELLO_TEXT), BIG_PATH: self.big_size}

    def stat(self, path: str) -> FileStat | None:
        path = path.rstrip("/") or "/"
        files = self._files()
        if path in files:
            return FileStat(FILE, files[path], MTIME)
        if path in self._dirs():
            return FileStat(DIR, 4096, MTIME)
        return None

    def _dirs(self) -> dict[str, list[str]]:
        return {
            "/": ["sdcard", "data"],
            "/sdcard": ["hello.txt"],
            "/data": ["local"],
            "/data/local": ["tmp"],
            "/data/local/tmp": ["big.bin"],
        }

    def listdir(self, path: str) -> list[tuple[str, FileStat]] | None:
        path = path.rstrip("/") or "/"
        names = self._dirs().get(path)
        if names is None:
            return None
        base = "" if path == "/" else path
        return [(name, self.stat(f"{base}/{name}")) for name in names]

    def open_file(self, path: str):
        if path == HELLO_PATH:
            return io.BytesIO(HELLO_TEXT)
        if path == BIG_PATH:
            return GeneratedFile(self.big_size)
        return None
